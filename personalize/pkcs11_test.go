package personalize_test

import (
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"

	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
)

const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

// softHSM makes a real SoftHSM2 token in a temp dir with an EC P-256 and
// an RSA-2048 key, and returns the token label.
func softHSM(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "cccd-ds", "--pin", "1234", "--so-pin", "5678").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: softhsmModule, TokenLabel: "cccd-ds", Pin: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	if _, err := ctx.GenerateECDSAKeyPairWithLabel([]byte{1}, []byte("ds-ec"), elliptic.P256()); err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.GenerateRSAKeyPairWithLabel([]byte{2}, []byte("ds-rsa"), 2048); err != nil {
		t.Fatal(err)
	}
	return "cccd-ds"
}

func TestParsePKCS11URI(t *testing.T) {
	u, err := personalize.ParsePKCS11URI("pkcs11:token=My%20Token;object=ds-2026;type=private?module-path=/usr/lib/x.so&pin-source=file:/run/pin")
	if err != nil || u.Token != "My Token" || u.Object != "ds-2026" || u.ModulePath != "/usr/lib/x.so" || u.PINSource != "file:/run/pin" {
		t.Fatalf("%+v %v", u, err)
	}
	for _, bad := range []string{"token=x", "pkcs11:object=k?module-path=/m.so", "pkcs11:token=t?module-path=/m.so", "pkcs11:token=t;object=k", "pkcs11:token=t;object=k;bogus=1?module-path=/m"} {
		if _, err := personalize.ParsePKCS11URI(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestHSMDocumentSigner signs EF.SOD with keys in a real SoftHSM2 token
// (ECDSA P-256, RSA PKCS#1 v1.5, RSA-PSS) and personalizes a card with one.
func TestHSMDocumentSigner(t *testing.T) {
	token := softHSM(t)
	t.Setenv(personalize.PINEnv, "1234")
	p, err := pki.NewTestPKI("ecdsa-p256", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, object string
		pss          bool
	}{{"ECDSA P-256", "ds-ec", false}, {"RSA", "ds-rsa", false}, {"RSA-PSS", "ds-rsa", true}} {
		t.Run(tt.name, func(t *testing.T) {
			signer, closeFn, err := personalize.OpenPKCS11Signer("pkcs11:token="+token+";object="+tt.object+"?module-path="+softhsmModule, "")
			if err != nil {
				t.Fatal(err)
			}
			defer closeFn()
			der, err := pki.CreateCertificate(&pki.Template{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{Country: []string{"VN"}, CommonName: "DS HSM " + tt.name},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature, MaxPathLen: -1}, p.CSCA, signer.Public(), p.CSCAKey, p.Params)
			if err != nil {
				t.Fatal(err)
			}
			cert, _ := pki.ParseCertificate(der)
			if err := personalize.CheckSigner(cert, signer); err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, 1)
			b, j := f.batch(t, false)
			b.Personalizer.DSCert, b.Personalizer.DSSigner, b.Personalizer.PSS = cert, signer, tt.pss
			sum, err := b.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")})
			if err != nil || sum.Done != 1 {
				t.Fatalf("%+v %v", sum, err)
			}
			recs, _ := j.Records(ctx, personalize.BatchName(f.input))
			img, _ := testcards.LoadImage(strings.TrimPrefix(recs[0].Card, "emu:"))
			sod, err := lds.ParseSOD(img.FileData(0x011D))
			if err != nil {
				t.Fatal(err)
			}
			dgs := map[int][]byte{}
			for _, n := range []int{1, 2, 13, 14, 15} {
				dgs[n] = img.FileData(lds.DGFileID(n))
			}
			if err := sod.Verify(dgs, lds.Trust{CSCAs: []*pki.Certificate{p.CSCA}}, time.Now()).Err(); err != nil {
				t.Fatalf("SOD signed in the HSM: %v", err)
			}
		})
	}
	// A key that does not match the certificate is refused at start.
	signer, closeFn, err := personalize.OpenPKCS11Signer("pkcs11:token="+token+";object=ds-rsa?module-path="+softhsmModule, "")
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if err := personalize.CheckSigner(p.DS, signer); err == nil {
		t.Fatal("a DS certificate of another key was accepted")
	}
}
