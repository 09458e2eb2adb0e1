package pki

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Fuzz targets of the parsers: none may panic, and whatever parses must
// survive every check built on it. The seeds are real certificates (from
// testdata/realworld at the module root: Viet Nam's explicit-parameter
// CSCA, the German CSCAs, and from the German master list the entries
// that need a leniency) and generated ones; testdata/fuzz holds the
// inputs that once failed.

// fuzzPKI is the test PKI the targets check against.
var fuzzPKI = func() *TestPKI {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		panic(err)
	}
	return p
}()

// realSeeds returns the small real-world files that exist.
func realSeeds(names ...string) [][]byte {
	var out [][]byte
	for _, n := range names {
		if b, err := os.ReadFile(filepath.Join(realworld, n)); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// lenientRealCSCAs picks from the German master list the CSCAs that need
// a leniency (BER BOOLEAN, RSA without NULL), and one that is skipped.
func lenientRealCSCAs() []*Certificate {
	b, err := os.ReadFile(filepath.Join(realworld, "DE_ML_2026-05-28.ml"))
	if err != nil {
		return nil
	}
	ml, err := ParseMasterList(b)
	if err != nil {
		return nil
	}
	var out []*Certificate
	for _, c := range ml.Certificates {
		if hasNote(c, "BER") || hasNote(c, "without NULL") {
			out = append(out, c)
		}
	}
	return out
}

func FuzzParseCertificate(f *testing.F) {
	p := fuzzPKI
	f.Add(p.CSCA.Raw)
	f.Add(p.DS.Raw)
	vn, _ := NewTestPKI("vn-brainpool512", testNow)
	f.Add(vn.CSCA.Raw)
	f.Add(issueDS(f, p, pkix.Extension{Id: OIDDocumentTypeList, Critical: true, Value: looseDocTypeList()}).Raw)
	for _, b := range realSeeds("VN_CSCA_ePassport_2022.der", "DE_ROOT_CSCA.cer", "sod-DE/csca.cer") {
		f.Add(b)
	}
	for _, c := range lenientRealCSCAs() {
		f.Add(c.Raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCertificate(b)
		if err != nil {
			return
		}
		again, err := ParseCertificate(c.Raw)
		if err != nil || !bytes.Equal(again.RawTBSCertificate, c.RawTBSCertificate) || len(again.Notes) != len(c.Notes) {
			t.Fatalf("does not parse the same twice: %v", err)
		}
		_ = c.CheckSignatureFrom(c)
		_ = CheckCSCA(c)
		_ = IsSelfSigned(c)
		_, _ = IsLinkCertificate(c, []*Certificate{p.CSCA, c})
		_, _ = VerifyChain(c, []*Certificate{p.CSCA}, testNow)
		_, _ = VerifyChain(p.DS, []*Certificate{c}, testNow)
		_, _ = FindIssuer(c, []*Certificate{c, p.CSCA})
		_ = KeyID(c.RawSubjectPublicKeyInfo)
		_ = NamesEqual(c.RawIssuer, c.RawSubject)
		_ = CountryOf(c)
		_ = CheckRevocation(c, p.CSCA, []*CRL{p.CRL}, testNow)
	})
}

func FuzzParseCRL(f *testing.F) {
	p := fuzzPKI
	f.Add(p.CRL.Raw)
	rev := []RevokedCertificate{{SerialNumber: p.DS.SerialNumber, RevocationTime: testNow}, {SerialNumber: big.NewInt(7), RevocationTime: testNow}}
	if der, err := CreateCRL(p.CSCA, p.CSCAKey, rev, big.NewInt(9), testNow, time.Time{}, p.Params); err == nil {
		f.Add(der)
	}
	f.Add(crlWithExtension(f, p, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: []byte{0x30, 0}}).Raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCRL(b)
		if err != nil {
			return
		}
		_ = c.CheckSignatureFrom(p.CSCA)
		_ = c.CheckTime(testNow)
		_, _ = VerifyCRLSignedBy(c, []*Certificate{p.CSCA})
		_ = CheckRevocation(p.DS, p.CSCA, []*CRL{c}, testNow)
	})
}

func FuzzParseMasterList(f *testing.F) {
	p := fuzzPKI
	if b, err := BuildMasterList([]*Certificate{p.CSCA}, p.CSCA, p.CSCAKey, p.Params); err == nil {
		f.Add(b)
	}
	// A small list of real CSCAs (and one garbage entry), signed by a
	// master list signer of the test PKI.
	signer, key := mlSigner(f, p, true)
	cscas := []*Certificate{p.CSCA, {Raw: []byte{0x30, 0x03, 0x02, 0x01, 0x01}}, p.DS}
	for _, b := range realSeeds("VN_CSCA_ePassport_2022.der", "DE_ROOT_CSCA.cer") {
		if c, err := ParseCertificate(b); err == nil {
			cscas = append(cscas, c)
		}
	}
	cscas = append(cscas, lenientRealCSCAs()...)
	if b, err := BuildMasterList(cscas, signer, key, SigningParams{Hash: crypto.SHA256}); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ml, err := ParseMasterList(b)
		if err != nil {
			return
		}
		_ = ml.Summary()
		_ = ml.VerifyAgainst([]*Certificate{p.CSCA}, testNow)
		_ = ml.Verify(ml.Certificates)
	})
}

func FuzzParseCertificates(f *testing.F) {
	p := fuzzPKI
	f.Add(certPEM(p.CSCA.Raw))
	f.Add(append(certPEM(p.CSCA.Raw), certPEM(p.DS.Raw)...))
	f.Add(p.DS.Raw)
	f.Add(append([]byte("junk\n"), crlPEM(p.CRL.Raw)...))
	for _, b := range realSeeds("VN_CSCA_ePassport_2022.der") {
		f.Add(b)
		f.Add(certPEM(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		certs, err := ParseCertificates(b)
		if err != nil {
			return
		}
		if len(certs) == 0 {
			t.Fatal("no certificate and no error")
		}
		c, err := ParseCertificatePEMOrDER(b)
		if (err == nil) != (len(certs) == 1) || err == nil && !c.Equal(certs[0]) {
			t.Fatalf("ParseCertificatePEMOrDER disagrees: %v", err)
		}
	})
}

func TestLoadCertificate(t *testing.T) {
	p := fuzzPKI
	dir := t.TempDir()
	for name, data := range map[string][]byte{"c.pem": certPEM(p.CSCA.Raw), "c.der": p.CSCA.Raw, "two.pem": append(certPEM(p.CSCA.Raw), certPEM(p.DS.Raw)...), "junk": []byte("junk")} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := LoadCertificate(path)
		switch name {
		case "two.pem":
			if !errors.Is(err, ErrNotOneCertificate) {
				t.Errorf("%s: %v", name, err)
			}
		case "junk":
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: %v", name, err)
			}
		default:
			if err != nil || !c.Equal(p.CSCA) {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}
