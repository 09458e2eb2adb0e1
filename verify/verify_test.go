package verify_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/qr"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

var (
	pkiOnce sync.Map
	samples []testcards.Sample
	sampErr error
	sampOne sync.Once
)

func testPKI(t testing.TB, alg string) *pki.TestPKI {
	t.Helper()
	if v, ok := pkiOnce.Load(alg); ok {
		return v.(*pki.TestPKI)
	}
	p, err := pki.NewTestPKI(alg, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pkiOnce.Store(alg, p)
	return p
}

func sample(t testing.TB, i int) testcards.Sample {
	t.Helper()
	sampOne.Do(func() { samples, sampErr = testcards.Samples(4, 7) })
	if sampErr != nil {
		t.Fatal(sampErr)
	}
	return samples[i]
}

// trustDir writes a trust store holding csca (and crl, if any).
func trustDir(t testing.TB, p *pki.TestPKI, withCRL bool) *verify.TrustStore {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "csca.der"), p.CSCA.Raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if withCRL {
		os.WriteFile(filepath.Join(dir, "csca.crl"), p.CRL.Raw, 0o644)
	}
	ts, err := verify.LoadTrustStore(dir)
	if err != nil || len(ts.CSCAs) != 1 {
		t.Fatalf("trust store: %v %v", err, ts.Problems)
	}
	return ts
}

type cardOpts struct {
	alg    string
	pss    bool
	rsaAA  bool
	noAA   bool
	noPACE bool
	ca     bool
	dg2    lds.FaceEncoding
	record func(*citizen.Record)
	// fingers puts the sample's synthetic fingerprints in DG3.
	fingers bool
}

// caKeys remembers the CA private key of cards built with ca set.
var caKeys sync.Map

func buildCard(t testing.TB, o cardOpts) (*lds.Document, crypto.PrivateKey, *pki.TestPKI) {
	t.Helper()
	if o.alg == "" {
		o.alg = "ecdsa-p256"
	}
	p := testPKI(t, o.alg)
	s := sample(t, 0)
	rec := s.Record
	if o.record != nil {
		o.record(&rec)
	}
	var aa crypto.PrivateKey
	var aaPub crypto.PublicKey
	if !o.noAA {
		if o.rsaAA {
			k, _ := rsa.GenerateKey(rand.Reader, 1024)
			aa, aaPub = k, &k.PublicKey
		} else {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			aa, aaPub = k, &k.PublicKey
		}
	}
	var caKey *ecdsa.PrivateKey
	var caPub *ecdsa.PublicKey
	if o.ca {
		caKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		caPub = &caKey.PublicKey
	}
	spec, err := testcards.Spec(rec, s.Photo)
	if o.fingers {
		spec, err = testcards.SpecWithFingerprints(rec, s.Photo)
	}
	if err != nil {
		t.Fatal(err)
	}
	spec.AAPublicKey, spec.CAPublicKey, spec.NoPACE, spec.DG2Format = aaPub, caPub, o.noPACE, o.dg2
	spec.Sign = lds.SODSignOptions{Certificate: p.DS, Signer: p.DSKey, PSS: o.pss}
	card, err := lds.BuildDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	if caKey != nil {
		caKeys.Store(card, caKey)
	}
	return card, aa, p
}

// cardImage is the locked image of a built card, with its keys.
func cardImage(t testing.TB, c *lds.Document, aa crypto.PrivateKey) *testcards.Image {
	t.Helper()
	img, err := testcards.PersonalizedImage(c, aa, testcards.ProfileCCCD)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := caKeys.Load(c); ok {
		img.SetCAKey(k.(*ecdsa.PrivateKey))
	}
	return img
}

func runVerify(t testing.TB, img *testcards.Image, sec verify.Input, ts *verify.TrustStore) *verify.Report {
	t.Helper()
	rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), sec, verify.Options{Trust: ts})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func checkOf(rep *verify.Report, name string) verify.Check {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	return verify.Check{}
}

func TestGenuineCards(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    cardOpts
		sec  func(*lds.Document) verify.Input
	}{
		{"ECDSA P-256, PACE with CAN", cardOpts{}, func(c *lds.Document) verify.Input { return verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}} }},
		{"RSA-2048, MRZ", cardOpts{alg: "rsa-2048", rsaAA: true}, func(c *lds.Document) verify.Input { return verify.Input{Secret: c.Secret.MRZOnly()} }},
		{"RSA-PSS, BAC-only", cardOpts{alg: "rsa-pss-2048", pss: true, noPACE: true}, func(c *lds.Document) verify.Input { return verify.Input{Secret: c.Secret.MRZOnly()} }},
		{"brainpool, full MRZ", cardOpts{alg: "ecdsa-brainpool256"}, func(c *lds.Document) verify.Input {
			return verify.Input{Secret: c.Secret.MRZOnly(), MRZ: c.Data.MRZ}
		}},
		{"no AA", cardOpts{noAA: true}, func(c *lds.Document) verify.Input { return verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}} }},
		{"CA card", cardOpts{ca: true}, func(c *lds.Document) verify.Input { return verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}} }},
		{"CA card, BAC", cardOpts{ca: true, noPACE: true}, func(c *lds.Document) verify.Input { return verify.Input{Secret: c.Secret.MRZOnly()} }},
		{"Vietnamese PKI profile (brainpoolP512r1 explicit CSCA, brainpoolP384r1 DS)", cardOpts{alg: "vn-brainpool512", ca: true}, func(c *lds.Document) verify.Input { return verify.Input{Secret: c.Secret.CANOnly()} }},
		{"ISO/IEC 39794-5 face", cardOpts{dg2: lds.Face39794}, func(c *lds.Document) verify.Input { return verify.Input{Secret: c.Secret.CANOnly()} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, aa, p := buildCard(t, tt.o)
			img := cardImage(t, c, aa)
			rep := runVerify(t, img, tt.sec(c), trustDir(t, p, true))
			if !rep.IsGenuine() {
				t.Fatalf("verdict %s: %+v", rep.Summary(), rep.Checks)
			}
			if rep.Holder == nil || rep.Holder.IDNumber != c.Data.DG13.IDNumber || len(rep.Photo) == 0 {
				t.Fatal("holder data or photo missing")
			}
			if d, err := lds.ParseDG2(c.Files[0x0102]); err != nil || d.Faces[0].Encoding() != tt.o.dg2 && tt.o.dg2 != "" || !bytes.Equal(d.FirstImage().Image, rep.Photo) {
				t.Fatalf("DG2 %v: the photo of the report is not the one written", err)
			}
			if tt.o.noAA && checkOf(rep, "clone.active_authentication").Status != verify.Skip {
				t.Fatal("AA not skipped without DG15")
			}
			if tt.o.ca && checkOf(rep, "clone.chip_authentication").Status != verify.Pass {
				t.Fatal("CA did not run")
			}
		})
	}
}

// resign replaces files and signs a new SOD over them with the PKI's DS,
// so that passive authentication passes and only the targeted check fails.
func resign(t testing.TB, c *lds.Document, p *pki.TestPKI, mutate func(map[int][]byte)) {
	t.Helper()
	dgs := map[int][]byte{}
	for fid, b := range c.Files {
		if fid >= 0x0101 && fid <= 0x0110 {
			dgs[int(fid-0x0100)] = b
		}
	}
	mutate(dgs)
	built, err := lds.BuildLDS(dgs, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sod, err := lds.SignSOD(built.SecurityObject, lds.SODSignOptions{Certificate: p.DS, Signer: p.DSKey})
	if err != nil {
		t.Fatal(err)
	}
	for n, b := range dgs {
		c.Files[lds.DGFileID(n)] = b
	}
	c.Files[0x011D] = sod
}

func flip(b []byte) []byte { out := append([]byte(nil), b...); out[len(out)-3] ^= 0x01; return out }

// forgeryCase is a card forged from a genuine one, and the checks that must
// fail on it.
type forgeryCase struct {
	name   string
	o      cardOpts
	forge  func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input)
	failed string
}

func forgeryCases(t *testing.T) []forgeryCase {
	other := sample(t, 1)
	return []forgeryCase{
		{"tampered DG1", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			img.SetFile(0x0101, false, flip(c.Files[0x0101]))
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "dg1.hash"},
		{"tampered DG2", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			img.SetFile(0x0102, false, flip(c.Files[0x0102]))
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "dg2.hash"},
		{"tampered DG13", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			img.SetFile(0x010D, false, flip(c.Files[0x010D]))
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "dg13.hash"},
		{"trust store without the issuing CSCA", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			rogue, _ := pki.NewTestPKI("ecdsa-p256", time.Now().Add(-time.Hour))
			return trustDir(t, rogue, false), verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "sod.chain"},
		{"SOD signed by an unknown DS", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			// The genuine DS certificate is embedded, but another key signed.
			sod, _ := lds.ParseSOD(c.Files[0x011D])
			der, err := lds.SignSOD(sod.Object, lds.SODSignOptions{Certificate: p.DS, Signer: freshKey()})
			if err != nil {
				t.Fatal(err)
			}
			img.SetFile(0x011D, false, der)
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "sod.signature"},
		{"DS not issued by a trusted CSCA", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			// A look-alike PKI (same country, same names) signs a valid SOD;
			// the store trusts only the real CSCA.
			fake, err := pki.NewTestPKI("ecdsa-p256", time.Now().Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			resign(t, c, fake, func(map[int][]byte) {})
			img.SetFile(0x011D, false, c.Files[0x011D])
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "sod.chain"},
		{"rogue CSCA of another country", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			// A CSCA of country XX (trusted for its own documents) signs a VNM card.
			rogue := foreignPKI(t, "XX")
			resign(t, c, rogue, func(map[int][]byte) {})
			img.SetFile(0x011D, false, c.Files[0x011D])
			return trustDir(t, rogue, true), verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "sod.country"},
		{"expired DS", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			old, err := pki.NewTestPKI("ecdsa-p256", time.Now().AddDate(-11, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			resign(t, c, old, func(map[int][]byte) {})
			img.SetFile(0x011D, false, c.Files[0x011D])
			return trustDir(t, old, false), verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "sod.validity"},
		{"revoked DS", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			der, err := pki.CreateCRL(p.CSCA, p.CSCAKey, []pki.RevokedCertificate{{SerialNumber: p.DS.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)}}, big.NewInt(2), time.Now().Add(-time.Minute), time.Now().AddDate(0, 1, 0), p.Params)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "csca.der"), p.CSCA.Raw, 0o644)
			os.WriteFile(filepath.Join(dir, "csca.crl"), der, 0o644)
			ts, _ := verify.LoadTrustStore(dir)
			return ts, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "sod.revocation"},
		{"DG hash algorithm mismatch", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			sod, _ := lds.ParseSOD(c.Files[0x011D])
			obj := *sod.Object
			obj.HashAlgorithm = crypto.SHA1 // the hashes stay SHA-256
			der, err := lds.SignSOD(&obj, lds.SODSignOptions{Certificate: p.DS, Signer: p.DSKey, Hash: crypto.SHA256})
			if err != nil {
				t.Fatal(err)
			}
			img.SetFile(0x011D, false, der)
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "dg1.hash"},
		{"cloned chip (AA key)", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			img.SetAAKey(k)
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "clone.active_authentication"},
		{"cloned chip (CA key)", cardOpts{ca: true}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			img.SetCAKey(freshKey())
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "clone.chip_authentication"},
		{"DG1 vs DG13 mismatch", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			rec := sample(t, 0).Record
			rec.FullName = other.Record.FullName
			h, errs, _ := citizen.NewHolder(rec)
			if !errs.OK() {
				t.Fatal(errs.Err())
			}
			d, err := lds.NewCCCDData(h)
			if err != nil {
				t.Fatal(err)
			}
			dg13, _ := d.DG13.Encode()
			resign(t, c, p, func(dgs map[int][]byte) { dgs[13] = dg13 })
			for fid, b := range c.Files {
				img.SetFile(fid, fid == 0x011C, b)
			}
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "consistency.dg1_dg13"},
		{"QR vs DG13 mismatch", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			rec := sample(t, 0).Record
			rec.PlaceOfResidence = other.Record.PlaceOfResidence
			q, err := qr.FromRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			sec, err := verify.InputFromQR(q)
			if err != nil {
				t.Fatal(err)
			}
			return nil, sec
		}, "consistency.qr_dg13"},
		{"MRZ entered differs from DG1", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			// The name line is outside BAC's key and every check digit:
			// only the comparison with DG1 sees it.
			lines := c.Data.MRZ.Lines()
			name := []byte(lines[2])
			name[0] = 'X' + (name[0]-'A'+1)%3
			lines[2] = string(name)
			sec, err := verify.InputFromMRZText(strings.Join(lines, "\n"))
			if err != nil {
				t.Fatal(err)
			}
			return nil, sec
		}, "consistency.mrz_input"},
		{"ID number disagrees with sex (DG13 re-signed)", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			// Digit 4 (century and sex) flipped between male and female,
			// signed by the real DS: the number contradicts the card's own
			// sex field.
			dg13, err := lds.ParseDG13(c.Files[0x010D])
			if err != nil {
				t.Fatal(err)
			}
			id := []byte(dg13.IDNumber)
			id[3] ^= 1
			dg13.IDNumber = string(id)
			b, err := dg13.Encode()
			if err != nil {
				t.Fatal(err)
			}
			resign(t, c, p, func(dgs map[int][]byte) { dgs[13] = b })
			for fid, b := range c.Files {
				img.SetFile(fid, fid == 0x011C, b)
			}
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "consistency.dg1_dg13"},
		{"expired card", cardOpts{record: func(r *citizen.Record) {
			r.DateOfBirth, r.DateOfIssue = "1985-03-10", "2021-05-01" // 40th birthday in 2025
			r.IDNumber = r.IDNumber[:3] + "085" + r.IDNumber[6:]
			if s, _ := citizen.ParseSex(r.Sex); s == citizen.Female {
				r.IDNumber = r.IDNumber[:3] + "185" + r.IDNumber[6:]
			}
		}}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			return nil, verify.Input{Secret: c.Secret.MRZOnly()}
		}, "card.expiry"},
		{"truncated DG13", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			b := c.Files[0x010D]
			img.SetFile(0x010D, false, append(append([]byte(nil), b[:2]...), b[2:len(b)/2]...))
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "dg13.hash,dg13.parse"},
		{"garbage SOD", cardOpts{}, func(t *testing.T, c *lds.Document, img *testcards.Image, p *pki.TestPKI) (*verify.TrustStore, verify.Input) {
			img.SetFile(0x011D, false, []byte{0x77, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00})
			return nil, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}
		}, "sod.parse"},
	}
}

func TestForgeryMatrix(t *testing.T) {
	for _, tt := range forgeryCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			c, aa, p := buildCard(t, tt.o)
			img := cardImage(t, c, aa)
			ts, sec := tt.forge(t, c, img, p)
			if ts == nil {
				ts = trustDir(t, p, true)
			}
			rep := runVerify(t, img, sec, ts)
			if rep.IsGenuine() {
				t.Fatalf("forgery passed: %+v", rep.Checks)
			}
			for _, name := range strings.Split(tt.failed, ",") {
				if checkOf(rep, name).Status != verify.Fail {
					t.Fatalf("check %s did not fail; failed: %v", name, rep.Failed)
				}
			}
		})
	}
}

// foreignPKI makes a test PKI whose CSCA belongs to another country.
func foreignPKI(t testing.TB, country string) *pki.TestPKI {
	t.Helper()
	p, err := pki.NewTestPKIForCountry("ecdsa-p256", country, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWrongSecretIsNoConclusion(t *testing.T) {
	c, aa, p := buildCard(t, cardOpts{})
	img, _ := testcards.PersonalizedImage(c, aa, testcards.ProfileCCCD)
	_, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), verify.Input{Secret: lds.Secret{CAN: "999999"}}, verify.Options{Trust: trustDir(t, p, true)})
	if !errors.Is(err, chip.ErrAccessDenied) || !errors.Is(err, verify.ErrNoConclusion) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "does not match this card") {
		t.Fatalf("message: %v", err)
	}
}

func freshKey() *ecdsa.PrivateKey {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return k
}
