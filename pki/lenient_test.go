package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/internal/brainpool"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, der []byte) *Certificate {
	t.Helper()
	c, err := ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// patchTBS replaces old by repl (same length) once in the TBSCertificate
// of der and signs the result with key: a certificate its issuer could
// have written. With key nil the original signature is kept (a tampered
// certificate).
func patchTBS(t testing.TB, der, old, repl []byte, key crypto.Signer, h crypto.Hash) []byte {
	t.Helper()
	c := mustParse(t, der)
	if len(old) != len(repl) || bytes.Count(c.RawTBSCertificate, old) != 1 {
		t.Fatalf("patch %X not found once", old)
	}
	tbs := bytes.Replace(c.RawTBSCertificate, old, repl, 1)
	if key == nil {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(tbs)
			c.SignatureAlgorithm.Marshal(b)
			b.AddASN1BitString(c.Signature)
		})
		return b.BytesOrPanic()
	}
	out, err := signTBS(tbs, c.SignatureAlgorithm, key, h)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hasNote(c *Certificate, sub string) bool {
	for _, n := range c.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

// Leniency 1: BasicConstraints cA TRUE encoded 01 (BER) instead of FF.
func TestLenientBERBoolean(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	// The value of BasicConstraints: OCTET STRING { SEQUENCE { BOOLEAN
	// TRUE, INTEGER 0 } }, as a Ukrainian CSCA of the German list has it
	// with 01.
	der, ber := mustHex(t, "0408 3006 0101ff 020100"), mustHex(t, "0408 3006 010101 020100")
	lenient := patchTBS(t, p.CSCA.Raw, der, ber, p.CSCAKey, p.Params.Hash)
	c := mustParse(t, lenient)
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !hasNote(c, "BER") {
		t.Fatalf("BER cA: IsCA %v, notes %v", c.IsCA, c.Notes)
	}
	if !IsSelfSigned(c) || CheckCSCA(c) != nil {
		t.Fatalf("BER CSCA unusable: %v", CheckCSCA(c))
	}
	chain, err := VerifyChain(p.DS, []*Certificate{c}, testNow)
	if err != nil || len(chain) != 2 || !chain[1].Equal(c) {
		t.Fatalf("DS under the BER CSCA: %v", err)
	}
	// Criticality TRUE as 01 is critical, the strict reading.
	crit := patchTBS(t, p.CSCA.Raw, mustHex(t, "551d13 0101ff"), mustHex(t, "551d13 010101"), p.CSCAKey, p.Params.Hash)
	cc := mustParse(t, crit)
	for _, e := range cc.Extensions {
		if e.Id.Equal(oidExtBasicConstraints) && !e.Critical {
			t.Error("BER criticality read as FALSE")
		}
	}

	// Strict twins. The same bytes with the signature of the DER original
	// (a tampered certificate): its self-signature fails, so it is no
	// trust anchor and nothing chains to it.
	tampered := mustParse(t, patchTBS(t, p.CSCA.Raw, der, ber, nil, 0))
	if IsSelfSigned(tampered) {
		t.Fatal("tampered BER certificate is self-signed")
	}
	var ce *ChainError
	if _, err := VerifyChain(p.DS, []*Certificate{tampered}, testNow); !errors.As(err, &ce) {
		t.Errorf("DS under a tampered CSCA: %v", err)
	}
	// Signed by another key: refused the same way.
	other, _ := NewTestPKI("ecdsa-p256", testNow)
	forged := mustParse(t, patchTBS(t, p.CSCA.Raw, der, ber, other.CSCAKey, p.Params.Hash))
	if _, err := VerifyChain(p.DS, []*Certificate{forged}, testNow); err == nil {
		t.Error("DS under a CSCA with a forged signature accepted")
	}
	// A BOOLEAN of two octets is not BER either: the critical
	// BasicConstraints is then unreadable, and the certificate unusable.
	two := mustParse(t, patchTBS(t, p.CSCA.Raw, mustHex(t, "3006 0101ff 020100"), mustHex(t, "3006 0102ffff 0100"), p.CSCAKey, p.Params.Hash))
	if len(two.UnhandledCritical) != 1 || !two.UnhandledCritical[0].Equal(oidExtBasicConstraints) || CheckCSCA(two) == nil {
		t.Errorf("two-octet BOOLEAN: %v %v", two.UnhandledCritical, two.Notes)
	}
}

// looseDocTypeList is a DocumentTypeList without its version and with a
// UTF8String, as some Document Signers carry it.
func looseDocTypeList() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte("ID")) })
		})
	})
	return b.BytesOrPanic()
}

// issueDS makes a DS of p with extra extensions.
func issueDS(t testing.TB, p *TestPKI, exts ...pkix.Extension) *Certificate {
	t.Helper()
	der, err := CreateCertificate(&Template{
		SerialNumber: big.NewInt(4242), Subject: pkix.Name{Country: []string{"VN"}, CommonName: "DS extra"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(5, 0, 0), MaxPathLen: -1,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtraExtensions: exts,
	}, p.CSCA, p.DSKey.Public(), p.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, der)
}

// Leniency 2: a non-critical extension whose content does not parse is
// kept raw and ignored; the same extension critical is refused.
func TestLenientNonCriticalExtension(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	ds := issueDS(t, p, pkix.Extension{Id: OIDDocumentTypeList, Value: looseDocTypeList()})
	if len(ds.IgnoredExtensions) != 1 || !ds.IgnoredExtensions[0].Equal(OIDDocumentTypeList) || ds.DocumentTypes != nil || !hasNote(ds, "kept raw") {
		t.Fatalf("loose DocumentTypeList: %v %v", ds.IgnoredExtensions, ds.Notes)
	}
	if len(ds.Extensions) != 4 || !bytes.Equal(ds.Extensions[3].Value, looseDocTypeList()) {
		t.Error("the raw extension is not kept")
	}
	if chain, err := VerifyChain(ds, []*Certificate{p.CSCA}, testNow); err != nil || len(chain) != 2 {
		t.Fatalf("DS with a loose non-critical extension: %v", err)
	}
	if ca, err := FindIssuer(ds, []*Certificate{p.CSCA}); err != nil || !ca.Equal(p.CSCA) {
		t.Fatalf("FindIssuer: %v", err)
	}
	// An unknown non-critical extension is ignored silently.
	ds2 := issueDS(t, p, pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: []byte{5, 0}})
	if len(ds2.Notes) != 0 || len(ds2.UnhandledCritical) != 0 {
		t.Errorf("unknown non-critical: %v", ds2.Notes)
	}
	if _, err := VerifyChain(ds2, []*Certificate{p.CSCA}, testNow); err != nil {
		t.Error(err)
	}

	// Strict twins: the same loose extension marked critical, and an
	// unknown critical extension, make the DS unusable.
	for _, ext := range []pkix.Extension{
		{Id: OIDDocumentTypeList, Critical: true, Value: looseDocTypeList()},
		{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}},
		{Id: asn1.ObjectIdentifier{2, 5, 29, 30}, Critical: true, Value: []byte{0x30, 0}}, // nameConstraints: not processed
	} {
		ds := issueDS(t, p, ext)
		if len(ds.UnhandledCritical) != 1 || !ds.UnhandledCritical[0].Equal(ext.Id) {
			t.Fatalf("%s: UnhandledCritical %v", ext.Id, ds.UnhandledCritical)
		}
		var cee *CriticalExtensionError
		if _, err := VerifyChain(ds, []*Certificate{p.CSCA}, testNow); !errors.As(err, &cee) || !errors.Is(err, ErrUnhandledCriticalExtension) {
			t.Errorf("%s critical: VerifyChain %v", ext.Id, err)
		}
		if _, err := FindIssuer(ds, []*Certificate{p.CSCA}); !errors.As(err, &cee) {
			t.Errorf("%s critical: FindIssuer %v", ext.Id, err)
		}
	}
	// A well-formed DocumentTypeList, critical, is handled.
	okList := pkix.Extension{Id: OIDDocumentTypeList, Critical: true, Value: p.DS.Extensions[len(p.DS.Extensions)-1].Value}
	ds3 := issueDS(t, p, okList)
	if len(ds3.UnhandledCritical) != 0 || len(ds3.DocumentTypes) != 1 || ds3.DocumentTypes[0] != "ID" {
		t.Errorf("critical well-formed DocumentTypeList: %v %v", ds3.UnhandledCritical, ds3.DocumentTypes)
	}
	// A CSCA with an unknown critical extension cannot issue.
	cscaDER, err := CreateCertificate(&Template{SerialNumber: big.NewInt(9), Subject: p.CSCA.Subject, NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, MaxPathLen: 0, KeyUsage: x509.KeyUsageCertSign, SubjectKeyID: p.CSCA.SubjectKeyID,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 5}, Critical: true, Value: []byte{5, 0}}}}, nil, p.CSCAKey.Public(), p.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	badCSCA := mustParse(t, cscaDER)
	var cse *CSCAError
	var cee *CriticalExtensionError
	if err := CheckCSCA(badCSCA); !errors.As(err, &cse) || !errors.As(err, &cee) {
		t.Errorf("CheckCSCA with an unknown critical extension: %v", err)
	}
	if _, err := VerifyChain(p.DS, []*Certificate{badCSCA}, testNow); !errors.Is(err, ErrUnhandledCriticalExtension) {
		t.Errorf("DS under a CSCA with an unknown critical extension: %v", err)
	}
	// The same extension twice is malformed (RFC 5280 §4.2).
	dup, err := CreateCertificate(&Template{SerialNumber: big.NewInt(10), Subject: p.CSCA.Subject, NotBefore: testNow, NotAfter: testNow.AddDate(1, 0, 0),
		MaxPathLen: -1, ExtraExtensions: []pkix.Extension{{Id: oidExtSKI, Value: []byte{4, 1, 1}}}}, p.CSCA, p.DSKey.Public(), p.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCertificate(dup); !errors.Is(err, ErrMalformed) {
		t.Errorf("duplicate extension: %v", err)
	}
}

// rsaSPKINoNull writes an RSA SubjectPublicKeyInfo whose
// AlgorithmIdentifier has no parameters (Estonia's CSCAs do), or params.
func rsaSPKI(k *rsa.PublicKey, params []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPublicKeyRSA)
			b.AddBytes(params)
		})
		b.AddASN1BitString(x509.MarshalPKCS1PublicKey(k))
	})
	return b.BytesOrPanic()
}

// Leniency 3: an RSA key whose AlgorithmIdentifier has absent parameters
// instead of NULL.
func TestLenientRSAAbsentParameters(t *testing.T) {
	p, err := NewTestPKI("rsa-2048", testNow)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &Template{SerialNumber: big.NewInt(11), Subject: p.CSCA.Subject, NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, MaxPathLen: 0, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyID: p.CSCA.SubjectKeyID}
	pub := p.CSCAKey.Public().(*rsa.PublicKey)
	der, err := createCertificate(tmpl, nil, rsaSPKI(pub, nil), p.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, der)
	if k, ok := c.PublicKey.(*rsa.PublicKey); !ok || !k.Equal(pub) || !hasNote(c, "without NULL") {
		t.Fatalf("RSA without NULL: %T %v %v", c.PublicKey, c.PublicKeyError, c.Notes)
	}
	if !IsSelfSigned(c) {
		t.Fatal("not self-signed")
	}
	if _, err := VerifyChain(p.DS, []*Certificate{c}, testNow); err != nil {
		t.Fatalf("DS under a CSCA whose key has no NULL: %v", err)
	}
	// Strict twins: other parameters than NULL or nothing, and a bad
	// signature on the lenient certificate.
	odd, err := createCertificate(tmpl, nil, rsaSPKI(pub, []byte{0x02, 0x01, 0x00}), p.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	oc := mustParse(t, odd)
	if oc.PublicKey != nil || oc.PublicKeyError == nil || CheckCSCA(oc) == nil {
		t.Errorf("RSA key with INTEGER parameters accepted")
	}
	other, _ := NewTestPKI("rsa-2048", testNow)
	forged, err := createCertificate(tmpl, nil, rsaSPKI(pub, nil), other.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	fc := mustParse(t, forged)
	if IsSelfSigned(fc) {
		t.Error("forged RSA-without-NULL certificate is self-signed")
	}
	if _, err := VerifyChain(p.DS, []*Certificate{fc}, testNow); err == nil {
		t.Error("DS under a forged CSCA accepted")
	}
}

// Leniency 4: EC keys with explicit parameters are those of a supported
// curve, recorded on the Certificate.
func TestLenientExplicitECParameters(t *testing.T) {
	p, err := NewTestPKI("vn-brainpool512", testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := p.CSCA
	k, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || k.Curve != brainpool.P512r1() || !c.ExplicitECParameters || !hasNote(c, "explicit") {
		t.Fatalf("explicit CSCA: %T %v", c.PublicKey, c.Notes)
	}
	if p.DS.ExplicitECParameters || p.DS.PublicKey.(*ecdsa.PublicKey).Curve != brainpool.P384r1() {
		t.Error("DS key")
	}
	if !IsSelfSigned(c) || CheckCSCA(c) != nil {
		t.Fatal("explicit CSCA unusable")
	}
	if _, err := VerifyChain(p.DS, []*Certificate{c}, testNow); err != nil {
		t.Fatal(err)
	}
	// Strict twins: explicit parameters of another curve (b changed), a
	// cofactor other than 1, a compressed generator, a bad signature.
	spki, _ := MarshalPublicKeyExplicit(k)
	size := 64
	b := k.Curve.Params().B.FillBytes(make([]byte, size))
	bOther := append([]byte{}, b...)
	bOther[size-1] ^= 1
	cof := mustHex(t, "020101 0381")
	for name, patch := range map[string][2][]byte{
		"another b":  {append([]byte{0x04, 0x40}, b...), append([]byte{0x04, 0x40}, bOther...)},
		"cofactor 2": {cof, mustHex(t, "020102 0381")},
	} {
		bad := bytes.Replace(spki, patch[0], patch[1], 1)
		if bytes.Equal(bad, spki) {
			t.Fatalf("%s: patch not applied", name)
		}
		if _, err := ParsePublicKey(bad); !errors.Is(err, ErrUnsupportedKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
	serial := c.SerialNumber.Bytes()
	serial2 := append([]byte{}, serial...)
	serial2[len(serial2)-1] ^= 1
	forged := mustParse(t, patchTBS(t, c.Raw, serial, serial2, nil, 0))
	if IsSelfSigned(forged) {
		t.Error("tampered explicit CSCA is self-signed")
	}
}

// Leniency 5: a PrintableString holding characters outside its alphabet
// ('_', '@'), as issuers write; encoding/asn1 refuses it, this parser
// reads it.
func TestLenientPrintableString(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	der, err := CreateCertificate(&Template{SerialNumber: big.NewInt(12), Subject: pkix.Name{Country: []string{"VN"}, CommonName: "ds_1@vn"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(1, 0, 0), MaxPathLen: -1, KeyUsage: x509.KeyUsageDigitalSignature}, p.CSCA, p.DSKey.Public(), p.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	// Go writes the name as UTF8String (0C); make it a PrintableString.
	lenient := patchTBS(t, der, []byte("\x0c\x07ds_1@vn"), []byte("\x13\x07ds_1@vn"), p.CSCAKey, p.Params.Hash)
	c := mustParse(t, lenient)
	if c.Subject.CommonName != "ds_1@vn" {
		t.Fatalf("CN %q", c.Subject.CommonName)
	}
	if _, err := VerifyChain(c, []*Certificate{p.CSCA}, testNow); err != nil {
		t.Fatal(err)
	}
	// Strict twin: the patched bytes under the original signature.
	if _, err := VerifyChain(mustParse(t, patchTBS(t, der, []byte("\x0c\x07ds_1@vn"), []byte("\x13\x07ds_1@vn"), nil, 0)), []*Certificate{p.CSCA}, testNow); err == nil {
		t.Error("tampered name accepted")
	}
}
