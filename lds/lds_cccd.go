package lds

import (
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
// from a validated holder (citizen.NewHolder): dates turn into dd/mm/yyyy
// (DG13) and YYMMDD (MRZ), and a lifetime card gets 991231 in the MRZ and
// DG13LifetimeExpiry in DG13. Errors name the field, never its value.
func NewCCCDData(h *citizen.Holder) (*CCCDData, error) {
	r := h.Record
	exp := h.Expiry
	m, err := NewCCCDMRZ(CCCDHolder{IDNumber: r.IDNumber, FullName: r.FullName, Sex: h.Sex.MRZ(), DateOfBirth: h.DateOfBirth, DateOfExpiry: exp.Date})
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
		IDNumber: r.IDNumber, FullName: r.FullName, DateOfBirth: ddmm(h.DateOfBirth), Sex: h.Sex.Vietnamese(),
		Nationality: nat, Ethnicity: r.Ethnicity, Religion: r.Religion,
		PlaceOfOrigin: r.PlaceOfOrigin, PlaceOfResidence: r.PlaceOfResidence, PersonalFeatures: r.IdentifyingFeatures,
		DateOfIssue: ddmm(h.DateOfIssue), DateOfExpiry: expText,
		FatherName: r.FatherName, MotherName: r.MotherName, SpouseName: r.SpouseName,
		OldIDNumber: r.OldIDNumber,
	}
	if _, err := d.Encode(); err != nil {
		return nil, fmt.Errorf("DG13: %w", err)
	}
	return &CCCDData{MRZ: m, DG1: &DG1{MRZ: m}, DG13: d, Expiry: exp}, nil
}
