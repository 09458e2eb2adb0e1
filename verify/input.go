package verify

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/qr"
)

// Input is what the clerk gave besides the card: the secret that opens the
// chip and, when given, the full MRZ as typed or scanned (compared with
// DG1) and the card's QR payload (compared with DG13).
type Input struct {
	Secret lds.Secret
	// MRZ is the full MRZ as entered, if it was.
	MRZ *lds.MRZ
	// QR is the card's QR payload, if the chip is opened from it.
	QR *qr.Payload
	// AAChallenge and AASignature are an Active Authentication
	// transcript for an offline inspection: the challenge the verifier
	// chose and the chip's INTERNAL AUTHENTICATE answer to it.
	AAChallenge, AASignature []byte
	// Kind says what the secret was given as (for logs and reports,
	// which must never carry the secret itself).
	Kind SecretKind
}

// SecretKind is the form a secret was given in.
type SecretKind string

const (
	KindCAN      SecretKind = "can"       // the 6-digit card access number
	KindIDNumber SecretKind = "id_number" // the 12-digit ID number, whose last 6 digits are the CAN
	KindMRZ      SecretKind = "mrz"       // the full MRZ
	KindMRZData  SecretKind = "mrz_data"  // document number, date of birth, date of expiry
	KindQR       SecretKind = "qr"        // the card's QR payload
)

// ErrBadSecret marks a secret that cannot open any chip as given (a
// malformed CAN, an MRZ whose check digits do not hold, a QR payload that
// does not parse): the clerk retypes it, the chip is never touched.
var ErrBadSecret = errors.New("bad secret")

// SecretError says what is wrong with a secret, naming the field but never
// its value (errors end up in logs). Code is stable, for a user interface
// to translate: can_format, mrz_length, mrz_charset, mrz_check_digit,
// mrz_date, qr, empty.
type SecretError struct {
	Code  string
	Field string // "date of birth", "document number", … (empty when none)
	Msg   string
}

func (e *SecretError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrBadSecret) true.
func (e *SecretError) Is(target error) bool { return target == ErrBadSecret }

func secretErr(code, field, format string, args ...any) *SecretError {
	return &SecretError{Code: code, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ParseSecretText reads whatever a clerk typed or a 2D scanner sent as one
// text: the card's QR payload (fields separated by '|'), a CAN (6 digits,
// spaces and dashes allowed), the 12-digit ID number (its last 6 digits
// are the CAN, as on the 2021 CCCD) or the full MRZ (normalised by
// NormalizeMRZ and its check digits checked). The web page, the API and
// the CLI share it, so that each forgives the same typing and refuses the
// same mistakes before a chip is touched. Errors wrap ErrBadSecret.
func ParseSecretText(text string) (Input, error) {
	t := strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
	if t == "" {
		return Input{}, secretErr("empty", "", "nothing was entered: scan the card's QR code or type its CAN or MRZ")
	}
	if strings.Contains(t, "|") {
		return ParseQRText(t)
	}
	if d, ok := digitsOnly(t); ok {
		switch len(d) {
		case 6, 12:
			return ParseCAN(d)
		}
	}
	if looksLikeNumber(t) {
		// Digits and separators only but neither 6 nor 12 digits: the
		// clerk meant a CAN or an ID number and missed a digit.
		return ParseCAN(t)
	}
	return ParseMRZText(t)
}

// ParseCAN reads a card access number as typed: 6 digits, spaces, dots
// and dashes between them allowed, or the 12-digit ID number, which is
// turned into its CAN (the last 6 digits).
func ParseCAN(text string) (Input, error) {
	d, ok := digitsOnly(strings.TrimSpace(text))
	switch {
	case ok && len(d) == 6:
		return Input{Secret: lds.Secret{CAN: d}, Kind: KindCAN}, nil
	case ok && len(d) == 12:
		return Input{Secret: lds.Secret{CAN: d[6:]}, Kind: KindIDNumber}, nil
	case ok:
		return Input{}, secretErr("can_format", "CAN", "the CAN must be 6 digits (or the 12-digit ID number, whose last 6 digits it is); %d digits were entered", len(d))
	}
	return Input{}, secretErr("can_format", "CAN", "the CAN must be 6 digits (or the 12-digit ID number, whose last 6 digits it is); only digits, spaces and dashes can be typed")
}

// ParseQRText reads the card's QR payload and derives the chip secret
// from it (InputFromQR).
func ParseQRText(text string) (Input, error) {
	p, err := qr.Parse(strings.TrimSpace(text))
	if err != nil {
		// qr's errors name the field and, for malformed dates, quote the
		// value; keep only the field names.
		var qe *qr.Error
		if errors.As(err, &qe) {
			var names []string
			for _, fe := range qe.Problems {
				names = append(names, fe.Name)
			}
			return Input{}, secretErr("qr", strings.Join(names, ", "), "the QR code does not read as a CCCD payload: %s malformed; scan it again", strings.Join(names, ", "))
		}
		return Input{}, secretErr("qr", "", "the QR code does not read as a CCCD payload (%s); scan it again", qrReason(err))
	}
	in, err := InputFromQR(p)
	if err != nil {
		return Input{}, secretErr("qr", "", "the QR code does not give the chip's secret: %v", err)
	}
	return in, nil
}

// qrReason is the part of a qr error that carries no field value.
func qrReason(err error) string {
	switch {
	case errors.Is(err, qr.ErrFieldCount):
		return "too few fields"
	case errors.Is(err, qr.ErrEncoding):
		return "not UTF-8 text"
	}
	return "malformed"
}

// ParseMRZText reads a full MRZ as typed or scanned, normalised by
// NormalizeMRZ, and checks every check digit before it is used: a typing
// mistake is named by its field instead of coming back from the chip as
// "access denied".
func ParseMRZText(text string) (Input, error) {
	m, err := NormalizeMRZ(text)
	if err != nil {
		return Input{}, err
	}
	return Input{Secret: lds.Secret{DocumentNumber: m.DocumentNumber, DateOfBirth: m.DateOfBirth, DateOfExpiry: m.DateOfExpiry}, MRZ: m, Kind: KindMRZ}, nil
}

// InputFromMRZText reads a full MRZ (TD1, TD3) as typed or scanned; it is
// ParseMRZText.
func InputFromMRZText(text string) (Input, error) { return ParseMRZText(text) }

// InputFromQR derives the chip secret from the card's QR: the CAN (PACE)
// and the MRZ fields (BAC, the expiry computed by the age-milestone rule).
func InputFromQR(p *qr.Payload) (Input, error) {
	s, err := p.Secret()
	if err != nil {
		return Input{}, err
	}
	return Input{Secret: s, QR: p, Kind: KindQR}, nil
}

// mrzField is a span of one MRZ line and what may stand in it.
type mrzField struct {
	name       string
	line, from int // 0-based line, 0-based first position
	n          int
	kind       byte // 'n' digits (O→0), 'a' letters (0→O), 'c' check digit, 'x' anything
}

// TD1 (the CCCD's 3 × 30) and TD3 (passports, 2 × 44) layouts, ICAO
// 9303-5 §4.2.2 and 9303-4 §4.2.2.
var td1Fields = []mrzField{
	{"document code", 0, 0, 2, 'a'}, {"issuing state", 0, 2, 3, 'a'},
	{"document number", 0, 5, 9, 'x'}, {"document number check digit", 0, 14, 1, 'x'},
	{"date of birth", 1, 0, 6, 'n'}, {"date of birth check digit", 1, 6, 1, 'c'},
	{"date of expiry", 1, 8, 6, 'n'}, {"date of expiry check digit", 1, 14, 1, 'c'},
	{"nationality", 1, 15, 3, 'a'}, {"composite check digit", 1, 29, 1, 'c'},
	{"name", 2, 0, 30, 'a'},
}

var td3Fields = []mrzField{
	{"document code", 0, 0, 2, 'a'}, {"issuing state", 0, 2, 3, 'a'}, {"name", 0, 5, 39, 'a'},
	{"document number", 1, 0, 9, 'x'}, {"document number check digit", 1, 9, 1, 'c'},
	{"nationality", 1, 10, 3, 'a'},
	{"date of birth", 1, 13, 6, 'n'}, {"date of birth check digit", 1, 19, 1, 'c'},
	{"date of expiry", 1, 21, 6, 'n'}, {"date of expiry check digit", 1, 27, 1, 'c'},
	{"composite check digit", 1, 43, 1, 'c'},
}

// NormalizeMRZ reads an MRZ as a person types it or an OCR scanner sends
// it: any case; spaces, tabs and line breaks anywhere; '«' or other
// look-alikes of the filler; lines short of their trailing '<' fillers
// (when the line breaks are kept); 'O' typed for '0' in the digit fields
// and '0' for 'O' in the letter fields. The result is checked strictly: the
// shape, the dates and every check digit, with an error naming the field
// (wrapping ErrBadSecret).
func NormalizeMRZ(text string) (*lds.MRZ, error) {
	lines := mrzLines(text)
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	var width, count int
	var fields []mrzField
	switch {
	case len(lines) == 3 && allAtMost(lines, 30), len(lines) == 1 && total == 90:
		width, count, fields = 30, 3, td1Fields
	case len(lines) == 2 && allAtMost(lines, 44) && (len(lines[0]) > 36 || len(lines[1]) > 36), len(lines) == 1 && total == 88:
		width, count, fields = 44, 2, td3Fields
	default:
		if len(lines) == 1 {
			return nil, secretErr("mrz_length", "", "the MRZ has %d characters; the card's (TD1) has 3 lines of 30 (90), a passport's 2 lines of 44; type it line by line, the '<' fillers included", total)
		}
		return nil, secretErr("mrz_length", "", "the MRZ has %d lines (%s characters); the card's (TD1) has 3 lines of 30", len(lines), lineLengths(lines))
	}
	if len(lines) == 1 {
		one := lines[0]
		lines = nil
		for i := 0; i < count; i++ {
			lines = append(lines, one[i*width:(i+1)*width])
		}
	}
	rows := make([][]byte, count)
	for i, l := range lines {
		rows[i] = []byte(l + strings.Repeat("<", width-len(l)))
	}
	for i, r := range rows {
		for j, c := range r {
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<') {
				return nil, secretErr("mrz_charset", "", "MRZ line %d, position %d: only A–Z, 0–9 and '<' can stand in an MRZ", i+1, j+1)
			}
		}
	}
	// O and 0 look alike on the card and on the keyboard: put each where
	// its field allows it.
	for _, f := range fields {
		r := rows[f.line][f.from : f.from+f.n]
		for j, c := range r {
			switch {
			case (f.kind == 'n' || f.kind == 'c') && c == 'O':
				r[j] = '0'
			case f.kind == 'a' && c == '0':
				r[j] = 'O'
			}
		}
	}
	vnm := string(rows[0][2:5]) == "VNM"
	if vnm && count == 3 {
		// A CCCD's document number and the ID number continuing in the
		// optional data are digits (shared/cccd-reference.md).
		for j := 5; j < 30; j++ {
			if rows[0][j] == 'O' {
				rows[0][j] = '0'
			}
		}
	}
	for _, f := range fields {
		for _, c := range rows[f.line][f.from : f.from+f.n] {
			if f.kind == 'n' && !(c >= '0' && c <= '9') {
				return nil, secretErr("mrz_date", f.name, "MRZ: the %s must be 6 digits YYMMDD (line %d, positions %d–%d)", f.name, f.line+1, f.from+1, f.from+f.n)
			}
			if f.kind == 'c' && !(c >= '0' && c <= '9') {
				return nil, secretErr("mrz_check_digit", f.name, "MRZ: the %s must be a digit (line %d, position %d)", f.name, f.line+1, f.from+1)
			}
		}
	}
	var b strings.Builder
	for _, r := range rows {
		b.Write(r)
	}
	m, err := lds.ParseMRZ(b.String())
	if err != nil {
		return nil, secretErr("mrz_length", "", "%v", err)
	}
	for _, d := range []struct{ name, v string }{{"date of birth", m.DateOfBirth}, {"date of expiry", m.DateOfExpiry}} {
		if _, err := time.Parse("060102", d.v); err != nil {
			return nil, secretErr("mrz_date", d.name, "MRZ: the %s is not a date (YYMMDD)", d.name)
		}
	}
	if err := m.Check(); err != nil {
		var ce *lds.MRZCheckError
		if errors.As(err, &ce) {
			return nil, secretErr("mrz_check_digit", ce.Field, "MRZ: the %s does not match its check digit: a character was mistyped (check the %s)", ce.Field, ce.Field)
		}
		return nil, secretErr("mrz_check_digit", "", "MRZ: %v", err)
	}
	return m, nil
}

// mrzLines splits the text into lines (line breaks, or runs of two and
// more spaces between 30-character blocks, as some scanners send them),
// upper-cased, every other white space removed, filler look-alikes mapped
// to '<'.
func mrzLines(text string) []string {
	text = strings.Map(func(r rune) rune {
		switch r {
		case '«', '‹', '＜', '〈', '≪':
			return '<'
		case '\r':
			return '\n'
		}
		if r >= utf8.RuneSelf {
			return unicode.ToUpper(r)
		}
		return r
	}, strings.ToUpper(text))
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, l)
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 1 {
		// One line of text: blocks separated by single spaces are the MRZ
		// lines when they have the widths of one.
		parts := strings.Fields(strings.ToUpper(strings.TrimSpace(strings.ReplaceAll(text, "\n", " "))))
		if len(parts) == 3 && allAtMost(parts, 30) && len(parts[0]) == 30 && len(parts[1]) == 30 {
			return parts
		}
	}
	return lines
}

func allAtMost(lines []string, n int) bool {
	for _, l := range lines {
		if len(l) > n {
			return false
		}
	}
	return true
}

func lineLengths(lines []string) string {
	var s []string
	for _, l := range lines {
		s = append(s, fmt.Sprint(len(l)))
	}
	return strings.Join(s, "+")
}

// digitsOnly strips the separators a person types in a number (spaces,
// dots, dashes) and reports whether only digits were left.
func digitsOnly(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '\t' || r == '\u00a0':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

// looksLikeNumber reports a text of digits and separators only.
func looksLikeNumber(s string) bool {
	_, ok := digitsOnly(s)
	return ok
}
