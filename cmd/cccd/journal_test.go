package main

import (
	"crypto/elliptic"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"

	"github.com/cccd-vn/cccd/journal"
)

// TestStationKeyPKCS11: the station key in a real SoftHSM2 token
// (--station-pkcs11, the PIN from --station-pin-file), the same
// crypto.Signer handling as the Document Signer's: the batch's
// checkpoints verify with the certificate of the token's key.
func TestStationKeyPKCS11(t *testing.T) {
	const module = "/usr/lib/softhsm/libsofthsm2.so"
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf) // the station processes inherit it
	if out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "cccd-station", "--pin", "1234", "--so-pin", "5678").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: "cccd-station", Pin: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ctx.GenerateECDSAKeyPairWithLabel([]byte{7}, []byte("station"), elliptic.P256())
	if err != nil {
		t.Fatal(err)
	}
	der, err := journal.NewStationCertificate(key, "hsm-1", time.Now().Add(-time.Hour), 5)
	ctx.Close()
	if err != nil {
		t.Fatal(err)
	}
	cert := filepath.Join(dir, "hsm-1.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	pin := filepath.Join(dir, "pin")
	os.WriteFile(pin, []byte("1234\n"), 0o600)

	f := newFactory(t, 3)
	target := filepath.Join(dir, "journal.db")
	cccd(t, "personalize", "--input", f.input, "--ds-cert", filepath.Join(f.dir, "pki", "ds.pem"), "--ds-key", filepath.Join(f.dir, "pki", "ds.key"),
		"--reader", "emu:"+filepath.Join(dir, "cards"), "--journal", target, "--station", "hsm-1",
		"--station-pkcs11", "pkcs11:token=cccd-station;object=station?module-path="+module, "--station-pin-file", pin, "--station-cert", cert, "--checkpoint-every", "1")
	cccd(t, "journal", "verify", "--journal", target, "--station-cert", cert)
	rep, code := f.verifyJournal(t, target)
	if code != 0 || rep.Verdict != journal.VerdictIntact || !rep.Complete || rep.Checkpoints != 5 || len(rep.Keys) != 1 || rep.Keys[0].SHA256 != journal.CertFingerprint(der) {
		t.Fatalf("exit %d: %+v", code, rep)
	}
	// A wrong PIN stops the station before any card.
	os.WriteFile(pin, []byte("0000\n"), 0o600)
	out, err := exec.Command("cccd", "personalize", "--input", f.input, "--ds-cert", filepath.Join(f.dir, "pki", "ds.pem"), "--ds-key", filepath.Join(f.dir, "pki", "ds.key"),
		"--reader", "emu:"+filepath.Join(dir, "cards2"), "--journal", filepath.Join(dir, "j2.db"),
		"--station-pkcs11", "pkcs11:token=cccd-station;object=station?module-path="+module, "--station-pin-file", pin, "--station-cert", cert).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitUsage {
		t.Fatalf("wrong PIN: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "j2.db")); err == nil {
		t.Fatal("a journal was made with a station key that could not be opened")
	}
}
