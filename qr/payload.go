package qr

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cccd-vn/cccd/citizen"
	"golang.org/x/text/unicode/norm"
)

// Layout is the field set of a payload.
type Layout int

const (
	// Layout2021 is the CCCD (2014 law) payload, seven fields:
	// ID|old ID|full name|date of birth|sex|place of residence|date of issue.
	Layout2021 Layout = 2021
	// Layout2024 is the identity card "Căn cước" (2023 law, issued from
	// 1 July 2024). Circular 16/2024/TT-BCA lists its QR contents as the
	// 2021 fields plus the cancelled personal ID numbers (if any) and, for
	// children, the parents' names; the field order is not published.
	// What is known: the seven 2021 fields come first (the date of issue
	// tells the layout). What is assumed: whatever follows is read by its
	// shape — a field of 12-digit numbers is the cancelled ID list; on a
	// child's card (under 14 at issue), fields of three or more words
	// starting with a Vietnamese family name are the parents' names
	// (father then mother when there are two) — and anything else is
	// kept, unnamed, in order. Nothing after
	// the seventh field is ever an error, and the trailing fields are
	// written back exactly as read.
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
}

const minFields = 7

// qrDate is the date layout of the payload: ddmmyyyy.
const qrDate = "02012006"

// Payload is the content of the QR code on the card body. Dates are
// "YYYY-MM-DD" like citizen.Record; text keeps its diacritics.
type Payload struct {
	Layout           Layout `json:"layout"`
	IDNumber         string `json:"id_number"`
	OldIDNumber      string `json:"old_id_number"`
	FullName         string `json:"full_name"`
	DateOfBirth      string `json:"date_of_birth"`
	Sex              string `json:"sex"` // as printed: Nam / Nữ
	PlaceOfResidence string `json:"place_of_residence"`
	DateOfIssue      string `json:"date_of_issue"`
	// CancelledIDNumbers are the holder's cancelled 12-digit personal ID
	// numbers (2024 card), as recognised among the trailing fields.
	CancelledIDNumbers []string `json:"cancelled_id_numbers,omitempty"`
	// ParentNames are the parents' names (2024 card of a child under
	// citizen.ChildAge at issue), in order: father then mother when there
	// are two.
	ParentNames []string `json:"parent_names,omitempty"`
	// Extra are the trailing fields of no recognised meaning, in order
	// (every trailing field of a 2021 payload).
	Extra []string `json:"extra_fields,omitempty"`
	// Trailing are the fields after the seventh exactly as read (empty
	// ones included); Build writes them back unchanged. When nil, Build
	// composes them from CancelledIDNumbers, ParentNames and Extra.
	Trailing []string `json:"-"`
}

// FatherName is the first of two parents' names (2024 card), or "".
func (p *Payload) FatherName() string {
	if len(p.ParentNames) == 2 {
		return p.ParentNames[0]
	}
	return ""
}

// MotherName is the second of two parents' names (2024 card), or "".
func (p *Payload) MotherName() string {
	if len(p.ParentNames) == 2 {
		return p.ParentNames[1]
	}
	return ""
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
	// The identity card replaced the CCCD on 1 July 2024: the date of issue
	// tells which card, hence which layout (Law on Identification 2023, Art. 46).
	if !issue.IsZero() && !issue.Before(citizen.Law2023Start) {
		p.Layout = Layout2024
	}
	if rest := f[minFields:]; len(rest) > 0 {
		p.Trailing = append([]string(nil), rest...)
		if p.Layout == Layout2024 {
			dob, _ := time.Parse(time.DateOnly, p.DateOfBirth)
			p.readTrailing(rest, citizen.ChildOn(dob, issue))
		} else {
			// A 2021 payload has seven fields: anything more is kept,
			// never given a meaning.
			for _, v := range rest {
				if strings.TrimSpace(v) != "" {
					p.Extra = append(p.Extra, v)
				}
			}
		}
	}
	if len(perr.Problems) > 0 {
		return p, &perr
	}
	return p, nil
}

// readTrailing names what follows the seventh field of a 2024 payload by
// its shape (see Layout2024); it never fails. Names are read as the
// parents' only on a child's card, the only one whose QR carries them
// (Circular 16/2024/TT-BCA): on an adult's, a field of words is kept
// unnamed, so that a place read as a name can never fail a genuine card.
func (p *Payload) readTrailing(rest []string, child bool) {
	for _, v := range rest {
		t := strings.TrimSpace(v)
		switch {
		case t == "":
		case isIDList(t):
			p.CancelledIDNumbers = append(p.CancelledIDNumbers, citizen.SplitIDList(t)...)
		case child && isPersonName(t):
			p.ParentNames = append(p.ParentNames, t)
		default:
			p.Extra = append(p.Extra, v)
		}
	}
}

// isIDList: 12-digit numbers separated by commas, semicolons or spaces.
func isIDList(s string) bool {
	ids := citizen.SplitIDList(s)
	for _, id := range ids {
		if len(id) != 12 || !isDigits(id) {
			return false
		}
	}
	return len(ids) > 0
}

// isPersonName: three to seven words of letters whose first is a
// Vietnamese family name — the shape that tells a parent's name from a
// place ("Hà Nội": Hà is a family name too) or any other text, which is
// then kept as an unnamed field. (A two-word name is kept unnamed: it
// cannot be told from a place.)
func isPersonName(s string) bool {
	words := strings.Fields(norm.NFC.String(s))
	if len(words) < 3 || len(words) > 7 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && !unicode.Is(unicode.Mn, r) {
			return false
		}
	}
	return familyNames[strings.ToLower(words[0])]
}

// familyNames are the common Vietnamese family names (over 95% of the
// population carries one of them).
var familyNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý
		đào đoàn vương trịnh trương lâm phùng mai tô hà tạ châu quách lương lưu thái cao tăng
		triệu đinh kiều la lạc lục mạc giang khúc thân tôn từ hứa hầu diệp chu âu ông kha
		văn đàm lã quan nghiêm mẫn phí doãn chế ninh nông thạch lò sơn y h k`) {
		m[norm.NFC.String(n)] = true
	}
	return m
}()

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
	for _, c := range p.CancelledIDNumbers {
		if c == p.IDNumber {
			out.Problems = append(out.Problems, &FieldError{Index: 1, Name: fieldNames[1],
				Reason: "is also listed among the cancelled ID numbers: a cancelled number is not the holder's", Err: mismatchErr{citizen.ErrIDFormat}})
		}
	}
	return &out
}

// String builds the payload line, as Build does.
func (p *Payload) String() string {
	s, _ := p.text()
	return s
}

// Build writes the payload line: seven fields, then the trailing fields —
// as read (Trailing), or for Layout2024 the cancelled ID numbers (joined by
// commas), the parents' names, then Extra. It refuses a
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
	switch {
	case p.Trailing != nil:
		fields = append(fields, p.Trailing...)
	case layout == Layout2024:
		// Assumed order (not published): the cancelled IDs, then the
		// parents; an empty cancelled-ID field only when parents follow.
		if len(p.CancelledIDNumbers) > 0 || len(p.ParentNames) > 0 {
			fields = append(fields, strings.Join(p.CancelledIDNumbers, ","))
		}
		fields = append(fields, p.ParentNames...)
		fields = append(fields, p.Extra...)
	default:
		fields = append(fields, p.Extra...)
	}
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
