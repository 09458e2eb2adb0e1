package lds

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// MRZFormat is the layout of a machine readable zone (ICAO 9303-4/5/6).
type MRZFormat int

// The MRZ layouts: TD1 (ID cards, 3×30 — the CCCD), TD2 (2×36), TD3
// (passports, 2×44).
const (
	TD1 MRZFormat = 1
	TD2 MRZFormat = 2
	TD3 MRZFormat = 3
)

func (f MRZFormat) String() string {
	switch f {
	case TD1:
		return "TD1"
	case TD2:
		return "TD2"
	case TD3:
		return "TD3"
	}
	return "unknown MRZ format"
}

// MRZ is a parsed machine readable zone. Text fields hold MRZ characters
// with trailing fillers removed; in names the fillers between words become
// spaces. The raw text is kept, so String returns exactly what was parsed.
type MRZ struct {
	Format         MRZFormat
	DocumentCode   string // "ID", "P", "I", …
	IssuingState   string // "VNM"
	DocumentNumber string // the whole number, also when longer than 9 characters
	DateOfBirth    string // YYMMDD
	Sex            string // "M", "F" or "<"
	DateOfExpiry   string // YYMMDD
	Nationality    string
	Surname        string // primary identifier
	GivenNames     string // secondary identifier, words separated by spaces
	// OptionalData1 is TD1 line 1 positions 16–30, TD2 line 2 positions
	// 29–35, or the TD3 personal number (positions 29–42), fillers kept.
	// For a long document number it starts with the continuation.
	OptionalData1 string
	// OptionalData2 is TD1 line 2 positions 19–29, fillers kept.
	OptionalData2 string

	// Check digits as printed.
	DocumentNumberCheck byte
	DateOfBirthCheck    byte
	DateOfExpiryCheck   byte
	PersonalNumberCheck byte // TD3 only
	CompositeCheck      byte

	text string
}

// MRZCheckError reports one check digit that does not match its field.
type MRZCheckError struct {
	Field string // "document number", "date of birth", …
	Got   byte   // as printed
	Want  byte   // as computed
}

func (e *MRZCheckError) Error() string {
	return fmt.Sprintf("%s check digit is %c, expected %c", e.Field, e.Got, e.Want)
}

// ErrMRZCheckDigit matches every *MRZCheckError with errors.Is.
var ErrMRZCheckDigit = errors.New("MRZ check digit mismatch")

// Is makes errors.Is(err, ErrMRZCheckDigit) true.
func (e *MRZCheckError) Is(target error) bool { return target == ErrMRZCheckDigit }

// String returns the MRZ text, lines concatenated without separators.
func (m *MRZ) String() string { return m.text }

// Lines returns the MRZ split into its lines.
func (m *MRZ) Lines() []string {
	w := map[MRZFormat]int{TD1: 30, TD2: 36, TD3: 44}[m.Format]
	var out []string
	for i := 0; i+w <= len(m.text); i += w {
		out = append(out, m.text[i:i+w])
	}
	return out
}

// ParseMRZ parses an MRZ given as its lines, with or without line breaks
// and surrounding spaces. It checks the shape and the character set only;
// call Check for the check digits, so that a reader can still show a
// document whose MRZ is wrong.
func ParseMRZ(s string) (*MRZ, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<') {
			return nil, fmt.Errorf("MRZ: character %d is not A–Z, 0–9 or '<'", i+1)
		}
	}
	m := &MRZ{text: s}
	switch len(s) {
	case 90:
		m.Format = TD1
		l1, l2, l3 := s[0:30], s[30:60], s[60:90]
		m.DocumentCode, m.IssuingState = mrzTrim(l1[0:2]), mrzTrim(l1[2:5])
		m.DocumentNumber, m.DocumentNumberCheck = mrzTrim(l1[5:14]), l1[14]
		m.OptionalData1 = l1[15:30]
		m.DateOfBirth, m.DateOfBirthCheck = l2[0:6], l2[6]
		m.Sex = l2[7:8]
		m.DateOfExpiry, m.DateOfExpiryCheck = l2[8:14], l2[14]
		m.Nationality = mrzTrim(l2[15:18])
		m.OptionalData2 = l2[18:29]
		m.CompositeCheck = l2[29]
		m.Surname, m.GivenNames = mrzSplitName(l3)
	case 72, 88:
		w := len(s) / 2
		l1, l2 := s[:w], s[w:]
		m.Format = TD3
		if w == 36 {
			m.Format = TD2
		}
		m.DocumentCode, m.IssuingState = mrzTrim(l1[0:2]), mrzTrim(l1[2:5])
		m.Surname, m.GivenNames = mrzSplitName(l1[5:])
		m.DocumentNumber, m.DocumentNumberCheck = mrzTrim(l2[0:9]), l2[9]
		m.Nationality = mrzTrim(l2[10:13])
		m.DateOfBirth, m.DateOfBirthCheck = l2[13:19], l2[19]
		m.Sex = l2[20:21]
		m.DateOfExpiry, m.DateOfExpiryCheck = l2[21:27], l2[27]
		if m.Format == TD3 {
			m.OptionalData1, m.PersonalNumberCheck = l2[28:42], l2[42]
		} else {
			m.OptionalData1 = l2[28:35]
		}
		m.CompositeCheck = l2[w-1]
	default:
		return nil, fmt.Errorf("MRZ: %d characters, expected 90 (TD1), 72 (TD2) or 88 (TD3)", len(s))
	}
	// ICAO 9303-5 §4.2.4 note j / 9303-6: a document number longer than 9
	// characters puts '<' in the check digit position and continues in the
	// optional data, followed by its check digit and a filler.
	if m.Format != TD3 && m.DocumentNumberCheck == '<' {
		opt := m.OptionalData1
		if i := strings.IndexByte(opt, '<'); i >= 2 {
			m.DocumentNumber = m.DocumentNumber + opt[:i-1]
			m.DocumentNumberCheck = opt[i-1]
		}
	}
	return m, nil
}

func mrzTrim(s string) string { return strings.TrimRight(s, "<") }

func mrzSplitName(f string) (surname, given string) {
	p, g, _ := strings.Cut(strings.TrimRight(f, "<"), "<<")
	return strings.Join(mrzWords(p), " "), strings.Join(mrzWords(g), " ")
}

// mrzDocNumberField returns the 9-character document number field as
// printed (first 9 characters, filler-padded).
func (m *MRZ) mrzDocNumberField() string {
	d := m.DocumentNumber
	if len(d) > 9 {
		d = d[:9]
	}
	return d + strings.Repeat("<", 9-len(d))
}

// MRZInformation returns the input of the BAC key seed (ICAO 9303-11 §4.3):
// document number (whole, or filler-padded to 9), its check digit, date of
// birth, its check digit, date of expiry, its check digit.
func (m *MRZ) MRZInformation() string {
	d := m.DocumentNumber
	if len(d) < 9 {
		d += strings.Repeat("<", 9-len(d))
	}
	return d + string(m.DocumentNumberCheck) + m.DateOfBirth + string(m.DateOfBirthCheck) +
		m.DateOfExpiry + string(m.DateOfExpiryCheck)
}

// Check verifies every check digit (ICAO 9303-3 §4.9) and returns the
// mismatches joined (each a *MRZCheckError), or nil.
func (m *MRZ) Check() error {
	var errs []error
	check := func(name, field string, got byte) {
		want, err := CheckDigit(field)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			return
		}
		if got != want {
			errs = append(errs, &MRZCheckError{Field: name, Got: got, Want: want})
		}
	}
	docField := m.DocumentNumber
	if len(docField) < 9 {
		docField = m.mrzDocNumberField()
	}
	check("document number", docField, m.DocumentNumberCheck)
	check("date of birth", m.DateOfBirth, m.DateOfBirthCheck)
	check("date of expiry", m.DateOfExpiry, m.DateOfExpiryCheck)
	t := m.text
	switch m.Format {
	case TD1:
		check("composite", t[5:30]+t[30:37]+t[38:45]+t[48:59], m.CompositeCheck)
	case TD2:
		l2 := t[36:]
		check("composite", l2[0:10]+l2[13:20]+l2[21:35], m.CompositeCheck)
	case TD3:
		l2 := t[44:]
		// An empty personal number may carry '<' as its check digit.
		if !(m.PersonalNumberCheck == '<' && strings.Trim(m.OptionalData1, "<") == "") {
			check("personal number", m.OptionalData1, m.PersonalNumberCheck)
		}
		check("composite", l2[0:10]+l2[13:20]+l2[21:43], m.CompositeCheck)
	}
	return errors.Join(errs...)
}

// BirthDate and ExpiryDate interpret the YYMMDD fields. Two-digit years of
// birth are placed in the century that makes the date not later than ref;
// expiry years are placed in 2000–2099.
func (m *MRZ) BirthDate(ref time.Time) (time.Time, error) {
	t, err := time.Parse("060102", m.DateOfBirth)
	if err != nil {
		return time.Time{}, errors.New("MRZ: date of birth is not a valid YYMMDD date")
	}
	y := 2000 + t.Year()%100
	if y > ref.Year() {
		y -= 100
	}
	return time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// ExpiryDate interprets the date of expiry (2000–2099).
func (m *MRZ) ExpiryDate() (time.Time, error) {
	t, err := time.Parse("060102", m.DateOfExpiry)
	if err != nil {
		return time.Time{}, errors.New("MRZ: date of expiry is not a valid YYMMDD date")
	}
	return time.Date(2000+t.Year()%100, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// MRZFields is the input of the MRZ builders. Text fields may be given with
// lower-case letters or diacritics; they are transliterated.
type MRZFields struct {
	DocumentCode   string
	IssuingState   string
	DocumentNumber string
	DateOfBirth    time.Time
	Sex            string // "M", "F" or "" (unspecified)
	// DateOfExpiry; the zero time writes 991231, the value seen on a
	// lifetime CCCD.
	DateOfExpiry  time.Time
	Nationality   string
	Surname       string
	GivenNames    string
	OptionalData1 string
	OptionalData2 string
}

func mrzPad(s string, n int, field string) (string, error) {
	t, err := TransliterateMRZ(s)
	if err != nil {
		return "", fmt.Errorf("MRZ %s: %w", field, err)
	}
	if len(t) > n {
		return "", fmt.Errorf("MRZ %s: %d characters, at most %d fit", field, len(t), n)
	}
	return t + strings.Repeat("<", n-len(t)), nil
}

func mrzDate(t time.Time) string {
	if t.IsZero() {
		return "991231"
	}
	return t.Format("060102")
}

func mrzSex(s string) (string, error) {
	switch strings.ToUpper(s) {
	case "M", "F":
		return strings.ToUpper(s), nil
	case "", "<", "X":
		return "<", nil
	}
	return "", fmt.Errorf("MRZ sex must be M, F or empty")
}

func mrzCD(s string) byte {
	c, err := CheckDigit(s)
	if err != nil {
		return '<'
	}
	return c
}

// NewTD1 builds a TD1 MRZ (ICAO 9303-5 §4.2). A document number longer
// than 9 characters is written with the long-number rule: '<' in the check
// digit position, the rest and its check digit at the head of the optional
// data.
func NewTD1(f MRZFields) (*MRZ, error) {
	code, err := mrzPad(f.DocumentCode, 2, "document code")
	if err != nil {
		return nil, err
	}
	state, err := mrzPad(f.IssuingState, 3, "issuing state")
	if err != nil {
		return nil, err
	}
	doc, err := TransliterateMRZ(f.DocumentNumber)
	if err != nil {
		return nil, fmt.Errorf("MRZ document number: %w", err)
	}
	opt1src := f.OptionalData1
	var docField string
	var docCD byte
	if len(doc) > 9 {
		docField, docCD = doc[:9], '<'
		opt1src = doc[9:] + string(mrzCD(doc)) + "<" + opt1src
	} else {
		docField, _ = mrzPad(doc, 9, "document number")
		docCD = mrzCD(docField)
	}
	opt1, err := mrzPad(opt1src, 15, "optional data")
	if err != nil {
		return nil, err
	}
	sex, err := mrzSex(f.Sex)
	if err != nil {
		return nil, err
	}
	nat, err := mrzPad(f.Nationality, 3, "nationality")
	if err != nil {
		return nil, err
	}
	opt2, err := mrzPad(f.OptionalData2, 11, "optional data 2")
	if err != nil {
		return nil, err
	}
	name, _, err := MRZNameField(f.Surname, f.GivenNames, 30)
	if err != nil {
		return nil, fmt.Errorf("MRZ name: %w", err)
	}
	dob, exp := mrzDate(f.DateOfBirth), mrzDate(f.DateOfExpiry)
	l1 := code + state + docField + string(docCD) + opt1
	l2 := dob + string(mrzCD(dob)) + sex + exp + string(mrzCD(exp)) + nat + opt2
	l2 += string(mrzCD(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]))
	return ParseMRZ(l1 + l2 + name)
}

// NewTD3 builds a TD3 (passport) MRZ (ICAO 9303-4 §4.2.2). OptionalData1
// is the personal number.
func NewTD3(f MRZFields) (*MRZ, error) {
	code, err := mrzPad(f.DocumentCode, 2, "document code")
	if err != nil {
		return nil, err
	}
	state, err := mrzPad(f.IssuingState, 3, "issuing state")
	if err != nil {
		return nil, err
	}
	doc, err := mrzPad(f.DocumentNumber, 9, "document number")
	if err != nil {
		return nil, err
	}
	nat, err := mrzPad(f.Nationality, 3, "nationality")
	if err != nil {
		return nil, err
	}
	sex, err := mrzSex(f.Sex)
	if err != nil {
		return nil, err
	}
	pn, err := mrzPad(f.OptionalData1, 14, "personal number")
	if err != nil {
		return nil, err
	}
	name, _, err := MRZNameField(f.Surname, f.GivenNames, 39)
	if err != nil {
		return nil, fmt.Errorf("MRZ name: %w", err)
	}
	dob, exp := mrzDate(f.DateOfBirth), mrzDate(f.DateOfExpiry)
	l1 := code + state + name
	pncd := mrzCD(pn)
	l2 := doc + string(mrzCD(doc)) + nat + dob + string(mrzCD(dob)) + sex + exp + string(mrzCD(exp)) + pn + string(pncd)
	l2 += string(mrzCD(l2[0:10] + l2[13:20] + l2[21:43]))
	return ParseMRZ(l1 + l2)
}

// CCCDHolder is what the CCCD MRZ is built from.
type CCCDHolder struct {
	IDNumber    string // the 12-digit personal identification number
	FullName    string // as printed, with diacritics: "Nguyễn Văn Ánh"
	Sex         string // "M"/"F" (or "Nam"/"Nữ")
	DateOfBirth time.Time
	// DateOfExpiry; the zero time is a lifetime card (991231).
	DateOfExpiry time.Time
}

// NewCCCDMRZ builds the TD1 MRZ of a CCCD as cccd-reference.md describes:
// document code ID, state and nationality VNM, document number = the last 9
// digits of the ID number, optional data = the full 12-digit ID number,
// "<<" and the ID number's check digit; name = family name << given names.
func NewCCCDMRZ(h CCCDHolder) (*MRZ, error) {
	if len(h.IDNumber) != 12 || strings.Trim(h.IDNumber, "0123456789") != "" {
		return nil, errors.New("CCCD MRZ: the ID number must have 12 digits")
	}
	sex := h.Sex
	switch strings.ToLower(sex) {
	case "nam":
		sex = "M"
	case "nữ", "nu":
		sex = "F"
	}
	sur, given := SplitVietnameseName(h.FullName)
	return NewTD1(MRZFields{
		DocumentCode:   "ID",
		IssuingState:   "VNM",
		DocumentNumber: h.IDNumber[3:],
		DateOfBirth:    h.DateOfBirth,
		Sex:            sex,
		DateOfExpiry:   h.DateOfExpiry,
		Nationality:    "VNM",
		Surname:        sur,
		GivenNames:     given,
		OptionalData1:  h.IDNumber + "<<" + string(mrzCD(h.IDNumber)),
	})
}
