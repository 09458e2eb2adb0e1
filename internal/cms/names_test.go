package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

type ava struct {
	oid []int
	tag cbasn1.Tag
	val []byte
}

// name builds a Name DER from RDNs of AVAs.
func name(rdns ...[]ava) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, rdn := range rdns {
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				for _, a := range rdn {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(a.oid)
						b.AddASN1(a.tag, func(b *cryptobyte.Builder) { b.AddBytes(a.val) })
					})
				}
			})
		}
	})
	return b.BytesOrPanic()
}

var (
	oidC  = []int{2, 5, 4, 6}
	oidO  = []int{2, 5, 4, 10}
	oidCN = []int{2, 5, 4, 3}
)

func ps(oid []int, s string) ava { return ava{oid, cbasn1.PrintableString, []byte(s)} }
func us(oid []int, s string) ava { return ava{oid, cbasn1.UTF8String, []byte(s)} }

func bmp(oid []int, s string) ava {
	var v []byte
	for _, r := range s {
		v = append(v, byte(r>>8), byte(r))
	}
	return ava{oid, cbasn1.Tag(30), v}
}

func TestNamesEqual(t *testing.T) {
	base := name([]ava{ps(oidC, "DE")}, []ava{us(oidO, "bund")}, []ava{us(oidCN, "csca-germany")})
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"identical", base, true},
		{"RDNs in another order", name([]ava{us(oidCN, "csca-germany")}, []ava{us(oidO, "bund")}, []ava{ps(oidC, "DE")}), true},
		{"PrintableString vs UTF8String", name([]ava{us(oidC, "DE")}, []ava{ps(oidO, "bund")}, []ava{ps(oidCN, "csca-germany")}), true},
		{"case", name([]ava{ps(oidC, "de")}, []ava{us(oidO, "BUND")}, []ava{us(oidCN, "CSCA-Germany")}), true},
		{"white space", name([]ava{ps(oidC, " DE")}, []ava{us(oidO, "bund  ")}, []ava{us(oidCN, "csca-germany")}), true},
		{"BMPString", name([]ava{ps(oidC, "DE")}, []ava{bmp(oidO, "bund")}, []ava{us(oidCN, "csca-germany")}), true},
		{"other value", name([]ava{ps(oidC, "DE")}, []ava{us(oidO, "bund")}, []ava{us(oidCN, "csca-germanx")}), false},
		{"inner space matters", name([]ava{ps(oidC, "DE")}, []ava{us(oidO, "bu nd")}, []ava{us(oidCN, "csca-germany")}), false},
		{"RDN missing", name([]ava{ps(oidC, "DE")}, []ava{us(oidO, "bund")}), false},
		{"RDN extra", name([]ava{ps(oidC, "DE")}, []ava{us(oidO, "bund")}, []ava{us(oidCN, "csca-germany")}, []ava{us(oidCN, "x")}), false},
		{"multi-valued RDN is not two RDNs", name([]ava{ps(oidC, "DE"), us(oidO, "bund")}, []ava{us(oidCN, "csca-germany")}), false},
		{"other attribute type", name([]ava{ps(oidC, "DE")}, []ava{us(oidCN, "bund")}, []ava{us(oidCN, "csca-germany")}), false},
		{"non-string value", name([]ava{ps(oidC, "DE")}, []ava{{oidO, cbasn1.OCTET_STRING, []byte("bund")}}, []ava{us(oidCN, "csca-germany")}), false},
		{"malformed", []byte{0x30, 0x03, 0x31, 0x01}, false},
		{"empty RDN", name([]ava{}), false},
	}
	for _, tt := range tests {
		if got := NamesEqual(base, tt.b); got != tt.want {
			t.Errorf("%s: NamesEqual = %v, want %v", tt.name, got, tt.want)
		}
		if got := NamesEqual(tt.b, base); got != tt.want {
			t.Errorf("%s (swapped): NamesEqual = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Multi-valued RDNs compare as sets.
	mv1 := name([]ava{ps(oidC, "DE"), us(oidO, "bund")})
	mv2 := name([]ava{us(oidO, "BUND"), ps(oidC, "de")})
	if !NamesEqual(mv1, mv2) {
		t.Error("multi-valued RDN in another order")
	}
	// Values cannot smuggle a separator to merge AVAs.
	smuggle := name([]ava{us(oidCN, "x"+"15:2.5.4.10=s:y")})
	if NamesEqual(smuggle, name([]ava{us(oidCN, "x"), us(oidO, "y")})) {
		t.Error("separator smuggled")
	}
}

func TestIdentifiesByNameSemantics(t *testing.T) {
	certIssuer := name([]ava{ps(oidC, "VN")}, []ava{us(oidO, "Bo Cong an")}, []ava{us(oidCN, "CSCA VN")})
	sodIssuer := name([]ava{us(oidCN, "CSCA VN")}, []ava{us(oidO, "BO CONG AN")}, []ava{ps(oidC, "VN")})
	si := &SignerInfo{Version: 1, Issuer: sodIssuer, SerialNumber: big.NewInt(7)}
	if !si.Identifies(certIssuer, big.NewInt(7), nil) {
		t.Error("RDNs in another order not matched")
	}
	if si.IdentifiesExactly(certIssuer, big.NewInt(7), nil) {
		t.Error("IdentifiesExactly matched different bytes")
	}
	if si.Identifies(certIssuer, big.NewInt(8), nil) {
		t.Error("other serial matched")
	}
	other := name([]ava{ps(oidC, "VN")}, []ava{us(oidCN, "CSCA VN")})
	if si.Identifies(other, big.NewInt(7), nil) {
		t.Error("other issuer matched")
	}
}

func TestContentKind(t *testing.T) {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tt := range []struct {
		ct   []int
		want ContentKind
	}{
		{OIDLDSSecurityObject, ContentLDSSecurityObject},
		{OIDData, ContentData},
		{[]int{2, 23, 136, 1, 1, 2}, ContentOther},
	} {
		b, err := Sign(SignOptions{ContentType: tt.ct, Content: []byte("x"), Certificate: []byte{0x30, 0}, Issuer: []byte{0x30, 0}, SerialNumber: big.NewInt(1), Signer: ek, Hash: crypto.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		sd, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if sd.Kind() != tt.want {
			t.Errorf("%v: kind %v, want %v", tt.ct, sd.Kind(), tt.want)
		}
		if c, ok := sd.SingleCertificate(); !ok || len(c) != 2 {
			t.Errorf("single certificate %x %v", c, ok)
		}
	}
}

func FuzzNamesEqual(f *testing.F) {
	f.Add(name([]ava{ps(oidC, "DE")}, []ava{us(oidO, "bund")}), name([]ava{us(oidO, "BUND")}, []ava{ps(oidC, "de")}))
	f.Add(name([]ava{bmp(oidCN, "x")}), []byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ab := NamesEqual(a, b)
		if ab != NamesEqual(b, a) {
			t.Fatal("not symmetric")
		}
		if !NamesEqual(a, a) {
			t.Fatal("not reflexive")
		}
	})
}
