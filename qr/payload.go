package qr

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cccd-vn/cccd/citizen"
)

// Layout is the field set of a payload.
type Layout int

const (
	// Layout2021 is the CCCD (2014 law) payload, seven fields:
	// ID|old ID|full name|date of birth|sex|place of residence|date of issue.
	Layout2021 Layout = 2021
	// Layout2024 is the identity card (2023 law, issued from 1 July 2024).
	// Its payload keeps the seven fields of 2021; what follows is not
	// confirmed by a public sample. This package reads an eighth field as the
	// date of expiry (ddmmyyyy; empty or text for a lifetime card) and a ninth
	// as the place of birth registration, both printed on that card's back,
	// and keeps anything further in Extra.
	Layout2024 Layout = 2024
)

func (l Layout) String() string {
	switch l {
	case Layout2021, Layout2024:
		return fmt.Sprintf("%d", int(l))
	}
	return "unknown"
}

// MarshalText writes "2021" or "2024".
func (l Layout) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Field positions (1-based) and names, for error messages.
var fieldNames = [...]string{
	1: "ID number", 2: "old ID number", 3: "full name", 4: "date of birth",
	5: "sex", 6: "place of residence", 7: "date of issue",
	8: "date of expiry", 9: "place of birth registration",
}

const minFields = 7

// qrDate is the date layout of the payload: ddmmyyyy.
const qrDate = "02012006"

// Payload is the content of the QR code on the card body. Dates are
// "YYYY-MM-DD" like citizen.Record; text keeps its diacritics.
type Payload struct {
	Layout           Layout   `json:"layout"`
	IDNumber         string   `json:"id_number"`
	OldIDNumber      string   `json:"old_id_number"`
	FullName         string   `json:"full_name"`
	DateOfBirth      string   `json:"date_of_birth"`
	Sex              string   `json:"sex"` // as printed: Nam / Nữ
	PlaceOfResidence string   `json:"place_of_residence"`
	DateOfIssue      string   `json:"date_of_issue"`
	DateOfExpiry     string   `json:"date_of_expiry,omitempty"`              // 2024 layout: YYYY-MM-DD, or the printed text for a lifetime card
	PlaceOfBirth     string   `json:"place_of_birth_registration,omitempty"` // 2024 layout
	Extra            []string `json:"extra_fields,omitempty"`                // unknown trailing fields, verbatim
}

// Parse reads a payload. It rejects invalid UTF-8 (ErrEncoding), fewer than
// seven fields (ErrFieldCount) and malformed fields (an *Error listing each
// one, wrapping ErrField): an ID number that is not 12 digits, an old ID that
// is not 9 or 12 digits, dates that do not exist, a sex other than Nam/Nữ.
// It does not judge whether the fields agree: see Validate.
//
// A trailing line break (added by some scanners) is ignored. Unknown trailing
// fields are kept in Extra. On an *Error the returned payload holds the
// fields as far as they could be read.
func Parse(text string) (*Payload, error) {
	if !utf8.ValidString(text) {
		return nil, encodingError([]byte(text))
	}
	text = strings.TrimRight(text, "\r\n")
	f := strings.Split(text, "|")
	if len(f) < minFields {
		return nil, fmt.Errorf("%w: found %d, a CCCD QR has at least %d separated by '|' (ID|old ID|name|date of birth|sex|residence|date of issue)",
			ErrFieldCount, len(f), minFields)
	}
	p := &Payload{
		Layout:           Layout2021,
		IDNumber:         f[0],
		OldIDNumber:      f[1],
		FullName:         f[2],
		Sex:              f[4],
		PlaceOfResidence: f[5],
	}
	var perr Error
	bad := func(i int, value, reason string, cause error) {
		perr.Problems = append(perr.Problems, &FieldError{Index: i, Name: fieldNames[i], Value: value, Reason: reason, Err: fieldErr{cause}})
	}
	if _, err := citizen.ParseID(p.IDNumber); err != nil {
		bad(1, "", fmt.Sprintf("must be 12 digits, got %d characters", utf8.RuneCountInString(p.IDNumber)), citizen.ErrIDFormat)
	}
	if p.OldIDNumber != "" {
		if err := citizen.CheckOldID(p.OldIDNumber); err != nil {
			bad(2, "", fmt.Sprintf("must be empty or 9 digits (12 for a 12-digit CMND), got %d characters", utf8.RuneCountInString(p.OldIDNumber)), citizen.ErrOldIDFormat)
		}
	}
	if strings.TrimSpace(p.FullName) == "" {
		bad(3, "", "is empty", citizen.ErrMissing)
	}
	var issue time.Time
	for _, d := range []struct {
		i   int
		dst *string
		t   *time.Time
	}{{4, &p.DateOfBirth, nil}, {7, &p.DateOfIssue, &issue}} {
		t, err := time.Parse(qrDate, f[d.i-1])
		if err != nil || len(f[d.i-1]) != 8 {
			bad(d.i, f[d.i-1], "is not a date (ddmmyyyy)", citizen.ErrDate)
			*d.dst = f[d.i-1]
			continue
		}
		*d.dst = citizen.FormatDate(t)
		if d.t != nil {
			*d.t = t
		}
	}
	if p.Sex != "Nam" && p.Sex != "Nữ" {
		bad(5, p.Sex, "is not a sex (Nam or Nữ)", citizen.ErrSex)
	}
	rest := f[minFields:]
	// The identity card replaced the CCCD on 1 July 2024: the date of issue
	// tells which card, hence which layout (Law on Identification 2023, Art. 46).
	if !issue.IsZero() && !issue.Before(citizen.Law2023Start) {
		p.Layout = Layout2024
		if len(rest) > 0 {
			p.DateOfExpiry = rest[0]
			if t, err := time.Parse(qrDate, rest[0]); err == nil && len(rest[0]) == 8 {
				p.DateOfExpiry = citizen.FormatDate(t)
			} else if isDigits(rest[0]) && rest[0] != "" {
				bad(8, rest[0], "is not a date (ddmmyyyy)", citizen.ErrDate)
			}
			rest = rest[1:]
		}
		if len(rest) > 0 {
			p.PlaceOfBirth = rest[0]
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		p.Extra = append([]string(nil), rest...)
	}
	if len(perr.Problems) > 0 {
		return p, &perr
	}
	return p, nil
}

// Validate reports every problem of a payload: the malformed fields Parse
// rejects, plus the ID number's structure against the date of birth and sex
// (century/sex digit, birth year, province code; wrapping ErrMismatch and the
// citizen sentinel). It returns nil or an *Error.
func (p *Payload) Validate() error {
	text, err := p.text()
	var perr *Error
	if err != nil {
		if !errors.As(err, &perr) {
			return err
		}
	} else if _, err := Parse(text); err != nil {
		if !errors.As(err, &perr) {
			return err
		}
	}
	if perr == nil {
		perr = &Error{}
	}
	for _, prob := range p.Check().Problems {
		perr.Problems = append(perr.Problems, prob)
	}
	if len(perr.Problems) == 0 {
		return nil
	}
	return perr
}

// Check returns the soft findings on the ID number: structure and agreement
// with the date of birth and sex. Personalization and verification report
// them as warnings; `cccd qr parse` as a failure. Fields that do not parse
// are skipped (Parse reports them).
func (p *Payload) Check() *Error {
	id, err := citizen.ParseID(p.IDNumber)
	if err != nil {
		return &Error{}
	}
	dob, _ := time.Parse("2006-01-02", p.DateOfBirth)
	sex, _ := citizen.ParseSex(p.Sex)
	var out Error
	for _, prob := range id.Check(dob, sex).Problems {
		i := 1
		switch prob.Field {
		case "date_of_birth":
			i = 4
		case "sex":
			i = 5
		}
		fe := &FieldError{Index: i, Name: fieldNames[i], Value: prob.Value, Reason: prob.Reason, Err: mismatchErr{prob.Err}}
		if i == 1 {
			// The province code is not secret; the rest of the number is.
			fe.Reason = fmt.Sprintf("province code '%s' %s", prob.Value, prob.Reason)
			fe.Value = ""
		}
		out.Problems = append(out.Problems, fe)
	}
	return &out
}

// String builds the payload line, as Build does.
func (p *Payload) String() string {
	s, _ := p.text()
	return s
}

// Build writes the payload line: seven fields, then for Layout2024 the date
// of expiry and the place of birth registration, then Extra. It refuses a
// payload that Parse would not read back identically (a '|' or a line break
// inside a field, invalid UTF-8, malformed fields).
func (p *Payload) Build() (string, error) {
	s, err := p.text()
	if err != nil {
		return "", err
	}
	back, err := Parse(s)
	if err != nil {
		return "", err
	}
	if p.Layout != 0 && back.Layout != p.Layout {
		return "", &Error{Problems: []*FieldError{{Index: 7, Name: fieldNames[7], Value: p.DateOfIssue,
			Reason: fmt.Sprintf("does not fit layout %v: the 2024 layout is for cards issued from 2024-07-01, the 2021 layout for cards issued before", p.Layout),
			Err:    ErrField}}}
	}
	return s, nil
}

func (p *Payload) text() (string, error) {
	dob, issue := qrDateOf(p.DateOfBirth), qrDateOf(p.DateOfIssue)
	fields := []string{p.IDNumber, p.OldIDNumber, p.FullName, dob, p.Sex, p.PlaceOfResidence, issue}
	layout := p.Layout
	if layout == 0 {
		layout = layoutFor(p.DateOfIssue)
	}
	if layout == Layout2024 {
		fields = append(fields, qrDateOf(p.DateOfExpiry), p.PlaceOfBirth)
		// The 2024 fields are optional: drop empty ones at the end, so a
		// seven-field payload of a 2024 card builds back to seven fields.
		for len(p.Extra) == 0 && len(fields) > minFields && fields[len(fields)-1] == "" {
			fields = fields[:len(fields)-1]
		}
	}
	fields = append(fields, p.Extra...)
	var perr Error
	for i, v := range fields {
		name := "extra field"
		if i+1 < len(fieldNames) {
			name = fieldNames[i+1]
		}
		switch {
		case !utf8.ValidString(v):
			perr.Problems = append(perr.Problems, &FieldError{Index: i + 1, Name: name, Reason: "is not valid UTF-8", Err: fieldErr{ErrEncoding}})
		case strings.ContainsAny(v, "|\r\n"):
			perr.Problems = append(perr.Problems, &FieldError{Index: i + 1, Name: name, Reason: "contains '|' or a line break, which the QR line cannot carry", Err: ErrField})
		}
	}
	if len(perr.Problems) > 0 {
		return "", &perr
	}
	return strings.Join(fields, "|"), nil
}

// qrDateOf turns YYYY-MM-DD into ddmmyyyy and leaves anything else as is
// (so that a malformed value reaches Parse and is reported there).
func qrDateOf(s string) string {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Format(qrDate)
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// encodingError says where the payload stops being UTF-8 and what to do.
func encodingError(b []byte) error {
	off := 0
	for off < len(b) {
		r, n := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return fmt.Errorf("%w (invalid byte 0x%02X at offset %d): the QR must be decoded as UTF-8 (zbarimg needs -Sbinary)", ErrEncoding, b[min(off, len(b)-1)], off)
}

// layoutFor picks the layout from a YYYY-MM-DD date of issue.
func layoutFor(issue string) Layout {
	if t, err := time.Parse("2006-01-02", issue); err == nil && !t.Before(citizen.Law2023Start) {
		return Layout2024
	}
	return Layout2021
}
