package lds

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/pki"
)

func cccdDocument(t *testing.T, p Profile) *Document {
	t.Helper()
	return cccdDocumentWith(t, p, nil)
}

// cccdDocumentWith builds the test holder's document with edit applied to
// the spec first.
func cccdDocumentWith(t *testing.T, p Profile, edit func(*DocumentSpec)) *Document {
	t.Helper()
	h, errs, _ := citizen.NewHolder(citizen.Record{
		IDNumber: "001099012345", FullName: "Nguyễn Văn A", DateOfBirth: "1999-05-18", Sex: "Nam",
		PlaceOfResidence: "Hà Nội", DateOfIssue: "2021-07-10", OldIDNumber: "025123456",
		FatherName: "Nguyễn Văn B", MotherName: "Trần Thị C",
	})
	if !errs.OK() {
		t.Fatal(errs.Err())
	}
	pk, err := pki.NewTestPKI("ecdsa-p256", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	aa, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	img, err := NewFaceImage(ldsTestJPEG(t, 60, 80), 60, 80, 0)
	if err != nil {
		t.Fatal(err)
	}
	spec := DocumentSpec{Holder: h, Photo: img, AAPublicKey: &aa.PublicKey, CAPublicKey: &ca.PublicKey, Profile: p,
		Sign: SODSignOptions{Certificate: pk.DS, Signer: pk.DSKey}}
	if edit != nil {
		edit(&spec)
	}
	d, err := BuildDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCCCDLayout: a card of the cccd profile is laid out as real CCCDs
// are — the real EF.CardAccess byte for byte (TA, CA, PACE entries; our CA
// key is a 256-bit one, so AES-128 as on the real card), DG14 repeating
// its PACEInfo (the check gmrtd makes: "CardAccess SecurityInfos not
// present within DG14" must not happen), EF.COM listing DG3, a DG3 signed
// in EF.SOD, DG13 field 16 filled.
func TestCCCDLayout(t *testing.T) {
	real, err := os.ReadFile("../testdata/realworld/CCCD_EF.CardAccess.bin")
	if err != nil {
		t.Fatal(err)
	}
	d := cccdDocument(t, ProfileCCCD)
	if got := d.Files[FIDCardAccess]; !bytes.Equal(got, real) {
		t.Fatalf("EF.CardAccess\n got  %X\n real %X", got, real)
	}
	// gmrtd's check: every SecurityInfo of EF.CardAccess is in DG14,
	// and DG14's PACEInfo equals EF.CardAccess's.
	ca, err := ParseCardAccess(d.Files[FIDCardAccess])
	if err != nil {
		t.Fatal(err)
	}
	dg14, err := ParseDG14(d.Files[DGFileID(14)])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range ca.Infos {
		w, _ := want.Encode()
		found := false
		for _, got := range dg14.Infos {
			g, _ := got.Encode()
			found = found || bytes.Equal(g, w)
		}
		if !found {
			t.Errorf("DG14 lacks EF.CardAccess's %s (%s)", want.Kind, ProtocolName(want.Protocol))
		}
	}
	if len(dg14.Infos.Of(SecurityInfoChipAuthenticationPublicKey)) != 1 {
		t.Error("DG14 has no chip authentication key")
	}
	com, err := ParseCOM(d.Files[FIDCOM])
	if err != nil {
		t.Fatal(err)
	}
	if got := com.DataGroups(); !equalInts(got, []int{1, 2, 3, 13, 14, 15}) {
		t.Errorf("EF.COM lists %v, real cards list DG1, DG2, DG3, DG13, DG14, DG15", got)
	}
	sod, err := ParseSOD(d.Files[FIDSOD])
	if err != nil || sod.Object.Hash(3) == nil {
		t.Fatalf("DG3 not signed in EF.SOD: %v", err)
	}
	dg13, err := ParseDG13(d.Files[DGFileID(13)])
	if err != nil || len(dg13.Field16) != 16 || dg13.OldIDNumber != "025123456" {
		t.Fatalf("DG13 field 16 %q, field 15 %q, %v", dg13.Field16, dg13.OldIDNumber, err)
	}
	// Stable per card: the same record gives the same value.
	if again := cccdDocument(t, ProfileCCCD); !bytes.Equal(again.Files[DGFileID(13)], d.Files[DGFileID(13)]) {
		t.Error("DG13 differs between two builds of the same record")
	}

	// The icao profile: PACEInfo alone, no DG3, field 16 empty.
	i := cccdDocument(t, ProfileICAO)
	ica, _ := ParseCardAccess(i.Files[FIDCardAccess])
	if len(ica.Infos) != 1 || ica.Infos[0].Kind != SecurityInfoPACE {
		t.Errorf("icao EF.CardAccess %+v", ica.Infos)
	}
	if _, ok := i.Files[DGFileID(3)]; ok {
		t.Error("icao profile wrote DG3")
	}
	idg14, _ := ParseDG14(i.Files[DGFileID(14)])
	if len(idg14.Infos.Of(SecurityInfoTerminalAuthentication)) != 0 {
		t.Error("icao profile without fingerprints announces terminal authentication")
	}

	// An icao chip given fingerprints keeps them (and says in DG14 that
	// terminal authentication guards them): they are not dropped.
	f := cccdDocumentWith(t, ProfileICAO, func(s *DocumentSpec) { s.DG3 = emptyDG3 })
	if !bytes.Equal(f.Files[DGFileID(3)], emptyDG3) {
		t.Error("icao profile dropped the DG3 it was given")
	}
	fcom, _ := ParseCOM(f.Files[FIDCOM])
	if got := fcom.DataGroups(); !equalInts(got, []int{1, 2, 3, 13, 14, 15}) {
		t.Errorf("EF.COM of the icao chip with DG3 lists %v", got)
	}
	fdg14, _ := ParseDG14(f.Files[DGFileID(14)])
	if len(fdg14.Infos.Of(SecurityInfoTerminalAuthentication)) != 1 {
		t.Error("icao chip with DG3: DG14 has no TerminalAuthenticationInfo")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDG13ByteArrayReaders: Vietnamese apps read DG13 as a byte array,
// walking field after field up to len-5; every field must be a complete
// TLV and nothing may trail after the last (field 16 today). This walker
// does it their way and must find all 16 fields with their values.
func TestDG13ByteArrayReaders(t *testing.T) {
	d := cccdDocument(t, ProfileCCCD)
	b := d.Files[DGFileID(13)]
	// 6D L 30 L 02 01 01 06 06 … 31 L then the fields.
	i := 0
	readLen := func() int {
		l := int(b[i])
		i++
		if l&0x80 != 0 {
			n := l & 0x7F
			l = 0
			for k := 0; k < n; k++ {
				l = l<<8 | int(b[i])
				i++
			}
		}
		return l
	}
	if b[i] != 0x6D {
		t.Fatal("not DG13")
	}
	i++
	total := readLen() + i
	if total != len(b) {
		t.Fatalf("DG13 length %d, file %d", total, len(b))
	}
	i++ // 30
	readLen()
	i += 3 + 8 // version and OID
	if b[i] != 0x31 {
		t.Fatalf("no SET at %d", i)
	}
	i++
	readLen()
	seen := map[int][]byte{}
	for i < len(b)-5 {
		if b[i] != 0x30 {
			t.Fatalf("field at %d does not start with 30", i)
		}
		i++
		l := readLen()
		end := i + l
		if end > len(b) {
			t.Fatalf("field at %d runs past the end", i)
		}
		if b[i] != 0x02 || b[i+1] != 0x01 {
			t.Fatalf("field at %d has no number", i)
		}
		n := int(b[i+2])
		seen[n] = b[i+3 : end]
		i = end
	}
	if i != len(b) {
		t.Fatalf("%d bytes trail after the last field", len(b)-i)
	}
	for n := 1; n <= 16; n++ {
		if _, ok := seen[n]; !ok && n != 10 && n != 14 {
			t.Errorf("field %d not found by a byte-array reader", n)
		}
	}
	if v := seen[16]; len(v) != 2+16 || v[0] != 0x13 || v[1] != 16 {
		t.Errorf("field 16 is %X, want a 16-character PrintableString", v)
	}
}
