package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNormalizeBER(t *testing.T) {
	tests := []struct{ in, want string }{
		{"300302 0105", "3003020105"},                              // DER unchanged
		{"3080 020105 0000", "3003020105"},                         // indefinite length
		{"2480 0402AABB 0401CC 0000", "0403AABBCC"},                // constructed OCTET STRING
		{"0481 02AABB", "0402AABB"},                                // non-minimal length
		{"3080 A080 2480 0401AA 0000 0000 0000", "3005A0030401AA"}, // nested
		{"3080 3080 0000 0500 0000", "30043000" + "0500"},          // empty inner
	}
	for _, tt := range tests {
		got, err := NormalizeBER(unhex(t, tt.in))
		if err != nil || !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("NormalizeBER(%s) = %X, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	deep := bytes.Repeat([]byte{0x30, 0x80}, 100)
	for _, bad := range []string{"", "30", "3005020105", "0480", "3080020105", "2480 0201AA 0000", "30030201050000", hex.EncodeToString(deep)} {
		if _, err := NormalizeBER(unhex(t, bad)); err == nil {
			t.Errorf("NormalizeBER(%s) accepted", bad)
		}
	}
}

func TestPSSParams(t *testing.T) {
	a, err := SignatureAlgorithm(&rsa.PublicKey{}, crypto.SHA384, PSS)
	if err != nil {
		t.Fatal(err)
	}
	h, salt, err := pssParams(a.Parameters)
	if err != nil || h != crypto.SHA384 || salt != 48 {
		t.Fatalf("%v %d %v", h, salt, err)
	}
	// Structure: [0] sha384, [1] mgf1(sha384), [2] 48; trailer left at its
	// DER default 1.
	if got := hex.EncodeToString(a.Parameters); !strings.Contains(got, "a20302013") || strings.Contains(got, "a303") {
		t.Errorf("params %s", got)
	}
	if h, salt, err := pssParams([]byte{0x30, 0x00}); err != nil || h != crypto.SHA1 || salt != 20 {
		t.Errorf("defaults: %v %d %v", h, salt, err)
	}
	// MGF1 with another hash than the message hash is refused.
	mixed := unhex(t, "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020120")
	var ua *UnsupportedAlgorithmError
	if _, _, err := pssParams(mixed); !errors.As(err, &ua) {
		t.Errorf("mixed hashes: %v", err)
	}
}

func TestSignParseVerify(t *testing.T) {
	keys := []crypto.Signer{}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	keys = append(keys, ek, rk)
	for _, k := range keys {
		for _, scheme := range []Scheme{PKCS1v15, PSS} {
			for _, skid := range []bool{false, true} {
				issuer := unhex(t, "300f310d300b06035504030c0454455354")
				ct := asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
				b, err := Sign(SignOptions{ContentType: ct, Content: []byte("hello"), Certificate: unhex(t, "3000"),
					Issuer: issuer, SerialNumber: big.NewInt(0x1267), SubjectKeyID: []byte{1, 2, 3}, UseSubjectKeyID: skid,
					Signer: k, Hash: crypto.SHA256, Scheme: scheme, SigningTime: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
					ExtraCertificates: [][]byte{unhex(t, "3003020101")}})
				if err != nil {
					t.Fatal(err)
				}
				sd, err := Parse(b)
				if err != nil {
					t.Fatal(err)
				}
				si := &sd.SignerInfos[0]
				if !sd.ContentType.Equal(ct) || string(sd.Content) != "hello" || len(sd.Certificates) != 2 {
					t.Fatalf("%+v", sd)
				}
				if skid != (si.Version == 3) || !si.Identifies(issuer, big.NewInt(0x1267), []byte{1, 2, 3}) || si.Identifies(issuer, big.NewInt(1), []byte{9}) {
					t.Errorf("signer identifier v%d", si.Version)
				}
				if err := si.VerifySignature(k.Public(), sd.Content); err != nil {
					t.Fatal(err)
				}
				if tm, ok := si.SigningTime(); !ok || tm.Year() != 2030 {
					t.Errorf("signing time %v", tm)
				}
				if c, err := si.ContentTypeAttr(); err != nil || !c.Equal(ct) {
					t.Errorf("content type %v %v", c, err)
				}
				other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				if err := si.VerifySignature(other.Public(), sd.Content); !errors.Is(err, ErrSignature) {
					t.Errorf("other key: %v", err)
				}
			}
		}
	}
	if _, err := Sign(SignOptions{Signer: ek, Hash: crypto.MD5}); err == nil {
		t.Error("MD5 accepted")
	}
}

func TestLegacySignatureOIDs(t *testing.T) {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	msg := []byte("signed attributes")
	d := crypto.SHA256.New()
	d.Write(msg)
	dig := d.Sum(nil)
	esig, _ := ek.Sign(rand.Reader, dig, crypto.SHA256)
	rsig, _ := rk.Sign(rand.Reader, dig, crypto.SHA256)
	r, s, _ := parseECDSASig(esig)
	plain := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	tests := []struct {
		name string
		pub  crypto.PublicKey
		alg  AlgorithmIdentifier
		sig  []byte
	}{
		{"rsaEncryption as signature OID", rk.Public(), AlgorithmIdentifier{Algorithm: OIDRSAEncryption}, rsig},
		{"sha256WithRSAEncryption", rk.Public(), AlgorithmIdentifier{Algorithm: oidSHA256WithRSA}, rsig},
		{"id-ecPublicKey as signature OID", ek.Public(), AlgorithmIdentifier{Algorithm: OIDECPublicKey}, esig},
		{"ecdsa-plain-SHA256", ek.Public(), AlgorithmIdentifier{Algorithm: append(append(asn1.ObjectIdentifier{}, oidECDSAPlainArc...), 3)}, plain},
	}
	for _, tt := range tests {
		if err := VerifyMessage(tt.pub, tt.alg, crypto.SHA256, msg, tt.sig); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	var ua *UnsupportedAlgorithmError
	if err := VerifyMessage(ek.Public(), AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 3}}, crypto.SHA256, msg, esig); !errors.As(err, &ua) {
		t.Errorf("unknown OID: %v", err)
	}
}

func parseECDSASig(b []byte) (r, s *big.Int, err error) {
	var v struct{ R, S *big.Int }
	_, err = asn1.Unmarshal(b, &v)
	return v.R, v.S, err
}

func FuzzNormalizeBER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00})
	f.Add([]byte{0x24, 0x80, 0x04, 0x01, 0xAA, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := NormalizeBER(b)
		if err != nil {
			return
		}
		again, err := NormalizeBER(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %X -> %X (%v)", out, again, err)
		}
	})
}

func FuzzParse(f *testing.F) {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := Sign(SignOptions{ContentType: OIDData, Content: []byte("x"), Issuer: []byte{0x30, 0}, SerialNumber: big.NewInt(1), Signer: ek, Hash: crypto.SHA256})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := Parse(b)
		if err != nil {
			return
		}
		for i := range sd.SignerInfos {
			_, _ = sd.SignerInfos[i].MessageDigest()
			_ = sd.SignerInfos[i].VerifySignature(ek.Public(), sd.Content)
		}
	})
}
