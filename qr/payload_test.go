package qr

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
)

const refPayload = "079190012345|025123456|Nguyễn Thị Thu Hà|15081990|Nữ|123 Lê Lợi, Phường Bến Thành, Quận 1, TP Hồ Chí Minh|20042021"

func TestParseReference(t *testing.T) {
	p, err := Parse(refPayload)
	if err != nil {
		t.Fatal(err)
	}
	want := &Payload{Layout: Layout2021, IDNumber: "079190012345", OldIDNumber: "025123456", FullName: "Nguyễn Thị Thu Hà",
		DateOfBirth: "1990-08-15", Sex: "Nữ", PlaceOfResidence: "123 Lê Lợi, Phường Bến Thành, Quận 1, TP Hồ Chí Minh", DateOfIssue: "2021-04-20"}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("Parse = %+v\nwant    %+v", p, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if s, err := p.Build(); err != nil || s != refPayload {
		t.Errorf("Build = %q, %v", s, err)
	}
}

func TestParseLayouts(t *testing.T) {
	y24 := strings.Replace(refPayload, "20042021", "02072024", 1)
	// A child's card (8 at issue): the only one whose QR names parents.
	child24 := strings.Replace(y24, "15081990", "15082016", 1)
	for _, tc := range []struct {
		name      string
		text      string
		layout    Layout
		cancelled []string
		parents   []string
		extra     []string
	}{
		{"2021 plain", refPayload, Layout2021, nil, nil, nil},
		{"2021 trailing newline", refPayload + "\r\n", Layout2021, nil, nil, nil},
		{"2021 empty old ID", strings.Replace(refPayload, "|025123456|", "||", 1), Layout2021, nil, nil, nil},
		{"2021 unknown trailing fields kept", refPayload + "|x-17|01012030|", Layout2021, nil, nil, []string{"x-17", "01012030"}},
		{"2024 no extra fields", strings.Replace(refPayload, "20042021", "01072024", 1), Layout2024, nil, nil, nil},
		{"2024 one cancelled ID", y24 + "|079190011111", Layout2024, []string{"079190011111"}, nil, nil},
		{"2024 two cancelled IDs", y24 + "|079190011111,001090022222", Layout2024, []string{"079190011111", "001090022222"}, nil, nil},
		{"2024 cancelled IDs in two fields", y24 + "|079190011111|001090022222", Layout2024, []string{"079190011111", "001090022222"}, nil, nil},
		{"2024 child: parents, no cancelled ID", child24 + "||Nguyễn Văn Bố|Trần Thị Mẹ", Layout2024, nil, []string{"Nguyễn Văn Bố", "Trần Thị Mẹ"}, nil},
		{"2024 child: cancelled ID and parents", child24 + "|079190011111|Nguyễn Văn Bố|Trần Thị Mẹ", Layout2024, []string{"079190011111"}, []string{"Nguyễn Văn Bố", "Trần Thị Mẹ"}, nil},
		{"2024 one parent", child24 + "||Trần Thị Mẹ", Layout2024, nil, []string{"Trần Thị Mẹ"}, nil},
		{"2024 adult: words are not parents", y24 + "|Hồ Chí Minh|Mai Châu Hòa Bình", Layout2024, nil, nil, []string{"Hồ Chí Minh", "Mai Châu Hòa Bình"}},
		{"2021: trailing words are not parents", refPayload + "|Nguyễn Văn Bố|Trần Thị Mẹ", Layout2021, nil, nil, []string{"Nguyễn Văn Bố", "Trần Thị Mẹ"}},
		{"2024 empty trailing fields", y24 + "|||", Layout2024, nil, nil, nil},
		{"2024 what the shape does not tell", y24 + "|15082030|Hà Nội, Ba Đình|A+|Hà Nội", Layout2024, nil, nil, []string{"15082030", "Hà Nội, Ba Đình", "A+", "Hà Nội"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.text)
			if err != nil {
				t.Fatalf("a 2021 or 2024 payload must parse: %v", err)
			}
			if p.Layout != tc.layout || !reflect.DeepEqual(p.CancelledIDNumbers, tc.cancelled) || !reflect.DeepEqual(p.ParentNames, tc.parents) || !reflect.DeepEqual(p.Extra, tc.extra) {
				t.Errorf("Parse = %+v", p)
			}
			// Re-encoded exactly as read.
			s, err := p.Build()
			if err != nil || s != strings.TrimRight(tc.text, "\r\n") {
				t.Errorf("Build = %q, %v", s, err)
			}
			// And composed from its fields, it reads back the same.
			p.Trailing = nil
			s, err = p.Build()
			if err != nil {
				t.Fatal(err)
			}
			q, err := Parse(s)
			if err != nil || !reflect.DeepEqual(q.CancelledIDNumbers, p.CancelledIDNumbers) || !reflect.DeepEqual(q.ParentNames, p.ParentNames) || !reflect.DeepEqual(q.Extra, p.Extra) {
				t.Errorf("composed %q read back as %+v (%v)", s, q, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want []error
		msgs []string
	}{
		{"invalid UTF-8", "079190012345|025123456|Nguy\xe1\xbbn|15081990|N\xe1|x|20042021", []error{ErrEncoding}, []string{"offset 27", "-Sbinary"}},
		{"Shift-JIS-decoded garbage is still UTF-8 but wrong sex", strings.Replace(refPayload, "Nữ", "Nα»¯", 1), []error{ErrField, citizen.ErrSex}, []string{"field 5 (sex) 'Nα»¯' is not a sex"}},
		{"too few fields", "079190012345|025123456|Nguyễn", []error{ErrFieldCount}, []string{"found 3"}},
		{"empty", "", []error{ErrFieldCount}, nil},
		{"bad date of birth", strings.Replace(refPayload, "15081990", "31021990", 1), []error{ErrField, citizen.ErrDate}, []string{"field 4 (date of birth) '31021990' is not a date"}},
		{"bad date of issue", strings.Replace(refPayload, "20042021", "2021-04-20", 1), []error{ErrField}, []string{"field 7 (date of issue) '2021-04-20' is not a date"}},
		{"short ID", strings.Replace(refPayload, "079190012345", "79190012345", 1), []error{ErrField, citizen.ErrIDFormat}, []string{"field 1 (ID number) must be 12 digits, got 11"}},
		{"bad old ID", strings.Replace(refPayload, "025123456", "02512345", 1), []error{ErrField, citizen.ErrOldIDFormat}, []string{"field 2 (old ID number)"}},
		{"empty name", strings.Replace(refPayload, "Nguyễn Thị Thu Hà", "", 1), []error{ErrField, citizen.ErrMissing}, []string{"field 3 (full name) is empty"}},
		{"several at once", "x|y|z|00000000|?|r|99999999", []error{ErrField}, []string{"field 1", "field 2", "field 4", "field 5", "field 7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text)
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v is not %v", err, w)
				}
			}
			for _, m := range tc.msgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not say %q", err, m)
				}
			}
			if strings.Contains(err.Error(), "012345") {
				t.Errorf("error %q leaks the ID serial", err)
			}
		})
	}
}

func TestValidateMismatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want error
		msg  string
	}{
		{"sex", strings.Replace(refPayload, "Nữ", "Nam", 1), citizen.ErrSexMismatch, "field 5 (sex) 'Nam' disagrees with id_number"},
		{"year", strings.Replace(refPayload, "15081990", "15081991", 1), citizen.ErrBirthYear, "field 4 (date of birth) '1991-08-15' disagrees"},
		{"century", strings.Replace(refPayload, "15081990", "15082090", 1), citizen.ErrCentury, "field 4 (date of birth)"},
		{"province", strings.Replace(refPayload, "079190", "099190", 1), citizen.ErrProvince, "field 1 (ID number) province code '099'"},
		{"2024: the holder's number among the cancelled ones", strings.Replace(refPayload, "20042021", "01092024", 1) + "|079190012345", citizen.ErrIDFormat,
			"a cancelled number is not the holder's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.text)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = p.Validate()
			if !errors.Is(err, ErrMismatch) || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Validate = %v, want %v saying %q", err, tc.want, tc.msg)
			}
			if len(p.Check().Problems) != 1 {
				t.Errorf("Check = %v", p.Check())
			}
		})
	}
}

func TestBuildRefuses(t *testing.T) {
	base, _ := Parse(refPayload)
	for _, tc := range []struct {
		name string
		edit func(*Payload)
		want error
	}{
		{"pipe in name", func(p *Payload) { p.FullName = "A|B" }, ErrField},
		{"newline in residence", func(p *Payload) { p.PlaceOfResidence = "a\nb" }, ErrField},
		{"invalid UTF-8", func(p *Payload) { p.FullName = "\xff" }, ErrEncoding},
		{"bad date", func(p *Payload) { p.DateOfBirth = "1990-02-30" }, ErrField},
		{"2024 layout, 2021 issue date", func(p *Payload) { p.Layout = Layout2024 }, ErrField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := *base
			tc.edit(&p)
			if _, err := p.Build(); !errors.Is(err, tc.want) {
				t.Errorf("Build = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFromRecord(t *testing.T) {
	r := citizen.Record{IDNumber: "001099012345", FullName: "Nguyễn Văn A", DateOfBirth: "1999-05-18", Sex: "M",
		PlaceOfResidence: "Hà Nội", DateOfIssue: "2021-03-01"}
	p, err := FromRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.String(); s != "001099012345||Nguyễn Văn A|18051999|Nam|Hà Nội|01032021" {
		t.Errorf("payload %q", s)
	}
	r.DateOfIssue = "2024-09-01" // age 25 → next milestone 40 under the 2023 law
	p, err = FromRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Layout != Layout2024 || p.String() != "001099012345||Nguyễn Văn A|18051999|Nam|Hà Nội|01092024" {
		t.Errorf("2024 payload %+v", p)
	}
	// A child's 2024 card carries the parents; cancelled numbers come
	// first.
	child := citizen.Record{IDNumber: "001216012345", FullName: "Nguyễn Văn Con", DateOfBirth: "2016-05-18", Sex: "Nam",
		PlaceOfResidence: "Hà Nội", DateOfIssue: "2024-09-01", FatherName: "Nguyễn Văn Bố", MotherName: "Trần Thị Mẹ", CancelledIDNumbers: "001216099999"}
	if p, err = FromRecord(child); err != nil {
		t.Fatal(err)
	}
	if s := p.String(); s != "001216012345||Nguyễn Văn Con|18052016|Nam|Hà Nội|01092024|001216099999|Nguyễn Văn Bố|Trần Thị Mẹ" {
		t.Errorf("child payload %q", s)
	}
	r.Sex = ""
	if _, err := FromRecord(r); !errors.Is(err, citizen.ErrMissing) {
		t.Errorf("missing sex: %v", err)
	}
}

func TestSecret(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want lds.Secret
	}{
		// The reference's worked example: ID 001099012345, born 1999-05-18,
		// expiry 2024-05-18 → MRZ info 099012345 / 990518 / 240518, CAN 012345.
		{"reference example", "001099012345||Nguyễn Văn A|18051999|Nam|Hà Nội|01032021", lds.Secret{CAN: "012345", DocumentNumber: "099012345", DateOfBirth: "990518", DateOfExpiry: "240518"}},
		{"2 years before 25", "001099012345||Nguyễn Văn A|18051999|Nam|Hà Nội|18052022", lds.Secret{CAN: "012345", DocumentNumber: "099012345", DateOfBirth: "990518", DateOfExpiry: "390518"}},
		{"lifetime", "001060012345||Nguyễn Văn A|18051960|Nam|Hà Nội|18052021", lds.Secret{CAN: "012345", DocumentNumber: "060012345", DateOfBirth: "600518", DateOfExpiry: "991231"}},
		{"2024 with trailing fields", "001099012345||Nguyễn Văn A|18051999|Nam|Hà Nội|01092024|079190011111|x", lds.Secret{CAN: "012345", DocumentNumber: "099012345", DateOfBirth: "990518", DateOfExpiry: "390518"}},
		{"2024 computed", "001099012345||Nguyễn Văn A|18051999|Nam|Hà Nội|01092024", lds.Secret{CAN: "012345", DocumentNumber: "099012345", DateOfBirth: "990518", DateOfExpiry: "390518"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			s, err := p.Secret()
			if err != nil || s != tc.want {
				t.Errorf("Secret = %#v %v, want %+v", [4]string{s.CAN, s.DocumentNumber, s.DateOfBirth, s.DateOfExpiry}, err, [4]string{tc.want.CAN, tc.want.DocumentNumber, tc.want.DateOfBirth, tc.want.DateOfExpiry})
			}
		})
	}
	s := lds.Secret{CAN: "012345", DocumentNumber: "099012345", DateOfBirth: "990518", DateOfExpiry: "240518"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := sprintf(f, s); strings.Contains(out, "012345") {
			t.Errorf("%s prints the secret: %s", f, out)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(refPayload)
	f.Add(strings.Replace(refPayload, "20042021", "02072024", 1) + "|15082030|Hà Nội|x")
	f.Add("||||||")
	f.Add("079190012345|025123456|Nguy\xe1n|15081990|Nữ|x|20042021")
	f.Add("a|b|c|31021990|Nữ|x|29022021")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse(text)
		if err != nil {
			return
		}
		_ = p.Validate()
		_, _ = p.Secret()
		s, err := p.Build()
		if err != nil {
			t.Fatalf("Build of parsed %q: %v", text, err)
		}
		q, err := Parse(s)
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip of %q: %+v vs %+v (%v)", text, p, q, err)
		}
	})
}
