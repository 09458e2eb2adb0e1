package lds

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewCCCDMRZReferenceExample(t *testing.T) {
	// shared/cccd-reference.md synthetic worked example.
	m, err := NewCCCDMRZ(CCCDHolder{
		IDNumber:     "001099012345",
		FullName:     "Nguyễn Văn A",
		Sex:          "Nam",
		DateOfBirth:  time.Date(1999, 5, 18, 0, 0, 0, 0, time.UTC),
		DateOfExpiry: time.Date(2024, 5, 18, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"IDVNM0990123459001099012345<<0", "9905186M2405182VNM<<<<<<<<<<<8", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"}
	if got := m.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("CCCD MRZ:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	if got := m.MRZInformation(); got != "099012345"+"9"+"990518"+"6"+"240518"+"2" {
		t.Errorf("MRZ information %q", got)
	}
	if m.DocumentNumber != "099012345" || m.Surname != "NGUYEN" || m.GivenNames != "VAN A" || m.Sex != "M" {
		t.Errorf("fields: %+v", m)
	}
	// Lifetime card: expiry 991231.
	m2, err := NewCCCDMRZ(CCCDHolder{IDNumber: "079190012345", FullName: "Đặng Thị Ngọc Hà", Sex: "Nữ", DateOfBirth: time.Date(1990, 8, 15, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if m2.DateOfExpiry != "991231" || m2.Lines()[2] != "DANG<<THI<NGOC<HA<<<<<<<<<<<<<" || m2.Sex != "F" || m2.Check() != nil {
		t.Errorf("lifetime card MRZ %q", m2.Lines())
	}
	if _, err := NewCCCDMRZ(CCCDHolder{IDNumber: "12345"}); err == nil {
		t.Error("short ID number accepted")
	}
}

func TestParseMRZVectors(t *testing.T) {
	v := loadLDSVectors(t)
	tests := []struct {
		name, mrz, info string
		format          MRZFormat
		docNo           string
		compositeOK     bool
	}{
		{"9303-11 D TD1 (dmrtd spelling, composite 2)", v.BAC.MRZ.TD1, v.BAC.MRZ.MRZInformation, TD1, "L898902C", true},
		{"TD1 long document number", v.OtherMRZ.Items[0].MRZ, v.OtherMRZ.Computed.LongDocNo, TD1, "D23145890734", true},
		{"TD2 long document number", v.OtherMRZ.Items[1].MRZ, v.OtherMRZ.Computed.LongDocNo, TD2, "D23145890734", true},
		{"TD1 PersoSim (composite 1 is wrong)", v.OtherMRZ.Items[2].MRZ, v.BAC.MRZ.MRZInformation, TD1, "L898902C", false},
		{"TD1 Mustermann", v.OtherMRZ.Items[3].MRZ, v.OtherMRZ.Computed.Mustermann, TD1, "C11T002JM", true},
		{"9303-4 TD3 specimen", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10", "L898902C3674081221204159", TD3, "L898902C3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMRZ(tt.mrz)
			if err != nil {
				t.Fatal(err)
			}
			if m.Format != tt.format || m.DocumentNumber != tt.docNo || m.MRZInformation() != tt.info {
				t.Fatalf("format %v doc %q info %q", m.Format, m.DocumentNumber, m.MRZInformation())
			}
			err = m.Check()
			if tt.compositeOK && err != nil {
				t.Fatalf("Check: %v", err)
			}
			if !tt.compositeOK {
				var ce *MRZCheckError
				if !errors.As(err, &ce) || ce.Field != "composite" {
					t.Fatalf("Check = %v, want a composite mismatch", err)
				}
			}
			if strings.ReplaceAll(tt.mrz, "\n", "") != m.String() {
				t.Error("String does not return the parsed text")
			}
		})
	}
	m, _ := ParseMRZ(v.BAC.MRZ.TD1)
	if m.Surname != "ERIKSSON" || m.GivenNames != "ANNA MARIA" || m.IssuingState != "UTO" || m.DocumentCode != "I" || m.Sex != "F" {
		t.Errorf("fields %+v", m)
	}
}

func TestMRZCheckErrorsNamed(t *testing.T) {
	// TD3 specimen with the date of birth check digit changed 2 -> 3.
	m, err := ParseMRZ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408123F1204159ZE184226B<<<<<10")
	if err != nil {
		t.Fatal(err)
	}
	err = m.Check()
	if err == nil || !strings.Contains(err.Error(), "date of birth check digit is 3, expected 2") || !errors.Is(err, ErrMRZCheckDigit) {
		t.Fatalf("Check = %v", err)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("A", 89), strings.Repeat("a", 90)} {
		if _, err := ParseMRZ(bad); err == nil {
			t.Errorf("ParseMRZ(%q) accepted", bad)
		}
	}
}

func TestNewTD1LongNumberAndTD3(t *testing.T) {
	m, err := NewTD1(MRZFields{DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890734",
		DateOfBirth: time.Date(1934, 7, 12, 0, 0, 0, 0, time.UTC), Sex: "M", DateOfExpiry: time.Date(1995, 7, 12, 0, 0, 0, 0, time.UTC),
		Nationality: "UTO", Surname: "Stevenson", GivenNames: "Peter John"})
	if err != nil {
		t.Fatal(err)
	}
	// Same as the vector except the vector's expiry century: compare the
	// structure that matters.
	if m.Lines()[0] != "I<UTOD23145890<7349<<<<<<<<<<<" || m.DocumentNumber != "D23145890734" || m.Check() != nil {
		t.Errorf("long number TD1 %q", m.Lines())
	}
	p, err := NewTD3(MRZFields{DocumentCode: "P", IssuingState: "UTO", DocumentNumber: "L898902C3",
		DateOfBirth: time.Date(1974, 8, 12, 0, 0, 0, 0, time.UTC), Sex: "F", DateOfExpiry: time.Date(2012, 4, 15, 0, 0, 0, 0, time.UTC),
		Nationality: "UTO", Surname: "Eriksson", GivenNames: "Anna María", OptionalData1: "ZE184226B"})
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10" {
		t.Errorf("TD3 %q", p.Lines())
	}
}

func TestTransliterateMRZ(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguyễn Văn Ánh", "NGUYEN<VAN<ANH"},
		{"Đỗ Thị Hồng Nhung", "DO<THI<HONG<NHUNG"},
		{"Trương Quốc Bảo", "TRUONG<QUOC<BAO"},
		{"Lý Thị Ỷ", "LY<THI<Y"},
		{"Phạm Ưng Đức", "PHAM<UNG<DUC"},
		{"Nguye\u0302\u0303n", "NGUYEN"}, // decomposed (NFD) input
		{"Müller-Straße", "MUELLER<STRASSE"},
		{"O'Brien", "OBRIEN"},
	}
	for _, tt := range tests {
		got, err := TransliterateMRZ(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("TransliterateMRZ(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	// Every Vietnamese letter with a diacritic maps to one ASCII letter.
	for _, r := range "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ" {
		for _, s := range []string{string(r), strings.ToUpper(string(r))} {
			got, err := TransliterateMRZ(s)
			if err != nil || len(got) != 1 || got[0] < 'A' || got[0] > 'Z' {
				t.Errorf("%q → %q, %v", s, got, err)
			}
		}
	}
	if _, err := TransliterateMRZ("阮"); err == nil || strings.Contains(err.Error(), "阮") {
		t.Errorf("CJK: %v (must fail without echoing the name)", err)
	}
}

func TestMRZNameFieldTruncation(t *testing.T) {
	tests := []struct {
		sur, given string
		width      int
		want       string
		trunc      bool
	}{
		{"Nguyễn", "Văn Ánh", 30, "NGUYEN<<VAN<ANH<<<<<<<<<<<<<<<", false},
		{"Tôn Nữ", "Thị Phương Thảo Nguyên", 20, "TON<NU<<THI<PHUO<T<N", true},
		{"Nguyễn", "Hoàng Bảo Khánh Linh Phương", 20, "NGUYEN<<HOAN<B<K<L<P", true},
		{"Nguyễn", "An Bình Chi Dung Hà Lan Mai", 16, "NGUYEN<<A<B<C<D<", true},
		{"Wolfeschlegelsteinhausenberger", "Hubert", 20, "WOLFESCHLEGELSTEINHA", true},
	}
	for _, tt := range tests {
		got, trunc, err := MRZNameField(tt.sur, tt.given, tt.width)
		if err != nil || got != tt.want || trunc != tt.trunc || len(got) != tt.width {
			t.Errorf("MRZNameField(%q,%q,%d) = %q,%v,%v; want %q,%v", tt.sur, tt.given, tt.width, got, trunc, err, tt.want, tt.trunc)
		}
	}
}

func TestDG1RoundTrip(t *testing.T) {
	v := loadLDSVectors(t)
	for _, s := range []string{v.BAC.MRZ.TD1, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"} {
		m, _ := ParseMRZ(s)
		b, err := (&DG1{MRZ: m}).Encode()
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseDG1(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := d.Encode()
		if string(b) != string(b2) || d.MRZ.String() != m.String() {
			t.Fatal("DG1 round trip differs")
		}
	}
	// Shape from a real TD1 DG1: 61 5D 5F1F 5A.
	m, _ := ParseMRZ(v.BAC.MRZ.TD1)
	b, _ := (&DG1{MRZ: m}).Encode()
	if b[0] != 0x61 || b[1] != 0x5D || b[2] != 0x5F || b[3] != 0x1F || b[4] != 0x5A {
		t.Errorf("DG1 TD1 header % X", b[:5])
	}
	for _, bad := range [][]byte{nil, {0x61}, {0x61, 0x02, 0x5F, 0x1F}, {0x62, 0}, append(b, 0)} {
		if _, err := ParseDG1(bad); err == nil {
			t.Errorf("ParseDG1(% X) accepted", bad)
		}
	}
}

func FuzzParseMRZ(f *testing.F) {
	f.Add("IDVNM0990123459001099012345<<09905186M2405182VNM<<<<<<<<<<<8NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<")
	f.Add("I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<")
	f.Add("I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<D23145890<UTO3407127M95071227349<<<8")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMRZ(s)
		if err != nil {
			return
		}
		_ = m.Check()
		_ = m.MRZInformation()
		_ = m.Lines()
	})
}

func FuzzParseDG1(f *testing.F) {
	m, _ := ParseMRZ("IDVNM0990123459001099012345<<09905186M2405182VNM<<<<<<<<<<<8NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<")
	b, _ := (&DG1{MRZ: m}).Encode()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG1(b)
		if err != nil {
			return
		}
		out, err := d.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseDG1(out); err != nil {
			t.Fatal(err)
		}
	})
}
