package citizen

import "time"

// Holder is a validated citizen record with every derived value parsed
// once: the dates, the sex, the decoded ID number, the card's expiry by the
// law in force on the date of issue, and the two chip secrets derived from
// the ID number. DG1 (the MRZ), DG13, the QR payload and the journal are all
// built from it.
type Holder struct {
	// Record is the record as given.
	Record      Record
	ID          ID
	DateOfBirth time.Time
	Sex         Sex
	DateOfIssue time.Time
	// Expiry is the record's date_of_expiry when given, else the law's
	// (ComputeExpiry).
	Expiry Expiry
}

// CAN is the card access number: the record's own, else the last 6 digits
// of the ID number (the 2021 CCCD prints none and uses those).
func (h *Holder) CAN() string {
	if h.Record.CAN != "" {
		return h.Record.CAN
	}
	return h.ID.Serial()
}

// DocumentNumber is the MRZ document number: the ID number without its
// first 3 digits (shared/cccd-reference.md, as real cards carry it).
func (h *Holder) DocumentNumber() string { return h.ID.Number[3:] }

// NewHolder validates a record for a card: on top of Validate's checks,
// the date of issue is required (the card's expiry, the QR payload and the
// law in force all follow from it). A nil Holder comes with errs set;
// warnings are the soft findings of Validate.
func NewHolder(r Record) (h *Holder, errs, warnings Check) {
	v, errs, warnings := r.check()
	if r.DateOfIssue == "" {
		errs.add(&FieldError{Field: "date_of_issue", Reason: "is required: the card's validity and its QR code follow from it", Err: ErrMissing})
	}
	if !errs.OK() {
		return nil, errs, warnings
	}
	if r.DateOfExpiry != "" {
		v.Expiry = Expiry{Law: LawFor(v.DateOfIssue), Date: v.Expiry.Date}
	} else {
		exp, err := ComputeExpiry(v.DateOfBirth, v.DateOfIssue)
		if err != nil {
			errs.add(err.(*FieldError))
			return nil, errs, warnings
		}
		v.Expiry = exp
	}
	return &v, errs, warnings
}

// ChildAge is the age under which the 2024 card is a child's: its QR then
// carries the parents' names (Circular 16/2024/TT-BCA), and the card is
// renewed at 14 (Law on Identification 2023, Art. 21).
const ChildAge = 14

// IsChild reports whether the holder was under ChildAge on the date of
// issue.
func (h *Holder) IsChild() bool { return ChildOn(h.DateOfBirth, h.DateOfIssue) }

// ChildOn reports whether someone born on dob was under ChildAge on the
// date of issue (false when either date is unknown).
func ChildOn(dob, issue time.Time) bool {
	return !dob.IsZero() && !issue.IsZero() && ageOn(dob, issue) < ChildAge
}
