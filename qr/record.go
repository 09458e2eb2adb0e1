package qr

import (
	"errors"
	"fmt"

	"github.com/cccd-vn/cccd/citizen"
)

// FromRecord makes the payload of a citizen record. The layout follows the
// date of issue (2024 from 2024-07-01, else 2021); for the 2024 layout an
// empty date_of_expiry is computed by the expiry rule (left empty for a
// lifetime card). The sex is written as Nam / Nữ whatever the record uses.
// Record errors (citizen.Record.Validate) are returned as they are; the
// ID number's structure warnings are not errors here.
func FromRecord(r citizen.Record) (*Payload, error) {
	if errs, _ := r.Validate(); !errs.OK() {
		return nil, errs.Err()
	}
	if r.DateOfIssue == "" {
		return nil, &citizen.FieldError{Field: "date_of_issue", Reason: "is required for the QR payload", Err: citizen.ErrMissing}
	}
	sex, _ := citizen.ParseSex(r.Sex)
	p := &Payload{
		Layout:           layoutFor(r.DateOfIssue),
		IDNumber:         r.IDNumber,
		OldIDNumber:      r.OldIDNumber,
		FullName:         r.FullName,
		DateOfBirth:      r.DateOfBirth,
		Sex:              sex.Vietnamese(),
		PlaceOfResidence: r.PlaceOfResidence,
		DateOfIssue:      r.DateOfIssue,
	}
	if p.Layout == Layout2024 {
		p.DateOfExpiry = r.DateOfExpiry
		if p.DateOfExpiry == "" {
			e, err := expiryOf(p)
			if err != nil {
				return nil, err
			}
			if !e.Lifetime {
				p.DateOfExpiry = citizen.FormatDate(e.Date)
			}
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
	if _, err := citizen.ParseDate("date_of_expiry", p.DateOfExpiry); err == nil {
		r.DateOfExpiry = p.DateOfExpiry
	}
	return r
}

// AccessSecret is what a counter needs to open the chip from the QR alone
// (shared/cccd-reference.md): the CAN for PACE, and the three BAC inputs of
// ICAO 9303-11 §4.3 for the MRZ-based keys. All are plain strings so that
// package chip can take them without this package depending on it.
//
// The values are secrets: String and GoString redact them, so a stray
// log line or %v does not leak them.
type AccessSecret struct {
	CAN            string // last 6 digits of the 12-digit ID number
	DocumentNumber string // last 9 digits of the ID number (TD1 document number)
	DateOfBirth    string // YYMMDD
	DateOfExpiry   string // YYMMDD by the expiry rule; 991231 for a lifetime card
}

func (AccessSecret) String() string   { return "qr.AccessSecret{redacted}" }
func (AccessSecret) GoString() string { return "qr.AccessSecret{redacted}" }

// AccessSecret derives the chip access secret. The date of expiry is the
// one printed in a 2024 payload when it is a date, else it is computed from
// the date of birth and the date of issue by the expiry rule
// (citizen.ComputeExpiry).
func (p *Payload) AccessSecret() (AccessSecret, error) {
	if _, err := citizen.ParseID(p.IDNumber); err != nil {
		return AccessSecret{}, &FieldError{Index: 1, Name: fieldNames[1], Reason: "must be 12 digits to derive the CAN and document number", Err: fieldErr{citizen.ErrIDFormat}}
	}
	dob, err := citizen.ParseDate("date_of_birth", p.DateOfBirth)
	if err != nil {
		return AccessSecret{}, &FieldError{Index: 4, Name: fieldNames[4], Value: p.DateOfBirth, Reason: "is not a date", Err: fieldErr{citizen.ErrDate}}
	}
	s := AccessSecret{
		CAN:            p.IDNumber[6:],
		DocumentNumber: p.IDNumber[3:],
		DateOfBirth:    dob.Format("060102"),
	}
	if exp, err := citizen.ParseDate("date_of_expiry", p.DateOfExpiry); err == nil {
		s.DateOfExpiry = exp.Format("060102")
		return s, nil
	}
	e, err := expiryOf(p)
	if err != nil {
		return AccessSecret{}, err
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
