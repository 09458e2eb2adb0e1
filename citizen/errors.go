package citizen

import (
	"errors"
	"strings"
)

// Sentinel errors: every error of this package wraps one of them, so callers
// tell the cases apart with errors.Is.
var (
	// ErrIDFormat: the personal ID number is not 12 ASCII digits. Always an
	// error, never only a warning.
	ErrIDFormat = errors.New("personal ID number must be 12 digits")
	// ErrProvince: the first three digits are not a known province code.
	ErrProvince = errors.New("unknown province code")
	// ErrCentury: the century/sex digit does not agree with the date of birth.
	ErrCentury = errors.New("century digit does not agree with the date of birth")
	// ErrBirthYear: digits 5–6 are not the last two digits of the birth year.
	ErrBirthYear = errors.New("birth year digits do not agree with the date of birth")
	// ErrSexMismatch: the century/sex digit does not agree with the sex.
	ErrSexMismatch = errors.New("sex digit does not agree with the sex")
	// ErrOldIDFormat: the old ID number (CMND) is not 9 (or 12) digits.
	ErrOldIDFormat = errors.New("old ID number (CMND) must be 9 or 12 digits")
	// ErrSex: a sex value that is neither Nam/Nữ nor M/F.
	ErrSex = errors.New("invalid sex")
	// ErrDate: a value that is not a real calendar date.
	ErrDate = errors.New("invalid date")
	// ErrMissing: a required field is empty.
	ErrMissing = errors.New("required field missing")
	// ErrExpiry: a date of expiry that the age-milestone rule does not give.
	ErrExpiry = errors.New("date of expiry does not follow the age-milestone rule")
	// ErrCANFormat: a CAN that is not 6 digits.
	ErrCANFormat = errors.New("CAN must be 6 digits")
	// ErrEncoding: a text field that is not valid UTF-8.
	ErrEncoding = errors.New("text is not valid UTF-8")
	// ErrIssueDate: the date of issue is before the date of birth.
	ErrIssueDate = errors.New("date of issue before date of birth")
	// ErrFormat: a field's value does not have the shape it must have.
	ErrFormat = errors.New("malformed field")
)

// FieldError is one problem with one field of a citizen record. Field uses
// the JSON names of Record (id_number, date_of_birth, sex, ...), so a batch
// report can say which column is at fault.
//
// Value is echoed in the message only where it is not secret: the serial
// part of the ID number (which holds the CAN) never appears in it.
type FieldError struct {
	Field  string `json:"field"`           // JSON name of the field at fault
	Value  string `json:"value,omitempty"` // the offending value or part of it; empty when not shown
	Reason string `json:"reason"`          // what is wrong, in words
	Err    error  `json:"-"`               // one of the sentinel errors above
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Field)
	if e.Value != "" {
		b.WriteString(" '")
		b.WriteString(e.Value)
		b.WriteString("'")
	} else {
		b.WriteString(":")
	}
	b.WriteString(" ")
	b.WriteString(e.Reason)
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Check is the outcome of a check that finds every problem at once rather
// than stopping at the first. Callers decide whether a problem is fatal:
// personalization and verification treat structure mismatches of the ID
// number as warnings, `cccd id check` as invalid.
type Check struct {
	Problems []*FieldError `json:"problems,omitempty"`
}

// OK reports whether no problem was found.
func (c Check) OK() bool { return len(c.Problems) == 0 }

// Err joins the problems into one error (nil when there are none); errors.Is
// finds each sentinel in it.
func (c Check) Err() error {
	if len(c.Problems) == 0 {
		return nil
	}
	errs := make([]error, len(c.Problems))
	for i, p := range c.Problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

func (c *Check) add(p *FieldError) { c.Problems = append(c.Problems, p) }
