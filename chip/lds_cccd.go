package chip

import (
	"errors"
	"fmt"
	"time"

	"github.com/cccd-vn/cccd/citizen"
)

// DG13LifetimeExpiry is the DG13 date-of-expiry text written for a card
// without expiry (issued from age 58 on): "no time limit", as the card body
// prints it.
const DG13LifetimeExpiry = "Không thời hạn"

// CCCDData is the content of a CCCD chip built from one citizen record:
// the MRZ and the DG1, DG13 values, plus the dates they were built from.
type CCCDData struct {
	MRZ    *MRZ
	DG1    *DG1
	DG13   *DG13
	Expiry citizen.Expiry
}

// NewCCCDData builds the MRZ (DG1) and the citizen data (DG13) of a CCCD
// from a record: dates turn from YYYY-MM-DD into dd/mm/yyyy (DG13) and
// YYMMDD (MRZ); an empty expiry is computed by the age-milestone rule
// (citizen.ComputeExpiry), and a lifetime card gets 991231 in the MRZ and
// DG13LifetimeExpiry in DG13. The record should have passed
// citizen.Record.Validate; errors here name the field, never its value.
func NewCCCDData(r citizen.Record) (*CCCDData, error) {
	dob, err := citizen.ParseDate("date_of_birth", r.DateOfBirth)
	if err != nil {
		return nil, err
	}
	sex, err := citizen.ParseSex(r.Sex)
	if err != nil {
		return nil, err
	}
	var issue time.Time
	if r.DateOfIssue != "" {
		if issue, err = citizen.ParseDate("date_of_issue", r.DateOfIssue); err != nil {
			return nil, err
		}
	}
	var exp citizen.Expiry
	switch {
	case r.DateOfExpiry != "":
		d, err := citizen.ParseDate("date_of_expiry", r.DateOfExpiry)
		if err != nil {
			return nil, err
		}
		exp = citizen.Expiry{Law: citizen.LawFor(issue), Date: d}
	case !issue.IsZero():
		if exp, err = citizen.ComputeExpiry(dob, issue); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("date_of_expiry: empty, and no date_of_issue to compute it from")
	}
	m, err := NewCCCDMRZ(CCCDHolder{IDNumber: r.IDNumber, FullName: r.FullName, Sex: sex.MRZ(), DateOfBirth: dob, DateOfExpiry: exp.Date})
	if err != nil {
		return nil, err
	}
	ddmm := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("02/01/2006")
	}
	nat := r.Nationality
	if nat == "" {
		nat = "Việt Nam"
	}
	expText := ddmm(exp.Date)
	if exp.Lifetime {
		expText = DG13LifetimeExpiry
	}
	d := &DG13{
		Version: 1, Encoding: OIDUTF8Encoding,
		IDNumber: r.IDNumber, FullName: r.FullName, DateOfBirth: ddmm(dob), Sex: sex.Vietnamese(),
		Nationality: nat, Ethnicity: r.Ethnicity, Religion: r.Religion,
		PlaceOfOrigin: r.PlaceOfOrigin, PlaceOfResidence: r.PlaceOfResidence, PersonalFeatures: r.IdentifyingFeatures,
		DateOfIssue: ddmm(issue), DateOfExpiry: expText,
		FatherName: r.FatherName, MotherName: r.MotherName, SpouseName: r.SpouseName,
		OldIDNumber: r.OldIDNumber,
	}
	if _, err := d.Encode(); err != nil {
		return nil, fmt.Errorf("DG13: %w", err)
	}
	return &CCCDData{MRZ: m, DG1: &DG1{MRZ: m}, DG13: d, Expiry: exp}, nil
}
