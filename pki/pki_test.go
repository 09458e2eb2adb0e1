package pki

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// openssl runs the openssl command line tool and returns its combined
// output; a non-zero exit fails the test.
func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func testAlgs() []string {
	return []string{"ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "rsa-pss-2048", "ecdsa-brainpool256", "ecdsa-brainpool384", "ecdsa-brainpool512"}
}

func TestTestPKIOpenSSL(t *testing.T) {
	for _, alg := range testAlgs() {
		t.Run(alg, func(t *testing.T) {
			p, err := NewTestPKI(alg, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			files, err := WriteTestPKI(p, dir, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 6 {
				t.Fatalf("files %v", files)
			}
			f := func(n string) string { return filepath.Join(dir, n) }
			// openssl accepts the chain and the CRL signature.
			out := openssl(t, "verify", "-x509_strict", "-CAfile", f(FileCSCACert), "-CRLfile", f(FileCRL), "-crl_check", f(FileDSCert))
			if !strings.Contains(out, "OK") {
				t.Fatal(out)
			}
			out = openssl(t, "crl", "-in", f(FileCRL), "-CAfile", f(FileCSCACert), "-noout")
			if !strings.Contains(out, "verify OK") {
				t.Fatalf("crl: %s", out)
			}
			text := openssl(t, "x509", "-in", f(FileCSCACert), "-noout", "-text")
			for _, want := range []string{"X509v3 Key Usage: critical", "Certificate Sign, CRL Sign", "CA:TRUE, pathlen:0", "C = VN", "X509v3 Subject Key Identifier"} {
				if !strings.Contains(text, want) {
					t.Errorf("CSCA lacks %q", want)
				}
			}
			text = openssl(t, "x509", "-in", f(FileDSCert), "-noout", "-text")
			for _, want := range []string{"Digital Signature", "X509v3 Authority Key Identifier", "2.23.136.1.1.6.2"} {
				if !strings.Contains(text, want) {
					t.Errorf("DS lacks %q", want)
				}
			}
			if strings.HasPrefix(alg, "rsa-pss") && !strings.Contains(text, "rsassaPss") {
				t.Error("DS not signed with RSASSA-PSS")
			}
			// openssl reads our private keys.
			openssl(t, "pkey", "-in", f(FileDSKey), "-noout")
			// The master list verifies under openssl and here.
			out = openssl(t, "cms", "-verify", "-inform", "DER", "-in", f(FileMaster), "-CAfile", f(FileCSCACert), "-purpose", "any", "-out", f("ml.content"))
			ml, err := os.ReadFile(f(FileMaster))
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseMasterList(ml)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Certificates) != 1 || !m.Certificates[0].Equal(p.CSCA) || m.Verify([]*Certificate{p.CSCA}) != nil {
				t.Fatalf("master list %+v", m)
			}
			// Keys load back, with the right permissions.
			for _, k := range []string{FileCSCAKey, FileDSKey} {
				st, _ := os.Stat(f(k))
				if st.Mode().Perm() != 0o600 {
					t.Errorf("%s mode %o", k, st.Mode().Perm())
				}
				s, err := LoadSigner(f(k))
				if err != nil {
					t.Fatal(err)
				}
				spki1, _ := MarshalPublicKey(s.Public())
				want := p.CSCA.RawSubjectPublicKeyInfo
				if k == FileDSKey {
					want = p.DS.RawSubjectPublicKeyInfo
				}
				if !bytes.Equal(spki1, want) {
					t.Errorf("%s does not match its certificate", k)
				}
			}
			certs, err := LoadCertificates(f(FileDSCert))
			if err != nil || len(certs) != 1 || !certs[0].Equal(p.DS) {
				t.Fatalf("LoadCertificates: %v", err)
			}
			if _, err := WriteTestPKI(p, dir, false); !errors.As(err, new(*DirNotEmptyError)) {
				t.Errorf("overwrite without force: %v", err)
			}
			if _, err := WriteTestPKI(p, dir, true); err != nil {
				t.Errorf("overwrite with force: %v", err)
			}
		})
	}
}

func TestLoadSignerRefusesOpenKeyFile(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := WriteTestPKI(p, dir, false); err != nil {
		t.Fatal(err)
	}
	k := filepath.Join(dir, FileDSKey)
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		os.Chmod(k, mode)
		_, err := LoadSigner(k)
		var kfe *KeyFileError
		if !errors.As(err, &kfe) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %o: %v", mode, err)
		}
	}
	os.Chmod(k, 0o400)
	if _, err := LoadSigner(k); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
	// Keys written by openssl in the three PEM flavours load too.
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "OUT"},
		{"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "OUT"},
		{"genrsa", "-traditional", "-out", "OUT", "2048"},
		{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP384r1", "-out", "OUT"},
		{"ecparam", "-name", "brainpoolP256r1", "-genkey", "-noout", "-out", "OUT"},
	} {
		path := filepath.Join(dir, "o.key")
		os.Remove(path)
		for i := range args {
			if args[i] == "OUT" {
				args[i] = path
			}
		}
		openssl(t, args...)
		os.Chmod(path, 0o600)
		if _, err := LoadSigner(path); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestChainChecks(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if ca, err := FindIssuer(p.DS, []*Certificate{other.CSCA, p.CSCA}); err != nil || !ca.Equal(p.CSCA) {
		t.Fatalf("FindIssuer: %v", err)
	}
	if _, err := FindIssuer(p.DS, []*Certificate{other.CSCA}); !errors.Is(err, ErrNoTrustedIssuer) {
		t.Errorf("foreign CSCA: %v", err)
	}
	// Same name, different key: the signature check fails.
	impostor := *other.CSCA
	impostor.RawSubject = p.CSCA.RawSubject
	impostor.SubjectKeyID = nil
	var ce *ChainError
	if _, err := FindIssuer(p.DS, []*Certificate{&impostor}); !errors.As(err, &ce) {
		t.Errorf("impostor CSCA: %v", err)
	}
	if err := CheckValidity(p.DS, testNow); err != nil {
		t.Error(err)
	}
	var ve *ValidityError
	if err := CheckValidity(p.DS, testNow.AddDate(11, 0, 0)); !errors.As(err, &ve) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired: %v", err)
	}
	if err := CheckRevocation(p.DS, p.CSCA, []*CRL{p.CRL}, testNow); err != nil {
		t.Errorf("empty CRL: %v", err)
	}
	if err := CheckRevocation(p.DS, p.CSCA, nil, testNow); !errors.Is(err, ErrNoCRL) {
		t.Errorf("no CRL: %v", err)
	}
	crlDER, err := CreateCRL(p.CSCA, p.CSCAKey, []RevokedCertificate{{SerialNumber: new(big.Int).Set(p.DS.SerialNumber), RevocationTime: testNow.Add(-time.Minute)}},
		big.NewInt(2), testNow, testNow.AddDate(0, 1, 0), p.Params)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := ParseCRL(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	if crl.Number.Int64() != 2 || !bytes.Equal(crl.AuthorityKeyID, p.CSCA.SubjectKeyID) {
		t.Errorf("CRL fields %+v", crl)
	}
	var re *RevokedError
	if err := CheckRevocation(p.DS, p.CSCA, []*CRL{crl}, testNow); !errors.As(err, &re) {
		t.Errorf("revoked: %v", err)
	}
	// A CRL signed by another CSCA with the same name is not used.
	forged, _ := CreateCRL(p.CSCA, other.CSCAKey, nil, big.NewInt(3), testNow, testNow.AddDate(0, 1, 0), p.Params)
	fc, _ := ParseCRL(forged)
	var cre *CRLError
	if err := CheckRevocation(p.DS, p.CSCA, []*CRL{fc}, testNow); !errors.As(err, &cre) {
		t.Errorf("forged CRL: %v", err)
	}
	// The DS is not a CA: it cannot issue.
	if p.DS.IsCA || p.DS.KeyUsage != x509.KeyUsageDigitalSignature || p.DS.DocumentTypes[0] != "ID" || p.CSCA.MaxPathLen != 0 {
		t.Errorf("profile: %+v", p.DS)
	}
}

func FuzzParseCertificate(f *testing.F) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p.DS.Raw)
	f.Add(p.CRL.Raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCertificate(b); err == nil {
			_ = c.CheckSignatureFrom(c)
		}
		if c, err := ParseCRL(b); err == nil {
			_ = c.CheckSignatureFrom(p.CSCA)
		}
		_, _ = ParseMasterList(b)
	})
}

func TestParsePublicKeyExplicitParams(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	openssl(t, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
	out, err := exec.Command("openssl", "ec", "-in", key, "-pubout", "-param_enc", "explicit", "-outform", "DER").Output()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(out)
	if err != nil {
		t.Fatal(err)
	}
	named, err := exec.Command("openssl", "ec", "-in", key, "-pubout", "-outform", "DER").Output()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ParsePublicKey(named)
	if !want.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
		t.Error("explicit-parameter key differs from the named-curve one")
	}
}

func TestParsePublicKeyRSAPSS(t *testing.T) {
	// An RSASSA-PSS key (id-RSASSA-PSS in the SubjectPublicKeyInfo), as
	// openssl writes it.
	dir := t.TempDir()
	key := filepath.Join(dir, "pss.key")
	openssl(t, "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
	spki, err := exec.Command("openssl", "pkey", "-in", key, "-pubout", "-outform", "DER").Output()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(spki)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := pub.(*rsa.PublicKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("%T", pub)
	}
	os.Chmod(key, 0o600)
	s, err := LoadSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Public().(*rsa.PublicKey).Equal(pub) {
		t.Error("private key does not match")
	}
}
