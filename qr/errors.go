package qr

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is.
var (
	// ErrEncoding: the payload is not valid UTF-8 (a decoder guessed another
	// character set, or the QR is not a CCCD one).
	ErrEncoding = errors.New("QR payload is not valid UTF-8")
	// ErrFieldCount: fewer fields than the 2021 layout's seven.
	ErrFieldCount = errors.New("QR payload has too few fields")
	// ErrField: a field is malformed (not a date, not 12 digits, ...).
	ErrField = errors.New("QR payload field is malformed")
	// ErrMismatch: the ID number's structure disagrees with the date of birth
	// or the sex, or names no known province (see citizen.ID.Check).
	ErrMismatch = errors.New("QR payload fields disagree")
	// ErrNotFound: no QR code was found in the image.
	ErrNotFound = errors.New("no QR code found")
	// ErrImage: the data is not a PNG or JPEG image.
	ErrImage = errors.New("not a PNG or JPEG image")
)

// FieldError names one field of the payload by its 1-based position and its
// meaning, e.g. "field 4 (date of birth) '31021990' is not a date". The ID
// number and the old ID number are never echoed: the last six digits of the
// ID number are the card's CAN.
type FieldError struct {
	Index  int    // 1-based position in the pipe-separated line
	Name   string // meaning of the field in the detected layout
	Value  string // the offending value; empty when not shown
	Reason string
	Err    error // ErrField or ErrMismatch, wrapping the citizen sentinel when there is one
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("field %d (%s) %s", e.Index, e.Name, e.Reason)
	}
	return fmt.Sprintf("field %d (%s) '%s' %s", e.Index, e.Name, e.Value, e.Reason)
}

func (e *FieldError) Unwrap() error { return e.Err }

// Error lists every problem of a payload at once.
type Error struct {
	Problems []*FieldError
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid CCCD QR payload: " + strings.Join(msgs, "; ")
}

// Unwrap exposes the problems to errors.Is / errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// mismatchErr wraps both ErrMismatch and the citizen sentinel.
type mismatchErr struct{ cause error }

func (m mismatchErr) Error() string   { return ErrMismatch.Error() + ": " + m.cause.Error() }
func (m mismatchErr) Unwrap() []error { return []error{ErrMismatch, m.cause} }

type fieldErr struct{ cause error }

func (m fieldErr) Error() string   { return ErrField.Error() + ": " + m.cause.Error() }
func (m fieldErr) Unwrap() []error { return []error{ErrField, m.cause} }
