package cvc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/pki"
)

func TestNewTestChain(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		ch := mustChain(t, curve, "VN")
		if ch.CVCA.CHR != "VNCVCA00001" || ch.DV.CHR != "VNDV00001" || ch.IS.CHR != "VNIS00001" || ch.IS.CAR != ch.DV.CHR || ch.DV.CAR != ch.CVCA.CHR {
			t.Errorf("references %s %s %s", ch.CVCA.CHR, ch.DV.CHR, ch.IS.CHR)
		}
		if ch.CVCA.PublicKey.Params == nil || ch.DV.PublicKey.Params != nil || ch.IS.PublicKey.Params != nil {
			t.Error("domain parameters belong in the CVCA certificate only (TR-03110 part 3 §D.3.3)")
		}
		if ch.CVCA.Role() != RoleCVCA || ch.DV.Role() != RoleDVDomestic || ch.IS.Role() != RoleTerminal || ch.IS.CHAT.Rights() != ReadDG3|ReadDG4 {
			t.Errorf("roles %s %s %s", ch.CVCA.CHAT, ch.DV.CHAT, ch.IS.CHAT)
		}
		if !ch.IS.EffectiveDate.Equal(Day(testNow)) || ch.IS.ExpiredAt(testNow) || !ch.IS.ExpiredAt(testNow.AddDate(0, 0, 31)) {
			t.Errorf("IS validity %s..%s", ch.IS.EffectiveDate, ch.IS.ExpirationDate)
		}
		if err := ch.CVCA.CheckSignature(&ch.CVCA.PublicKey, nil); err != nil {
			t.Error(err)
		}
		s := ch.IS.String()
		for _, want := range []string{"inspection system", "VNIS00001", "VNDV00001", "2026-03-14 to 2026-04-13", "read DG3 (fingerprint), read DG4 (iris)", "inherited"} {
			if !strings.Contains(s, want) {
				t.Errorf("description lacks %q:\n%s", want, s)
			}
		}
		if s := ch.CVCA.String(); !strings.Contains(s, "CVCA (self-signed)") || !strings.Contains(s, curve.Params().Name) {
			t.Errorf("description:\n%s", s)
		}
	})
	if _, err := NewTestChain(elliptic.P256(), "vn", testNow); err == nil {
		t.Error("lower-case country accepted")
	}
	if _, err := NewTestChain(elliptic.P256(), "VN", testNow, WithISRights(0)); err != nil {
		t.Error(err)
	}
}

func TestWriteDirLoadTerminal(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		ch := mustChain(t, curve, "VN")
		dir := filepath.Join(t.TempDir(), "terminal")
		if err := ch.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{FileISKey, FileDVKey, FileCVCAKey} {
			st, err := os.Stat(filepath.Join(dir, k))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("%s: mode %v, %v", k, st.Mode(), err)
			}
		}
		if k, err := pki.LoadSigner(filepath.Join(dir, FileCVCAKey)); err != nil || !k.Public().(*ecdsa.PublicKey).Equal(ch.CVCAKey.Public()) {
			t.Fatalf("cvca.key: %v", err)
		}
		// The certificates alone, for a key in an HSM.
		certs, err := LoadTerminalCertificates(dir)
		if err != nil || certs.Key != nil {
			t.Fatal(err)
		}
		if err := certs.SetKey(ch.DVKey); err == nil {
			t.Fatal("the DV key taken for the IS's")
		}
		if err := certs.SetKey(ch.ISKey); err != nil {
			t.Fatal(err)
		}
		term, err := LoadTerminal(dir)
		if err != nil {
			t.Fatal(err)
		}
		if term.IS.CHR != ch.IS.CHR || string(term.CVCA.Raw) != string(ch.CVCA.Raw) || len(term.Certificates()) != 2 {
			t.Error("certificates differ")
		}
		if !term.Key.Public().(*ecdsa.PublicKey).Equal(ch.ISKey.Public()) {
			t.Error("key differs")
		}
		res, err := ValidateChain(term.CVCA, testNow, term.Certificates(), ValidateOptions{Require: ReadDG3})
		if err != nil {
			t.Fatal(err)
		}
		sig, err := SignTA(term.Key, res.Algorithm, []byte("id"), []byte("12345678"), []byte("comp"), nil)
		if err != nil || VerifyTA(res.PublicKey, res.Algorithm, []byte("id"), []byte("12345678"), []byte("comp"), nil, sig) != nil {
			t.Errorf("TA with the loaded key: %v", err)
		}

		// Writing again over a key file others could read tightens it.
		os.Chmod(filepath.Join(dir, FileISKey), 0o644)
		var kfe *pki.KeyFileError
		if _, err := LoadTerminal(dir); !errors.As(err, &kfe) {
			t.Errorf("a world-readable key was loaded: %v", err)
		}
		if err := ch.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(filepath.Join(dir, FileISKey)); st.Mode().Perm() != 0o600 {
			t.Errorf("mode %v after rewriting", st.Mode())
		}
		// Another chain's key does not match is.cvcert.
		other := mustChain(t, curve, "VN")
		otherDir := t.TempDir()
		if err := other.WriteDir(otherDir); err != nil {
			t.Fatal(err)
		}
		os.Rename(filepath.Join(otherDir, FileISKey), filepath.Join(dir, FileISKey))
		if _, err := LoadTerminal(dir); err == nil || !strings.Contains(err.Error(), "does not hold the key") {
			t.Errorf("mismatched key: %v", err)
		}
		os.WriteFile(filepath.Join(dir, FileDV), []byte{0x7F, 0x21, 0}, 0o644)
		if _, err := LoadTerminal(dir); !errors.Is(err, ErrMalformed) {
			t.Errorf("broken certificate: %v", err)
		}
		if _, err := LoadTerminal(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("empty directory: %v", err)
		}
	})
}
