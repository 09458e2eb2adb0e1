package qr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
)

// FromRecord makes the payload of a citizen record (see FromHolder).
// Record errors (citizen.NewHolder) are returned as they are; the ID
// number's structure warnings are not errors here.
func FromRecord(r citizen.Record) (*Payload, error) {
	h, errs, _ := citizen.NewHolder(r)
	if !errs.OK() {
		return nil, errs.Err()
	}
	return FromHolder(h)
}

// FromHolder makes the payload of a validated holder. The layout follows
// the date of issue (2024 from 2024-07-01, else 2021); the 2024 layout
// carries the expiry (empty for a lifetime card). The sex is written as
// Nam / Nữ whatever the record uses.
func FromHolder(h *citizen.Holder) (*Payload, error) {
	r := h.Record
	p := &Payload{
		Layout:           layoutFor(r.DateOfIssue),
		IDNumber:         r.IDNumber,
		OldIDNumber:      r.OldIDNumber,
		FullName:         r.FullName,
		DateOfBirth:      r.DateOfBirth,
		Sex:              h.Sex.Vietnamese(),
		PlaceOfResidence: r.PlaceOfResidence,
		DateOfIssue:      r.DateOfIssue,
	}
	if p.Layout == Layout2024 {
		p.CancelledIDNumbers = citizen.SplitIDList(r.CancelledIDNumbers)
		if h.IsChild() && r.FatherName != "" && r.MotherName != "" {
			p.ParentNames = []string{r.FatherName, r.MotherName}
		}
	}
	if _, err := p.Build(); err != nil {
		return nil, err
	}
	return p, nil
}

// Record returns the payload's fields as a citizen record (the fields the
// QR does not carry stay empty).
func (p *Payload) Record() citizen.Record {
	r := citizen.Record{
		IDNumber:         p.IDNumber,
		OldIDNumber:      p.OldIDNumber,
		FullName:         p.FullName,
		DateOfBirth:      p.DateOfBirth,
		Sex:              p.Sex,
		PlaceOfResidence: p.PlaceOfResidence,
		DateOfIssue:      p.DateOfIssue,
	}
	r.FatherName, r.MotherName = p.FatherName(), p.MotherName()
	r.CancelledIDNumbers = strings.Join(p.CancelledIDNumbers, ",")
	return r
}

// Secret derives what opens the chip from the QR alone
// (shared/cccd-reference.md): the CAN for PACE (the last 6 digits of the
// ID number) and the three BAC inputs of ICAO 9303-11 §4.3 (the document
// number is the ID number without its first 3 digits). The date of expiry
// is computed from the date of birth and the date of issue by the expiry
// rule of the law in force on that date (citizen.ComputeExpiry): the QR
// carries no expiry.
func (p *Payload) Secret() (lds.Secret, error) {
	if _, err := citizen.ParseID(p.IDNumber); err != nil {
		return lds.Secret{}, &FieldError{Index: 1, Name: fieldNames[1], Reason: "must be 12 digits to derive the CAN and document number", Err: fieldErr{citizen.ErrIDFormat}}
	}
	dob, err := citizen.ParseDate("date_of_birth", p.DateOfBirth)
	if err != nil {
		return lds.Secret{}, &FieldError{Index: 4, Name: fieldNames[4], Value: p.DateOfBirth, Reason: "is not a date", Err: fieldErr{citizen.ErrDate}}
	}
	s := lds.Secret{
		CAN:            p.IDNumber[6:],
		DocumentNumber: p.IDNumber[3:],
		DateOfBirth:    dob.Format("060102"),
	}
	e, err := expiryOf(p)
	if err != nil {
		return lds.Secret{}, err
	}
	s.DateOfExpiry = e.MRZ()
	return s, nil
}

func expiryOf(p *Payload) (citizen.Expiry, error) {
	dob, err1 := citizen.ParseDate("date_of_birth", p.DateOfBirth)
	issue, err2 := citizen.ParseDate("date_of_issue", p.DateOfIssue)
	if err := errors.Join(err1, err2); err != nil {
		return citizen.Expiry{}, fmt.Errorf("cannot compute the date of expiry: %w", err)
	}
	return citizen.ComputeExpiry(dob, issue)
}
