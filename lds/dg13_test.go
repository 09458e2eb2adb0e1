package lds

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

func ldsSampleDG13() *DG13 {
	return &DG13{
		Version: 1, Encoding: OIDUTF8Encoding,
		IDNumber: "001099012345", FullName: "Nguyễn Văn A", DateOfBirth: "18/05/1999", Sex: "Nam",
		Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không", PlaceOfOrigin: "Xã Đông Hội, Đông Anh, Hà Nội",
		PlaceOfResidence: "Số 1 Phố Huế, Hai Bà Trưng, Hà Nội", PersonalFeatures: "Nốt ruồi C:1cm trên mép phải",
		DateOfIssue: "10/07/2021", DateOfExpiry: "18/05/2024", FatherName: "Nguyễn Văn B", MotherName: "Trần Thị C",
		OldIDNumber: "012345678", Field16: "AB12CD34EF56GH78",
	}
}

func TestDG13ReferenceLayout(t *testing.T) {
	d := ldsSampleDG13()
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	h := strings.ToUpper(hex.EncodeToString(b))
	// Head: 6D L 30 L 02 01 01 06 06 28D316010008 31 L 30 0F 02 01 01 13 0C "001099012345".
	for _, want := range []string{
		"020101060628D31601000831",
		"3011020101130C" + strings.ToUpper(hex.EncodeToString([]byte("001099012345"))),
		"02010D30",   // parents nest in SEQUENCEs
		"300302010E", // no spouse: INTEGER only
		"0201101310", // field 16 PrintableString
	} {
		if !strings.Contains(h, want) {
			t.Errorf("DG13 lacks %s:\n%s", want, h)
		}
	}
	if b[0] != 0x6D {
		t.Errorf("tag %02X", b[0])
	}
	p, err := ParseDG13(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, d) {
		t.Fatalf("parsed %+v", p)
	}
	b2, _ := p.Encode()
	if !bytes.Equal(b, b2) {
		t.Fatal("not byte-exact")
	}
	// Field 15 is absent when empty.
	d.OldIDNumber = ""
	b3, _ := d.Encode()
	if bytes.Contains(b3, []byte{0x02, 0x01, 0x0F}) {
		t.Error("empty field 15 written")
	}
	d.IDNumber = "Việt"
	if _, err := d.Encode(); err == nil {
		t.Error("non-printable ID number accepted")
	}
}

func TestParseDG13Lenient(t *testing.T) {
	// Fields out of order, one with INTEGER only, field 13 flat, an
	// unknown field 17 and a BMPString, as another issuer might write.
	seq := func(parts ...string) string {
		body := strings.Join(parts, "")
		return "30" + ldsHexLen(len(body)/2) + body
	}
	str := func(tag, s string) string { return tag + ldsHexLen(len(s)) + hex.EncodeToString([]byte(s)) }
	fields := seq("020102", str("0C", "Lê Thị Hồng")) +
		seq("020101", str("13", "079190012345")) +
		seq("020104") +
		seq("02010D", str("0C", "Lê Văn Bố"), str("0C", "Phạm Thị Mẹ")) +
		seq("020111", str("0C", "O+")) +
		seq("02010E", seq(str("0C", "Trần Văn Chồng"))) +
		seq("020106", "1E04004B0069") // BMPString "Ki"
	set := "31" + ldsHexLen(len(fields)/2) + fields
	inner := "020101060628D316010008" + set
	sq := "30" + ldsHexLen(len(inner)/2) + inner
	all := "6D" + ldsHexLen(len(sq)/2) + sq
	d, err := ParseDG13(ldsUnhex(t, all))
	if err != nil {
		t.Fatal(err)
	}
	if d.FullName != "Lê Thị Hồng" || d.IDNumber != "079190012345" || d.Sex != "" || d.FatherName != "Lê Văn Bố" ||
		d.MotherName != "Phạm Thị Mẹ" || d.SpouseName != "Trần Văn Chồng" || d.Ethnicity != "Ki" {
		t.Errorf("%+v", d)
	}
	if len(d.Unknown) != 1 || d.Unknown[0].N != 17 || !strings.Contains(string(d.Unknown[0].Raw), "O+") {
		t.Errorf("unknown %+v", d.Unknown)
	}
	out, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	d2, err := ParseDG13(out)
	if err != nil || !reflect.DeepEqual(d, d2) {
		t.Errorf("re-parse %+v %v", d2, err)
	}
	for _, bad := range []string{"", "6D00", "6D023000", "6D0530030201FF", "6E0130"} {
		if _, err := ParseDG13(ldsUnhex(t, bad)); err == nil {
			t.Errorf("ParseDG13(%s) accepted", bad)
		}
	}
}

// ldsHexLen returns a DER length in hex.
func ldsHexLen(n int) string {
	return strings.ToUpper(hex.EncodeToString(ldsAppendLength(nil, n)))
}

func FuzzParseDG13(f *testing.F) {
	b, _ := ldsSampleDG13().Encode()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG13(b)
		if err != nil {
			return
		}
		out, err := d.Encode()
		if err != nil {
			return
		}
		d2, err := ParseDG13(out)
		if err != nil {
			t.Fatalf("re-encoded DG13 does not parse: %v", err)
		}
		if d2.IDNumber != d.IDNumber || d2.FullName != d.FullName || len(d2.Unknown) != len(d.Unknown) {
			t.Fatal("re-encoded DG13 differs")
		}
	})
}
