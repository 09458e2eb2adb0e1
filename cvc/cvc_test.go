package cvc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/brainpool"
)

// fullCertificate is a certificate using every field, extensions included.
func fullCertificate(t *testing.T, curve elliptic.Curve) (*Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	alg := ECDSAAlgorithmFor(curve.Params().BitSize)
	pk, err := NewPublicKey(alg, &key.PublicKey, true)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &Certificate{
		CAR: "VNCVCA00001", CHR: "VNCVCA00001", PublicKey: *pk,
		CHAT:          InspectionSystemCHAT(RoleCVCA, ReadDG3|ReadDG4),
		EffectiveDate: date(2026, 1, 31), ExpirationDate: date(2099, 12, 31),
		Extensions: []Extension{
			{OID: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 1, 3, 1, 1}, Data: mustHex("8020" + strings.Repeat("AB", 32))},
			{OID: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 1, 3, 2}, Data: []byte{}},
		},
	}
	c, err := CreateCertificate(rand.Reader, tmpl, key, alg)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestCertificateRoundTrip(t *testing.T) {
	for _, curve := range []elliptic.Curve{brainpool.P256r1(), brainpool.P384r1(), brainpool.P512r1(), elliptic.P224(), elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			c, key := fullCertificate(t, curve)
			if err := c.CheckSignature(&c.PublicKey, nil); err != nil {
				t.Fatal(err)
			}
			enc, err := c.Encode()
			if err != nil || !bytes.Equal(enc, c.Raw) {
				t.Fatalf("encode: %v", err)
			}
			p, err := ParseCertificate(enc)
			if err != nil {
				t.Fatal(err)
			}
			if p.CAR != c.CAR || p.CHR != c.CHR || !p.CHAT.Equal(c.CHAT) || !p.EffectiveDate.Equal(date(2026, 1, 31)) ||
				!p.ExpirationDate.Equal(date(2099, 12, 31)) || len(p.Extensions) != 2 || !p.Extensions[0].OID.Equal(c.Extensions[0].OID) ||
				!bytes.Equal(p.Extensions[0].Data, c.Extensions[0].Data) || len(p.Extensions[1].Data) != 0 || !bytes.Equal(p.Signature, c.Signature) ||
				!p.PublicKey.Params.Equal(c.PublicKey.Params) || !bytes.Equal(p.PublicKey.Point, c.PublicKey.Point) || p.ProfileID != ProfileVersion1 {
				t.Errorf("fields differ after the round trip:\n%s\n%s", c, p)
			}
			got, err := p.PublicKey.CryptoPublicKey(nil)
			if err != nil || !got.(*ecdsa.PublicKey).Equal(&key.PublicKey) {
				t.Errorf("public key: %v", err)
			}
			if curve, _ := p.PublicKey.Params.Curve(); curve.Params().Name != key.Curve.Params().Name {
				t.Errorf("curve %s", curve.Params().Name)
			}
			// The domain parameters without the cofactor still name the curve (TR-03110 part 3 §D.3.3).
			noF := *p.PublicKey.Params
			noF.Cofactor = nil
			if c2, err := noF.Curve(); err != nil || c2.Params().Name != curve.Params().Name {
				t.Errorf("without cofactor: %v", err)
			}
		})
	}
}

// Each field changed alone changes the encoding and survives a round trip.
func TestCertificateFields(t *testing.T) {
	base, _ := fullCertificate(t, elliptic.P256())
	mods := map[string]func(c *Certificate){
		"CAR":        func(c *Certificate) { c.CAR = "DECVCA00007" },
		"CHR":        func(c *Certificate) { c.CHR = "VNISLONGNAME0001" }, // 16 characters
		"CHAT type":  func(c *Certificate) { c.CHAT = CHAT{Type: OIDSignatureTerminal, Authorization: []byte{0x03}} },
		"CHAT bits":  func(c *Certificate) { c.CHAT = InspectionSystemCHAT(RoleDVForeign, ReadDG4) },
		"effective":  func(c *Certificate) { c.EffectiveDate = date(2000, 2, 29) },
		"expiration": func(c *Certificate) { c.ExpirationDate = date(2031, 7, 9) },
		"no params":  func(c *Certificate) { c.PublicKey.Params = nil },
		"no f":       func(c *Certificate) { p := *c.PublicKey.Params; p.Cofactor = nil; c.PublicKey.Params = &p },
		"algorithm":  func(c *Certificate) { c.PublicKey.Algorithm = ECDSASHA512 },
		"no ext":     func(c *Certificate) { c.Extensions = nil },
		"empty ext":  func(c *Certificate) { c.Extensions = []Extension{} },
		"signature":  func(c *Certificate) { c.Signature = bytes.Repeat([]byte{7}, 300) },
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			c := *base
			mod(&c)
			enc, err := c.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(enc, base.Raw) {
				t.Fatal("encoding unchanged")
			}
			p, err := ParseCertificate(enc)
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := p.Encode(); !bytes.Equal(again, enc) {
				t.Fatal("second round trip differs")
			}
			if p.CAR != c.CAR || p.CHR != c.CHR || !p.CHAT.Equal(c.CHAT) || !p.EffectiveDate.Equal(c.EffectiveDate) ||
				!p.ExpirationDate.Equal(c.ExpirationDate) || (p.Extensions == nil) != (c.Extensions == nil) ||
				p.PublicKey.Algorithm != c.PublicKey.Algorithm || (p.PublicKey.Params == nil) != (c.PublicKey.Params == nil) {
				t.Errorf("parsed %s", p)
			}
		})
	}
}

func TestRSAKeys(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []Algorithm{RSAv15SHA1, RSAv15SHA256, RSAv15SHA512, RSAPSSSHA1, RSAPSSSHA256, RSAPSSSHA512} {
		t.Run(alg.String(), func(t *testing.T) {
			pk, err := NewPublicKey(alg, &key.PublicKey, true)
			if err != nil {
				t.Fatal(err)
			}
			c, err := CreateCertificate(rand.Reader, &Certificate{CAR: "XXCVCA00001", CHR: "XXCVCA00001", PublicKey: *pk,
				CHAT: InspectionSystemCHAT(RoleCVCA, ReadDG3), EffectiveDate: date(2026, 1, 1), ExpirationDate: date(2027, 1, 1)}, key, alg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.PublicKey.Exponent, []byte{1, 0, 1}) || len(c.PublicKey.Modulus) != 256 {
				t.Errorf("key %X", c.PublicKey.Exponent)
			}
			if err := c.CheckSignature(&c.PublicKey, nil); err != nil {
				t.Error(err)
			}
			got, err := c.PublicKey.CryptoPublicKey(nil)
			if err != nil || !got.(*rsa.PublicKey).Equal(&key.PublicKey) {
				t.Errorf("key: %v", err)
			}
			if !strings.Contains(c.String(), "2048-bit modulus") {
				t.Errorf("description %s", c)
			}
		})
	}
	if _, err := NewPublicKey(ECDSASHA256, &key.PublicKey, false); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ECDSA algorithm with an RSA key: %v", err)
	}
}

func TestAlgorithms(t *testing.T) {
	for a := RSAv15SHA1; a <= ECDSASHA512; a++ {
		if AlgorithmFromOID(a.OID()) != a || a.Hash() == 0 || a.IsRSA() == a.IsECDSA() {
			t.Errorf("%s: OID %s", a, a.OID())
		}
	}
	if s := ECDSASHA256.OID().String(); s != "0.4.0.127.0.7.2.2.2.2.3" {
		t.Errorf("id-TA-ECDSA-SHA-256 = %s", s)
	}
	if s := RSAPSSSHA512.OID().String(); s != "0.4.0.127.0.7.2.2.2.1.6" {
		t.Errorf("id-TA-RSA-PSS-SHA-512 = %s", s)
	}
	for _, oid := range []asn1.ObjectIdentifier{nil, {0, 4, 0, 127, 0, 7, 2, 2, 2, 2, 6}, {0, 4, 0, 127, 0, 7, 2, 2, 2, 3, 1}, {1, 2, 3}} {
		if a := AlgorithmFromOID(oid); a != AlgorithmUnknown {
			t.Errorf("%s is %s", oid, a)
		}
	}
	if AlgorithmUnknown.OID() != nil || AlgorithmUnknown.IsECDSA() || Algorithm(200).String() != "Algorithm(200)" {
		t.Error("unknown algorithm")
	}
	for bits, want := range map[int]Algorithm{224: ECDSASHA224, 256: ECDSASHA256, 384: ECDSASHA384, 512: ECDSASHA512, 521: ECDSASHA512} {
		if got := ECDSAAlgorithmFor(bits); got != want {
			t.Errorf("%d bits: %s", bits, got)
		}
	}
}

func TestReferences(t *testing.T) {
	r, err := NewReference("VN", "CCCDDV", "00A01")
	if err != nil || r != "VNCCCDDV00A01" || r.Country() != "VN" || r.Mnemonic() != "CCCDDV" || r.Sequence() != "00A01" {
		t.Errorf("%q %v", r, err)
	}
	for _, bad := range [][3]string{{"vn", "X", "00001"}, {"VNM", "X", "00001"}, {"VN", "", "00001"}, {"VN", "TENLETTERS", "00001"},
		{"VN", "X", "0001"}, {"VN", "X", "0000a"}, {"VN", "X\x01", "00001"}} {
		if _, err := NewReference(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if Reference("DE\xe4\xf6\xfc00001").String() != "DEäöü00001" {
		t.Error("ISO 8859-1 to UTF-8")
	}
	if Reference("SHORT").Country() != "" {
		t.Error("parts of a short reference")
	}
}

func TestCHAT(t *testing.T) {
	c := InspectionSystemCHAT(RoleCVCA, ReadDG3|ReadDG4)
	if !bytes.Equal(c.Authorization, []byte{0xC3}) || c.Role() != RoleCVCA || c.Rights() != ReadDG3|ReadDG4 {
		t.Errorf("%s", c)
	}
	for role, b := range map[Role]byte{RoleDVDomestic: 0x80, RoleDVForeign: 0x40, RoleTerminal: 0x00} {
		if got := InspectionSystemCHAT(role, 0); got.Authorization[0] != b || got.Role() != role {
			t.Errorf("%s: %X", role, got.Authorization)
		}
	}
	and, ok := c.Intersect(InspectionSystemCHAT(RoleTerminal, ReadDG4|0x20))
	if !ok || and.Authorization[0] != 0x02 || and.Role() != RoleTerminal {
		t.Errorf("intersection %X", and.Authorization)
	}
	if _, ok := c.Intersect(CHAT{Type: OIDAuthenticationTerminal, Authorization: []byte{0xC3}}); ok {
		t.Error("intersection across terminal types")
	}
	if (CHAT{Type: OIDAuthenticationTerminal, Authorization: []byte{3}}).Rights() != 0 {
		t.Error("id-IS rights of an id-AT template")
	}
	if s := (ReadDG3 | 0x08).String(); s != "read DG3 (fingerprint), RFU bit 08" || AccessRights(0).String() != "none" {
		t.Errorf("rights %q", s)
	}
}

func TestDates(t *testing.T) {
	good := map[string]time.Time{"000101": date(2000, 1, 1), "991231": date(2099, 12, 31), "240229": date(2024, 2, 29)}
	for digits, want := range good {
		v := make([]byte, 6)
		for i := range v {
			v[i] = digits[i] - '0'
		}
		got, err := parseDate("d", v)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %s %v", digits, got, err)
		}
		if enc, ok := encodeDate(got); !ok || !bytes.Equal(enc, v) {
			t.Errorf("%s encodes as %X", digits, enc)
		}
	}
	for _, bad := range [][]byte{{2, 5, 0, 2, 2, 9}, {2, 6, 1, 3, 0, 1}, {2, 6, 0, 0, 0, 1}, {2, 6, 0, 1, 0, 0}, {2, 6, 0, 4, 3, 1},
		{0x02, 0x06, 0x00, 0x01, 0x00, 0x0A}, {2, 6, 0, 1, 0}, {2, 6, 0, 1, 0, 1, 0}} {
		if _, err := parseDate("d", bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("% X accepted", bad)
		}
	}
	for _, out := range []time.Time{date(1999, 12, 31), date(2100, 1, 1)} {
		if _, ok := encodeDate(out); ok {
			t.Errorf("%s encoded", out)
		}
	}
	if !Day(time.Date(2026, 3, 14, 23, 59, 0, 0, time.FixedZone("ICT", 7*3600))).Equal(date(2026, 3, 14)) {
		t.Error("Day keeps the calendar day of its location")
	}
}

// replaceTLV re-encodes raw with the first data object of tag inside
// body replaced by value.
func rebuild(t *testing.T, c *Certificate, mod func(*apdu.TLVBuilder) bool) []byte {
	t.Helper()
	var b apdu.TLVBuilder
	b.AddTLV(tagCertificate, func(b *apdu.TLVBuilder) {
		if mod(b) {
			b.AddTLVBytes(tagSignature, c.Signature)
		}
	})
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseCertificateErrors(t *testing.T) {
	c, _ := fullCertificate(t, elliptic.P256())
	raw := c.Raw
	body := func(f func(b *apdu.TLVBuilder)) []byte {
		return rebuild(t, c, func(b *apdu.TLVBuilder) bool { b.AddTLV(tagBody, f); return true })
	}
	key, _ := c.PublicKey.Encode()
	chat := func(b *apdu.TLVBuilder) { addCHAT(b, c.CHAT) }
	dates := func(b *apdu.TLVBuilder) {
		b.AddTLVBytes(tagEffective, []byte{2, 6, 0, 1, 3, 1})
		b.AddTLVBytes(tagExpiration, []byte{2, 7, 0, 1, 3, 1})
	}
	prefix := func(b *apdu.TLVBuilder) {
		b.AddTLVBytes(tagProfile, []byte{0})
		b.AddTLVBytes(tagCAR, []byte("VNCVCA00001"))
		b.AddBytes(key)
		b.AddTLVBytes(tagCHR, []byte("VNCVCA00001"))
	}
	nonMinimal := append([]byte{0x7F, 0x21, 0x83, 0x00}, raw[3:]...) // 82 xx xx written as 83 00 xx xx
	cases := map[string][]byte{
		"empty":        nil,
		"truncated":    raw[:len(raw)-1],
		"trailing":     append(append([]byte(nil), raw...), 0),
		"other tag":    apdu.EncodeTLV(0x7F4E, raw),
		"non-minimal":  nonMinimal,
		"no signature": rebuild(t, c, func(b *apdu.TLVBuilder) bool { b.AddBytes(c.RawBody); return false }),
		"empty sig":    rebuild(t, c, func(b *apdu.TLVBuilder) bool { b.AddBytes(c.RawBody); b.AddTLVBytes(tagSignature, nil); return false }),
		"extra in 7F21": rebuild(t, c, func(b *apdu.TLVBuilder) bool {
			b.AddBytes(c.RawBody)
			b.AddTLVBytes(tagSignature, c.Signature)
			b.AddTLVBytes(0x53, nil)
			return false
		}),
		"no body":       rebuild(t, c, func(b *apdu.TLVBuilder) bool { return true }),
		"profile 1":     body(func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagProfile, []byte{1}) }),
		"profile 2 oct": body(func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagProfile, []byte{0, 0}) }),
		"no CAR":        body(func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagProfile, []byte{0}); b.AddBytes(key) }),
		"empty CAR":     body(func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagProfile, []byte{0}); b.AddTLVBytes(tagCAR, nil) }),
		"long CAR": body(func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagProfile, []byte{0})
			b.AddTLVBytes(tagCAR, []byte("VNCVCA0000100000X"))
		}),
		"control in CAR": body(func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagProfile, []byte{0})
			b.AddTLVBytes(tagCAR, []byte("VN\x85CVCA00001"))
		}),
		"no CHAT":    body(func(b *apdu.TLVBuilder) { prefix(b); dates(b) }),
		"empty CHAT": body(func(b *apdu.TLVBuilder) { prefix(b); b.AddTLVBytes(tagCHAT, nil); dates(b) }),
		"CHAT no 53": body(func(b *apdu.TLVBuilder) {
			prefix(b)
			b.AddTLV(tagCHAT, func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagOID, mustHex("04007F000703010201")) })
			dates(b)
		}),
		"CHAT empty 53": body(func(b *apdu.TLVBuilder) {
			prefix(b)
			b.AddTLV(tagCHAT, func(b *apdu.TLVBuilder) {
				b.AddTLVBytes(tagOID, mustHex("04007F000703010201"))
				b.AddTLVBytes(tagDiscretionary, nil)
			})
			dates(b)
		}),
		"CHAT bad OID": body(func(b *apdu.TLVBuilder) {
			prefix(b)
			b.AddTLV(tagCHAT, func(b *apdu.TLVBuilder) {
				b.AddTLVBytes(tagOID, []byte{0x80})
				b.AddTLVBytes(tagDiscretionary, []byte{0})
			})
			dates(b)
		}),
		"no dates":   body(func(b *apdu.TLVBuilder) { prefix(b); chat(b) }),
		"bad date":   body(func(b *apdu.TLVBuilder) { prefix(b); chat(b); b.AddTLVBytes(tagEffective, []byte{2, 6, 1, 3, 0, 1}) }),
		"dates swap": body(func(b *apdu.TLVBuilder) { prefix(b); chat(b); b.AddTLVBytes(tagExpiration, []byte{2, 6, 0, 1, 0, 1}) }),
		"extra":      body(func(b *apdu.TLVBuilder) { prefix(b); chat(b); dates(b); b.AddTLVBytes(0x5F38, nil) }),
		"bad ext": body(func(b *apdu.TLVBuilder) {
			prefix(b)
			chat(b)
			dates(b)
			b.AddTLVBytes(tagExtensions, []byte{0x73, 0x00})
		}),
		"ext junk": body(func(b *apdu.TLVBuilder) {
			prefix(b)
			chat(b)
			dates(b)
			b.AddTLV(tagExtensions, func(b *apdu.TLVBuilder) {
				b.AddTLV(tagTemplate, func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagOID, []byte{0x2B}); b.AddBytes([]byte{0x80, 0x05, 1}) })
			})
		}),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseCertificate(b)
			var pe *ParseError
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &pe) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	c, _ := fullCertificate(t, elliptic.P256())
	d := c.PublicKey.Params
	oid := mustHex("04007F00070202020203")
	keys := map[string]func(b *apdu.TLVBuilder){
		"no OID": func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagKey6, c.PublicKey.Point) },
		"unknown": func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagOID, mustHex("04007F00070202030203"))
			b.AddTLVBytes(tagKey6, c.PublicKey.Point)
		},
		"no point": func(b *apdu.TLVBuilder) { b.AddTLVBytes(tagOID, oid) },
		"compressed": func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagOID, oid)
			b.AddTLVBytes(tagKey6, append([]byte{2}, c.PublicKey.Point[1:33]...))
		},
		"f alone": func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagOID, oid)
			b.AddTLVBytes(tagKey6, c.PublicKey.Point)
			b.AddTLVBytes(tagKey7, []byte{1})
		},
		"partial params": func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagOID, oid)
			b.AddTLVBytes(tagKey1, d.Prime)
			b.AddTLVBytes(tagKey2, d.A)
			b.AddTLVBytes(tagKey6, c.PublicKey.Point)
		},
		"empty prime": func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagOID, oid)
			for i, v := range [][]byte{nil, d.A, d.B, d.Generator, d.Order, c.PublicKey.Point} {
				b.AddTLVBytes(tagKey1+apdu.Tag(i), v)
			}
		},
		"extra": func(b *apdu.TLVBuilder) {
			b.AddTLVBytes(tagOID, oid)
			b.AddTLVBytes(tagKey6, c.PublicKey.Point)
			b.AddTLVBytes(0x88, nil)
		},
		"RSA no e": func(b *apdu.TLVBuilder) {
			oidRSA, _ := encodeOID(RSAv15SHA256.OID())
			b.AddTLVBytes(tagOID, oidRSA)
			b.AddTLVBytes(tagKey1, []byte{0xC5})
		},
	}
	for name, f := range keys {
		t.Run(name, func(t *testing.T) {
			var b apdu.TLVBuilder
			b.AddTLV(tagPublicKey, f)
			enc, err := b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			r := apdu.TLVReader(enc)
			if _, err := readPublicKey(&r); !errors.Is(err, ErrMalformed) {
				t.Fatalf("accepted: %v", err)
			}
		})
	}
}

func TestCryptoPublicKeyErrors(t *testing.T) {
	c, _ := fullCertificate(t, brainpool.P256r1())
	k := c.PublicKey
	off := append([]byte(nil), k.Point...)
	off[len(off)-1] ^= 1
	if _, err := (&PublicKey{Algorithm: k.Algorithm, Params: k.Params, Point: off}).CryptoPublicKey(nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("point off the curve: %v", err)
	}
	p := *k.Params
	p.B = []byte{7}
	if _, err := (&PublicKey{Algorithm: k.Algorithm, Params: &p, Point: k.Point}).CryptoPublicKey(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("unknown curve: %v", err)
	}
	p = *k.Params
	p.Cofactor = []byte{4}
	if _, err := p.Curve(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("cofactor 4: %v", err)
	}
	// Leading zeros are tolerated in values (compared by value).
	p = *k.Params
	p.Order = append([]byte{0, 0}, p.Order...)
	if curve, err := p.Curve(); err != nil || curve != brainpool.P256r1() {
		t.Errorf("leading zeros: %v", err)
	}
	for _, e := range [][]byte{{1}, {2}, {0x01, 0, 0, 0, 0, 1}} {
		rk := &PublicKey{Algorithm: RSAv15SHA256, Modulus: bytes.Repeat([]byte{0xC5}, 256), Exponent: e}
		if _, err := rk.CryptoPublicKey(nil); !errors.Is(err, ErrUnsupported) {
			t.Errorf("exponent %X: %v", e, err)
		}
	}
	if _, err := (&PublicKey{}).CryptoPublicKey(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no algorithm: %v", err)
	}
	if _, err := DomainParamsFor(fakeCurve{elliptic.P256().Params()}); err != nil {
		t.Errorf("a curve named P-256: %v", err)
	}
	params := *elliptic.P256().Params()
	params.Name = "other"
	if _, err := DomainParamsFor(fakeCurve{&params}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("an unknown curve: %v", err)
	}
}

type fakeCurve struct{ *elliptic.CurveParams }

func TestEncodeErrors(t *testing.T) {
	c, key := fullCertificate(t, elliptic.P256())
	mods := map[string]func(c *Certificate){
		"date 2100":   func(c *Certificate) { c.ExpirationDate = date(2100, 1, 1) },
		"date 1999":   func(c *Certificate) { c.EffectiveDate = date(1999, 12, 31) },
		"CHR 17":      func(c *Certificate) { c.CHR = "VNISVERYLONGNAME1" },
		"empty CAR":   func(c *Certificate) { c.CAR = "" },
		"CHAT empty":  func(c *Certificate) { c.CHAT.Authorization = nil },
		"CHAT no OID": func(c *Certificate) { c.CHAT.Type = nil },
		"ext no OID":  func(c *Certificate) { c.Extensions = []Extension{{}} },
		"algorithm":   func(c *Certificate) { c.PublicKey.Algorithm = AlgorithmUnknown },
		"no sig":      func(c *Certificate) { c.Signature = nil },
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			m := *c
			mod(&m)
			if _, err := m.Encode(); err == nil {
				t.Fatal("encoded")
			}
			if name != "no sig" {
				if _, err := CreateCertificate(rand.Reader, &m, key, ECDSASHA256); err == nil {
					t.Fatal("created")
				}
			}
		})
	}
	if _, err := CreateCertificate(rand.Reader, c, key, RSAv15SHA256); !errors.Is(err, ErrUnsupported) {
		t.Errorf("RSA algorithm with an EC key: %v", err)
	}
}

func TestPlainSignatures(t *testing.T) {
	for _, n := range []int{28, 32, 66} {
		r := new(big.Int).SetBytes(bytes.Repeat([]byte{0x01}, n-3)) // short: padded to n
		s := new(big.Int).SetBytes(bytes.Repeat([]byte{0xFF}, n))   // high bit: a 00 in DER
		der, _ := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		plain, err := PlainFromASN1(der, n)
		if err != nil || len(plain) != 2*n || new(big.Int).SetBytes(plain[:n]).Cmp(r) != 0 || new(big.Int).SetBytes(plain[n:]).Cmp(s) != 0 {
			t.Fatalf("%d: %X %v", n, plain, err)
		}
		back, err := ASN1FromPlain(plain)
		if err != nil || !bytes.Equal(back, der) {
			t.Errorf("%d: back %X", n, back)
		}
		if _, err := PlainFromASN1(der, n-1); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%d: an s longer than the order fits", n)
		}
	}
	for _, bad := range [][]byte{nil, {0x30, 0}, mustHex("3006020100020101"), mustHex("300602010102010100")} {
		if _, err := PlainFromASN1(bad, 32); !errors.Is(err, ErrBadSignature) {
			t.Errorf("% X: %v", bad, err)
		}
	}
	if _, err := ASN1FromPlain([]byte{1, 2, 3}); !errors.Is(err, ErrBadSignature) {
		t.Error("odd length")
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := Verify(&key.PublicKey, ECDSASHA256, []byte("m"), make([]byte, 63)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("short signature: %v", err)
	}
	if err := Verify(&key.PublicKey, RSAPSSSHA256, []byte("m"), make([]byte, 64)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("RSA algorithm with an EC key: %v", err)
	}
	if err := Verify("key", ECDSASHA256, nil, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no key: %v", err)
	}
	if _, err := Sign(rand.Reader, key, AlgorithmUnknown, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no algorithm: %v", err)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		alg := ECDSAAlgorithmFor(curve.Params().BitSize)
		key, _ := ecdsa.GenerateKey(curve, rand.Reader)
		pk, _ := NewPublicKey(alg, &key.PublicKey, true)
		for _, car := range []Reference{"", "VNCVCA00001"} {
			req, err := CreateRequest(rand.Reader, &Request{CAR: car, CHR: "VNDV00002", PublicKey: *pk,
				Extensions: []Extension{{OID: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 1, 3, 2}, Data: mustHex("800101")}}}, key)
			if err != nil {
				t.Fatal(err)
			}
			if req.CAR != car || req.Authenticated() || len(req.Extensions) != 1 {
				t.Errorf("request %s", req)
			}
			if err := req.CheckInnerSignature(); err != nil {
				t.Error(err)
			}
			// Authenticated with the previous DV key.
			oldKey, _ := ecdsa.GenerateKey(curve, rand.Reader)
			oldPK, _ := NewPublicKey(alg, &oldKey.PublicKey, false)
			params, _ := DomainParamsFor(curve)
			auth, err := req.Authenticate(rand.Reader, "VNDV00001", oldKey, alg)
			if err != nil {
				t.Fatal(err)
			}
			if !auth.Authenticated() || auth.OuterCAR != "VNDV00001" || !bytes.Equal(auth.RawCertificate, req.Raw) {
				t.Errorf("authenticated %s", auth)
			}
			if err := auth.CheckOuterSignature(oldPK, params); err != nil {
				t.Error(err)
			}
			if err := auth.CheckInnerSignature(); err != nil {
				t.Error(err)
			}
			if err := req.CheckOuterSignature(oldPK, params); !errors.Is(err, ErrBadSignature) {
				t.Errorf("outer signature of an unauthenticated request: %v", err)
			}
			p, err := ParseRequest(auth.Raw)
			if err != nil {
				t.Fatal(err)
			}
			if enc, _ := p.Encode(); !bytes.Equal(enc, auth.Raw) || p.OuterCAR != "VNDV00001" || p.CHR != "VNDV00002" {
				t.Error("round trip")
			}
			if !strings.Contains(auth.String(), "outer signature: by VNDV00001") {
				t.Errorf("description %s", auth)
			}
		}
		// The signer must hold the request's key.
		other, _ := ecdsa.GenerateKey(curve, rand.Reader)
		if _, err := CreateRequest(rand.Reader, &Request{CHR: "VNDV00002", PublicKey: *pk}, other); !errors.Is(err, ErrBadSignature) {
			t.Errorf("foreign signer: %v", err)
		}
	})
}

func TestParseRequestErrors(t *testing.T) {
	r, err := ParseRequest(mustHex(vecPicoRequest))
	if err != nil {
		t.Fatal(err)
	}
	inner := r.RawCertificate
	auth := func(parts ...[]byte) []byte { return apdu.EncodeTLV(tagAuthentication, bytes.Join(parts, nil)) }
	outerCAR := apdu.EncodeTLV(tagCAR, []byte(r.OuterCAR))
	outerSig := apdu.EncodeTLV(tagSignature, r.OuterSignature)
	cases := map[string][]byte{
		"empty":            nil,
		"certificate":      mustHex(vecPersoSimCVCAIS), // has a CHAT: not a request
		"other tag":        apdu.EncodeTLV(0x7F4E, inner),
		"trailing":         append(append([]byte(nil), inner...), 0x00),
		"67 empty":         auth(),
		"67 no outer CAR":  auth(inner, outerSig),
		"67 no outer sig":  auth(inner, outerCAR),
		"67 extra":         auth(inner, outerCAR, outerSig, outerSig),
		"67 empty sig":     auth(inner, outerCAR, apdu.EncodeTLV(tagSignature, nil)),
		"truncated 7F21":   inner[:len(inner)-2],
		"truncated 67":     mustHex(vecPicoRequest)[:100],
		"67 truncated tag": []byte{0x67},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseRequest(b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v", err)
			}
		})
	}
}
