package lds

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
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
func NewCCCDData(h *citizen.Holder) (*CCCDData, error) { return newCCCDData(h, true) }

// DG13Field16 is the 16-character value of DG13 field 16 for a card: the
// record's own (dg13_field16) when given, else one derived from the ID
// number and the date of issue. On real cards it is a 16-character
// PrintableString whose meaning is not public (perhaps a serial); what
// matters to readers is its shape, and that it is stable per card.
func DG13Field16(h *citizen.Holder) string {
	if h.Record.DG13Field16 != "" {
		return h.Record.DG13Field16
	}
	sum := sha256.Sum256([]byte("cccd dg13 field 16|" + h.Record.IDNumber + "|" + h.Record.DateOfIssue))
	return strings.ToUpper(hex.EncodeToString(sum[:8]))
}

// NewCCCDMRZFor is the MRZ of a holder's card (what validation needs to
// know the name is representable), without building DG13.
func NewCCCDMRZFor(h *citizen.Holder) (*MRZ, error) {
	return NewCCCDMRZ(CCCDHolder{IDNumber: h.Record.IDNumber, FullName: h.Record.FullName, Sex: h.Sex.MRZ(), DateOfBirth: h.DateOfBirth, DateOfExpiry: h.Expiry.Date})
}

func newCCCDData(h *citizen.Holder, field16 bool) (*CCCDData, error) {
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
	if field16 {
		d.Field16 = DG13Field16(h)
	}
	if _, err := d.Encode(); err != nil {
		return nil, fmt.Errorf("DG13: %w", err)
	}
	return &CCCDData{MRZ: m, DG1: &DG1{MRZ: m}, DG13: d, Expiry: exp}, nil
}
