package lds

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/pki"
)

// sodHSMSigner is a crypto.Signer whose key lives in a PKCS#11 token
// (SoftHSM), reached through OpenSC's pkcs11-tool: it proves that SignSOD
// needs nothing but crypto.Signer, as an HSM-backed Document Signer key is.
type sodHSMSigner struct {
	t    *testing.T
	dir  string
	pub  crypto.PublicKey
	conf string
}

const sodSoftHSMModule = "/usr/lib/softhsm/libsofthsm2.so"

func (s *sodHSMSigner) Public() crypto.PublicKey { return s.pub }

func (s *sodHSMSigner) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	in, out := filepath.Join(s.dir, "digest"), filepath.Join(s.dir, "sig")
	if err := os.WriteFile(in, digest, 0o600); err != nil {
		return nil, err
	}
	s.run("--login", "--pin", "1234", "--sign", "--id", "01", "--mechanism", "ECDSA", "--signature-format", "openssl", "-i", in, "-o", out)
	return os.ReadFile(out)
}

func (s *sodHSMSigner) run(args ...string) {
	s.t.Helper()
	cmd := exec.Command("pkcs11-tool", append([]string{"--module", sodSoftHSMModule}, args...)...)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+s.conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("pkcs11-tool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestSODSignedWithSoftHSMKey(t *testing.T) {
	for _, c := range []struct{ curve, alg string }{{"prime256v1", "ecdsa-p256"}, {"brainpoolP256r1", "ecdsa-brainpool256"}} {
		t.Run(c.curve, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "softhsm2.conf")
			os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
			os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
			init := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "cccd-ds", "--pin", "1234", "--so-pin", "5678")
			init.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
			if out, err := init.CombinedOutput(); err != nil {
				t.Fatalf("softhsm2-util: %v\n%s", err, out)
			}
			h := &sodHSMSigner{t: t, dir: dir, conf: conf}
			h.run("--login", "--pin", "1234", "--keypairgen", "--key-type", "EC:"+c.curve, "--id", "01", "--label", "ds")
			pubFile := filepath.Join(dir, "pub.der")
			h.run("--read-object", "--type", "pubkey", "--id", "01", "-o", pubFile)
			spki, _ := os.ReadFile(pubFile)
			pub, err := pki.ParsePublicKey(spki)
			if err != nil {
				t.Fatal(err)
			}
			h.pub = pub

			p := sodTestPKI(t, c.alg)
			dsDER, err := pki.CreateCertificate(&pki.Template{SerialNumber: big.NewInt(77), Subject: pkix.Name{Country: []string{"VN"}, CommonName: "DS in HSM"},
				NotBefore: sodNow.AddDate(0, -1, 0), NotAfter: sodNow.AddDate(10, 0, 0), MaxPathLen: -1, KeyUsage: x509.KeyUsageDigitalSignature},
				p.CSCA, pub, p.CSCAKey, p.Params)
			if err != nil {
				t.Fatal(err)
			}
			ds, _ := pki.ParseCertificate(dsDER)
			dgs := sodTestDGs(t, 2000)
			files, _ := BuildLDS(dgs, crypto.SHA256)
			sod, err := SignSOD(files.SecurityObject, SODSignOptions{Certificate: ds, Signer: h, SigningTime: sodNow})
			if err != nil {
				t.Fatal(err)
			}
			s, err := ParseSOD(sod)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(dgs, sodTrust(p), sodNow).Err(); err != nil {
				t.Fatalf("HSM-signed SOD: %v", err)
			}
			// And openssl agrees.
			pkiDir := sodWritePKI(t, p)
			in := filepath.Join(pkiDir, "sod.p7")
			os.WriteFile(in, sodUnwrap(t, sod), 0o644)
			sodOpenSSL(t, "cms", "-verify", "-inform", "DER", "-in", in, "-CAfile", filepath.Join(pkiDir, pki.FileCSCACert), "-purpose", "any", "-out", filepath.Join(pkiDir, "c"))
		})
	}
}
