package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"

	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
)

const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

// TestTerminalKeyInHSM: 'cccd verify --terminal DIR --terminal-pkcs11 URI'
// signs EXTERNAL AUTHENTICATE with an inspection system key held in a real
// SoftHSM2 token, and reads DG3.
func TestTerminalKeyInHSM(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "cccd-is", "--pin", "1234", "--so-pin", "5678").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	hsm, err := crypto11.Configure(&crypto11.Config{Path: softhsmModule, TokenLabel: "cccd-is", Pin: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := hsm.GenerateECDSAKeyPairWithLabel([]byte{7}, []byte("is-ec"), elliptic.P256())
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public()
	hsm.Close()

	// The chain, with an IS certificate for the HSM's key.
	ch, err := cvc.NewTestChain(elliptic.P256(), "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pk, err := cvc.NewPublicKey(ch.IS.PublicKey.Algorithm, pub, false)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *ch.IS
	tmpl.PublicKey = *pk
	if ch.IS, err = cvc.CreateCertificate(rand.Reader, &tmpl, ch.DVKey, ch.DV.PublicKey.Algorithm); err != nil {
		t.Fatal(err)
	}
	term := filepath.Join(dir, "eac")
	if err := ch.WriteDir(term); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(term, cvc.FileISKey)) // the key is in the token only

	// A card with fingerprints trusting the CVCA.
	p, err := pki.NewTestPKI("ecdsa-p256", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s, err := testcards.Samples(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := testcards.SpecWithFingerprints(s[0].Record, s[0].Photo)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spec.CAPublicKey = &ca.PublicKey
	spec.Sign = lds.SODSignOptions{Certificate: p.DS, Signer: p.DSKey}
	doc, err := lds.BuildDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	img, err := testcards.PersonalizedImage(doc, nil, testcards.ProfileCCCD)
	if err != nil {
		t.Fatal(err)
	}
	img.SetCAKey(ca)
	img.SetTrustPoints(ch.CVCA)
	card := filepath.Join(dir, "card.json")
	if err := img.Save(card); err != nil {
		t.Fatal(err)
	}
	trust := filepath.Join(dir, "trust")
	os.MkdirAll(trust, 0o755)
	os.WriteFile(filepath.Join(trust, "csca.der"), p.CSCA.Raw, 0o644)

	t.Setenv(personalize.PINEnv, "1234")
	fp := filepath.Join(dir, "fp")
	args := []string{"verify", "--reader", "emu:" + card, "--can", doc.Secret.CAN, "--trust", trust,
		"--terminal", term, "--terminal-pkcs11", "pkcs11:token=cccd-is;object=is-ec?module-path=" + softhsmModule, "--fingerprints-out", fp}
	if code := run(args); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(fp, "right_index.png")); err != nil {
		t.Fatal(err)
	}
	// Without the HSM, the directory has no key: a set-up error.
	if code := run([]string{"read", "--reader", "emu:" + card, "--can", doc.Secret.CAN, "--out", filepath.Join(dir, "d"), "--terminal", term, "--terminal-pkcs11", ""}); code != ExitUsage {
		t.Fatalf("no key: exit %d", code)
	}
}
