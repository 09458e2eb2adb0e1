package lds

import (
	"encoding/asn1"
	"fmt"
	"unicode/utf16"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// DG13 is data group 13 (tag 6D) as the Vietnamese CCCD carries it: a
// version, the UTF-8 encoding OID and a SET of fields, each a SEQUENCE
// opened by its field number n (shared/cccd-reference.md). Strings are
// UTF-8 with diacritics. An empty field is written as its INTEGER alone;
// OldIDNumber is left out when empty.
type DG13 struct {
	Version  int                   // 1
	Encoding asn1.ObjectIdentifier // OIDUTF8Encoding

	IDNumber         string // n=1, 12 digits
	FullName         string // n=2
	DateOfBirth      string // n=3, dd/mm/yyyy
	Sex              string // n=4, "Nam" / "Nữ"
	Nationality      string // n=5, "Việt Nam"
	Ethnicity        string // n=6
	Religion         string // n=7
	PlaceOfOrigin    string // n=8, quê quán
	PlaceOfResidence string // n=9, nơi thường trú
	PersonalFeatures string // n=10, personal identification features
	DateOfIssue      string // n=11, dd/mm/yyyy
	DateOfExpiry     string // n=12, dd/mm/yyyy or text for a lifetime card
	FatherName       string // n=13, first name
	MotherName       string // n=13, second name
	SpouseName       string // n=14
	OldIDNumber      string // n=15, 9-digit CMND number; absent when empty
	Field16          string // n=16, meaning unknown

	// Unknown holds fields this package does not know (n outside 1..16,
	// repeated n, or odd shapes) verbatim, in the order read; Encode
	// writes them after the known fields.
	Unknown []DG13RawField
}

// DG13RawField is one DG13 field kept as its DER bytes.
type DG13RawField struct {
	N   int // field number, -1 when it could not be read
	Raw []byte
}

// dg13Printable lists the fields written as PrintableString.
var dg13Printable = map[int]bool{1: true, 3: true, 11: true, 15: true, 16: true}

func (d *DG13) dg13Simple() []*string {
	return []*string{nil, &d.IDNumber, &d.FullName, &d.DateOfBirth, &d.Sex, &d.Nationality, &d.Ethnicity,
		&d.Religion, &d.PlaceOfOrigin, &d.PlaceOfResidence, &d.PersonalFeatures, &d.DateOfIssue, &d.DateOfExpiry}
}

func dg13IsPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' ||
			c == '\'' || c == '(' || c == ')' || c == '+' || c == ',' || c == '-' || c == '.' || c == '/' ||
			c == ':' || c == '=' || c == '?') {
			return false
		}
	}
	return true
}

// Encode returns the DG13 file bytes in the reference layout.
func (d *DG13) Encode() ([]byte, error) {
	version := d.Version
	if version == 0 {
		version = 1
	}
	enc := d.Encoding
	if enc == nil {
		enc = OIDUTF8Encoding
	}
	for n, p := range d.dg13Simple() {
		if p != nil && dg13Printable[n] && !dg13IsPrintable(*p) {
			return nil, ldsErr("DG13", fmt.Sprintf("field %d must be a PrintableString (digits, letters, / . -)", n))
		}
	}
	if !dg13IsPrintable(d.OldIDNumber) || !dg13IsPrintable(d.Field16) {
		return nil, ldsErr("DG13", "fields 15 and 16 must be PrintableStrings")
	}
	addStr := func(b *cryptobyte.Builder, n int, s string) {
		tag := cbasn1.UTF8String
		if dg13Printable[n] {
			tag = cbasn1.PrintableString
		}
		b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(0x6D), func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(int64(version))
			b.AddASN1ObjectIdentifier(enc)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				for n, p := range d.dg13Simple() {
					if p == nil {
						continue
					}
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(int64(n))
						if *p != "" {
							addStr(b, n, *p)
						}
					})
				}
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(13)
					if d.FatherName != "" || d.MotherName != "" {
						for _, s := range []string{d.FatherName, d.MotherName} {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { addStr(b, 13, s) })
						}
					}
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(14)
					if d.SpouseName != "" {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { addStr(b, 14, d.SpouseName) })
					}
				})
				if d.OldIDNumber != "" {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(15)
						addStr(b, 15, d.OldIDNumber)
					})
				}
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(16)
					if d.Field16 != "" {
						addStr(b, 16, d.Field16)
					}
				})
				for _, u := range d.Unknown {
					b.AddBytes(u.Raw)
				}
			})
		})
	})
	return b.Bytes()
}

// ParseDG13 parses DG13 tolerantly: fields in any order, absent, or
// present with only their INTEGER; strings of any ASN.1 string type; for
// fields 13 and 14 the strings are collected in order whatever their
// nesting. Fields it does not know are kept in Unknown.
func ParseDG13(b []byte) (*DG13, error) {
	s := cryptobyte.String(b)
	var outer, seq, set cryptobyte.String
	if !s.ReadASN1(&outer, cbasn1.Tag(0x6D)) || !s.Empty() {
		return nil, ldsErr("DG13", "not a single 6D data object")
	}
	if !outer.ReadASN1(&seq, cbasn1.SEQUENCE) || !outer.Empty() {
		return nil, ldsErr("DG13", "expected a SEQUENCE inside 6D")
	}
	d := &DG13{}
	var v int64
	if !seq.ReadASN1Integer(&v) || v < 0 || v > 1<<20 {
		return nil, ldsErr("DG13", "missing the version INTEGER")
	}
	d.Version = int(v)
	var oid asn1.ObjectIdentifier
	if !seq.ReadASN1ObjectIdentifier(&oid) {
		return nil, ldsErr("DG13", "missing the encoding OID")
	}
	d.Encoding = oid
	if !seq.ReadASN1(&set, cbasn1.SET) || !seq.Empty() {
		return nil, ldsErr("DG13", "expected the SET of fields")
	}
	seen := map[int]bool{}
	for !set.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !set.ReadAnyASN1Element(&elem, &tag) {
			return nil, ldsErr("DG13", "malformed field")
		}
		raw := append([]byte{}, elem...)
		n, strs, ok := dg13ReadField(elem, tag)
		if !ok || n < 1 || n > 16 || seen[n] {
			if !ok {
				n = -1
			}
			d.Unknown = append(d.Unknown, DG13RawField{N: n, Raw: raw})
			continue
		}
		seen[n] = true
		get := func(i int) string {
			if i < len(strs) {
				return strs[i]
			}
			return ""
		}
		switch {
		case n <= 12:
			*d.dg13Simple()[n] = get(0)
		case n == 13:
			d.FatherName, d.MotherName = get(0), get(1)
		case n == 14:
			d.SpouseName = get(0)
		case n == 15:
			d.OldIDNumber = get(0)
		case n == 16:
			d.Field16 = get(0)
		}
	}
	return d, nil
}

// dg13ReadField reads SEQUENCE { INTEGER n, ... } and every string inside,
// depth first.
func dg13ReadField(elem cryptobyte.String, tag cbasn1.Tag) (int, []string, bool) {
	var body cryptobyte.String
	if tag != cbasn1.SEQUENCE || !elem.ReadASN1(&body, cbasn1.SEQUENCE) {
		return 0, nil, false
	}
	var n int64
	if !body.ReadASN1Integer(&n) || n < -1<<20 || n > 1<<20 {
		return 0, nil, false
	}
	var strs []string
	if !dg13CollectStrings(body, &strs, 0) {
		return 0, nil, false
	}
	return int(n), strs, true
}

func dg13CollectStrings(s cryptobyte.String, out *[]string, depth int) bool {
	if depth > 8 {
		return false
	}
	for !s.Empty() {
		var v cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1(&v, &tag) {
			return false
		}
		switch tag {
		case cbasn1.UTF8String, cbasn1.PrintableString, cbasn1.IA5String, cbasn1.T61String, cbasn1.Tag(26) /* VisibleString */ :
			*out = append(*out, string(v))
		case cbasn1.Tag(30): // BMPString
			if len(v)%2 != 0 {
				return false
			}
			u := make([]uint16, len(v)/2)
			for i := range u {
				u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
			}
			*out = append(*out, string(utf16.Decode(u)))
		default:
			if tag&0x20 != 0 {
				if !dg13CollectStrings(v, out, depth+1) {
					return false
				}
			}
		}
	}
	return true
}
