package verify_test

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/internal/cms"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

// The hostile-card matrix: cards an attacker builds from a genuine one,
// and cards that break in the middle. Each case states what the counter
// must conclude: a failed check by name (exit 1), a genuine card (exit 0),
// or no conclusion at all (exit 3).

type outcome int

const (
	wantGenuine outcome = iota
	wantFailed
	wantNoConclusion
)

type hostileCase struct {
	name string
	o    cardOpts
	// build turns the genuine card's image into the hostile one.
	build func(t *testing.T, h *hostile)
	want  outcome
	// check names the check that must fail (wantFailed) or be reported
	// with status (wantGenuine); reason is the verdict's class.
	check  string
	status verify.Status
	reason verify.Reason
	// errIs is what the no-conclusion error must match.
	errIs error
	opt   func(*verify.Options)
}

type hostile struct {
	c   *lds.Document
	img *testcards.Image
}

func withhold(fid uint16, sw string) func(t *testing.T, h *hostile) {
	return func(t *testing.T, h *hostile) {
		h.img.Faults.Withhold = append(h.img.Faults.Withhold, testcards.FileFault{FID: hex4(fid), SW: sw})
	}
}

func hex4(fid uint16) string { return fmt.Sprintf("%04X", fid) }

// comListing rewrites EF.COM (unsigned) to list only dgs.
func comListing(dgs ...int) func(t *testing.T, h *hostile) {
	return func(t *testing.T, h *hostile) {
		com, err := lds.NewCOM(dgs)
		if err != nil {
			t.Fatal(err)
		}
		b, err := com.Encode()
		if err != nil {
			t.Fatal(err)
		}
		h.img.SetFile(lds.FIDCOM, false, b)
	}
}

func both(fs ...func(t *testing.T, h *hostile)) func(t *testing.T, h *hostile) {
	return func(t *testing.T, h *hostile) {
		for _, f := range fs {
			f(t, h)
		}
	}
}

// cloneAA replaces the chip's Active Authentication key: a copy of the
// files on another chip.
func cloneAA(t *testing.T, h *hostile) {
	if err := h.img.SetAAKey(freshKey()); err != nil {
		t.Fatal(err)
	}
}

func cloneCA(t *testing.T, h *hostile) {
	if err := h.img.SetCAKey(freshKey()); err != nil {
		t.Fatal(err)
	}
}

// recorder keeps the commands that cross it.
type recorder struct {
	inner apdu.Transport
	cmds  [][]byte
}

func (r *recorder) Transmit(cmd []byte) ([]byte, error) {
	r.cmds = append(r.cmds, append([]byte(nil), cmd...))
	return r.inner.Transmit(cmd)
}

// ATR passes the card's on: what it announces decides the APDUs.
func (r *recorder) ATR() []byte { return r.inner.(interface{ ATR() []byte }).ATR() }

// bareRefusalOfCAProof makes the chip answer the read right after chip
// authentication — the terminal's proof that the chip holds the DG14 key —
// with a bare status word, outside secure messaging: what a clone that
// lacks the key can always send. The APDU's number comes from a session
// with the card as it is (the one after MSE:Set AT for CA, 00 22 41 A4,
// and its GENERAL AUTHENTICATE).
func bareRefusalOfCAProof(sw string) func(t *testing.T, h *hostile) {
	return func(t *testing.T, h *hostile) {
		probe := *h.img
		rec := &recorder{inner: testcards.NewEmulator(&probe, "")}
		verify.Inspect(apdu.NewCard(rec), verify.Input{Secret: h.c.Secret.CANOnly()}, verify.Options{})
		for i, c := range rec.cmds {
			if len(c) >= 4 && c[1] == 0x22 && c[2] == 0x41 && c[3] == 0xA4 {
				h.img.Faults.RawStatusWords = append(h.img.Faults.RawStatusWords, testcards.StatusFault{APDU: i + 3, SW: sw})
				return
			}
		}
		t.Fatal("no chip authentication in the session")
	}
}

func hostileCases() []hostileCase {
	var cases []hostileCase
	for _, sw := range []string{"6A82", "6982"} {
		for _, dg := range []int{2, 13, 14, 15} {
			o := cardOpts{}
			if dg == 14 {
				o.ca = true
			}
			cases = append(cases, hostileCase{
				name: "withheld DG" + itoa(dg) + " by " + sw, o: o,
				build: withhold(lds.DGFileID(dg), sw), want: wantFailed, check: "dg" + itoa(dg) + ".hash", reason: verify.Forged,
			})
		}
	}
	cases = append(cases,
		// A copy that hides its keys' files from the unsigned EF.COM:
		// the SOD still lists them, they are read, and the copy's chip
		// cannot prove it holds the keys.
		// A clone answers the proof read with a bare refusal: no MAC, so
		// it proves nothing; the proof is asked again and fails.
		hostileCase{name: "clone refusing the CA proof read in plain (6982)", o: cardOpts{ca: true},
			build: both(cloneCA, bareRefusalOfCAProof("6982")), want: wantFailed, check: "clone.chip_authentication", reason: verify.Cloned},
		hostileCase{name: "clone refusing the CA proof read in plain (6A82)", o: cardOpts{ca: true},
			build: both(cloneCA, bareRefusalOfCAProof("6A82")), want: wantFailed, check: "clone.chip_authentication", reason: verify.Cloned},
		hostileCase{name: "clone hiding DG14/DG15 from EF.COM", o: cardOpts{ca: true},
			build: both(comListing(1, 2, 13), cloneAA, cloneCA), want: wantFailed, check: "clone.chip_authentication", reason: verify.Cloned},
		hostileCase{name: "clone hiding DG15 from EF.COM", o: cardOpts{},
			build: both(comListing(1, 2, 13), cloneAA), want: wantFailed, check: "clone.active_authentication", reason: verify.Cloned},
		hostileCase{name: "clone withholding DG15 and hiding it", o: cardOpts{},
			build: both(comListing(1, 2, 13), withhold(0x010F, "6A82"), cloneAA), want: wantFailed, check: "dg15.hash", reason: verify.Forged},
		hostileCase{name: "clone withholding DG14 (6982)", o: cardOpts{ca: true},
			build: both(withhold(0x010E, "6982"), cloneCA), want: wantFailed, check: "clone.chip_authentication", reason: verify.Forged},
		// EF.COM that disagrees with EF.SOD on a genuine card: shown,
		// and the SOD decides.
		hostileCase{name: "EF.COM lists an extra DG", o: cardOpts{},
			build: comListing(1, 2, 11, 13, 15), want: wantGenuine, check: "com.matches_sod", status: verify.Warn},
		hostileCase{name: "EF.COM omits DG13", o: cardOpts{},
			build: comListing(1, 2, 15), want: wantGenuine, check: "com.matches_sod", status: verify.Warn},
		// Cards that break or stall.
		hostileCase{name: "61xx without data, forever", o: cardOpts{},
			build: func(t *testing.T, h *hostile) {
				h.img.Faults.RawStatusWords = []testcards.StatusFault{{INS: "B0", SW: "6110"}, {INS: "C0", SW: "6110"}}
			}, want: wantNoConclusion, errIs: apdu.ErrResponseTooLong},
		hostileCase{name: "a card that never answers", o: cardOpts{},
			build: func(t *testing.T, h *hostile) { h.img.Faults.HangAfter = 9 },
			opt:   func(o *verify.Options) { o.Timeout = 300 * time.Millisecond },
			want:  wantNoConclusion, errIs: apdu.ErrTimeout},
		hostileCase{name: "one byte per READ BINARY", o: cardOpts{},
			build: func(t *testing.T, h *hostile) { h.img.MaxResponse = 1 },
			want:  wantNoConclusion, errIs: apdu.ErrBudget},
		hostileCase{name: "EF.SOD with thousands of certificates", o: cardOpts{},
			build: func(t *testing.T, h *hostile) { h.img.SetFile(lds.FIDSOD, false, bloatedSOD(t, h.c)) },
			want:  wantNoConclusion, errIs: apdu.ErrBudget},
	)
	return cases
}

func itoa(n int) string { return strconv.Itoa(n) }

// bloatedSOD re-wraps the card's security object with 3000 tiny
// certificates: an EF.SOD built to exhaust the terminal.
func bloatedSOD(t *testing.T, c *lds.Document) []byte {
	sod, err := lds.ParseSOD(c.Files[lds.FIDSOD])
	if err != nil {
		t.Fatal(err)
	}
	content, err := sod.Object.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI(t, "ecdsa-p256")
	extra := make([][]byte, 3000)
	for i := range extra {
		extra[i] = []byte{0x30, 0x00}
	}
	signed, err := cms.Sign(cms.SignOptions{ContentType: lds.OIDLDSSecurityObject, Content: content, Certificate: p.DS.Raw, Issuer: p.DS.RawIssuer, SerialNumber: p.DS.SerialNumber, Signer: p.DSKey, Hash: crypto.SHA256, ExtraCertificates: extra})
	if err != nil {
		t.Fatal(err)
	}
	return apdu.EncodeTLV(0x77, signed)
}

func TestHostileCards(t *testing.T) {
	for _, tt := range hostileCases() {
		t.Run(tt.name, func(t *testing.T) {
			c, aa, p := buildCard(t, tt.o)
			img := cardImage(t, c, aa)
			tt.build(t, &hostile{c: c, img: img})
			opt := verify.Options{Trust: trustDir(t, p, true)}
			if tt.opt != nil {
				tt.opt(&opt)
			}
			e := testcards.NewEmulator(img, "")
			defer e.Close()
			rep, err := verify.Inspect(apdu.NewCard(e), verify.Input{Secret: c.Secret.CANOnly()}, opt)
			assertOutcome(t, tt, rep, err)
		})
	}
}

func assertOutcome(t *testing.T, tt hostileCase, rep *verify.Report, err error) {
	t.Helper()
	switch tt.want {
	case wantNoConclusion:
		if err == nil {
			t.Fatalf("concluded %s, want no conclusion", rep.Summary())
		}
		if !errors.Is(err, verify.ErrNoConclusion) || (tt.errIs != nil && !errors.Is(err, tt.errIs)) {
			t.Fatalf("error %v, want no conclusion matching %v", err, tt.errIs)
		}
	case wantFailed:
		if err != nil {
			t.Fatalf("no conclusion (%v), want %s failed", err, tt.check)
		}
		if rep.IsGenuine() || checkOf(rep, tt.check).Status != verify.Fail {
			t.Fatalf("%s is %+v, verdict %s; want it failed", tt.check, checkOf(rep, tt.check), rep.Summary())
		}
		if tt.reason != "" && rep.Reason != tt.reason {
			t.Fatalf("reason %q, want %q (%s)", rep.Reason, tt.reason, rep.Summary())
		}
	case wantGenuine:
		if err != nil {
			t.Fatalf("no conclusion: %v", err)
		}
		if !rep.IsGenuine() {
			t.Fatalf("verdict %s, want genuine", rep.Summary())
		}
		if tt.check != "" && checkOf(rep, tt.check).Status != tt.status {
			t.Fatalf("%s is %+v, want %s", tt.check, checkOf(rep, tt.check), tt.status)
		}
	}
}

// TestTearingAtEveryAPDU cuts the power at each APDU of a full
// verification in turn (PACE, every file, chip and active
// authentication): each time nothing is concluded — never a failed check.
func TestTearingAtEveryAPDU(t *testing.T) {
	for _, o := range []cardOpts{{ca: true}, {noPACE: true}} {
		c, aa, p := buildCard(t, o)
		ts := trustDir(t, p, true)
		in := verify.Input{Secret: c.Secret.CANOnly()}
		if o.noPACE {
			in = verify.Input{Secret: c.Secret.MRZOnly()}
		}
		ref, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(cardImage(t, c, aa), "")), in, verify.Options{Trust: ts})
		if err != nil || !ref.IsGenuine() {
			t.Fatalf("reference: %v %v", err, ref)
		}
		n := ref.Stats.APDUs
		for k := 1; k <= n; k++ {
			img := cardImage(t, c, aa)
			img.Faults.TearAfter = k
			rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), in, verify.Options{Trust: ts})
			if err == nil {
				t.Fatalf("torn at APDU %d of %d: concluded %s", k, n, rep.Summary())
			}
			if !errors.Is(err, verify.ErrNoConclusion) || !errors.Is(err, testcards.ErrTorn) {
				t.Fatalf("torn at APDU %d of %d: %v", k, n, err)
			}
		}
		t.Logf("%+v: torn at each of %d APDUs, no conclusion each time", o, n)
	}
}

// TestCardAccessDowngrade: DG14 signs the PACE the chip offers; an
// EF.CardAccess that offers another (weaker) one is caught, and the one
// the real card offers passes.
func TestCardAccessDowngrade(t *testing.T) {
	signed := lds.NewPACEInfo(lds.OIDPACEECDHGMAES128, 2, 13)
	for _, tt := range []struct {
		name    string
		offered []lds.SecurityInfo
		want    verify.Status
	}{
		{"as signed", []lds.SecurityInfo{signed}, verify.Pass},
		{"3DES instead", []lds.SecurityInfo{lds.NewPACEInfo(lds.OIDPACEECDHGM3DES, 2, 13)}, verify.Fail},
		{"an extra weak suite", []lds.SecurityInfo{lds.NewPACEInfo(lds.OIDPACEDHGM3DES, 2, 0), signed}, verify.Fail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, aa, p := buildCard(t, cardOpts{ca: true})
			resign(t, c, p, func(dgs map[int][]byte) {
				dg14, err := lds.ParseDG14(dgs[14])
				if err != nil {
					t.Fatal(err)
				}
				dg14.Infos = append(dg14.Infos, signed)
				if dgs[14], err = dg14.Encode(); err != nil {
					t.Fatal(err)
				}
			})
			ca, err := (&lds.CardAccess{Infos: tt.offered}).Encode()
			if err != nil {
				t.Fatal(err)
			}
			c.Files[lds.FIDCardAccess] = ca
			img := cardImage(t, c, aa)
			rep := runVerify(t, img, verify.Input{Secret: c.Secret.CANOnly()}, trustDir(t, p, true))
			if got := checkOf(rep, "access.cardaccess_dg14"); got.Status != tt.want {
				t.Fatalf("access.cardaccess_dg14 %+v, want %s", got, tt.want)
			}
			if tt.want == verify.Fail && (rep.IsGenuine() || rep.Reason != verify.Forged) {
				t.Fatalf("verdict %s", rep.Summary())
			}
			if tt.want == verify.Pass && !rep.IsGenuine() {
				t.Fatalf("verdict %s", rep.Summary())
			}
		})
	}
}

// TestCAWithoutChipAuthenticationInfo: DG14 with only the CA public key
// means 3DES (ICAO 9303-11 §9.2.5): the emulated chip, which follows the
// protocol the terminal asks for, authenticates under 3DES.
func TestCAWithoutChipAuthenticationInfo(t *testing.T) {
	c, aa, p := buildCard(t, cardOpts{ca: true})
	resign(t, c, p, func(dgs map[int][]byte) {
		dg14, err := lds.ParseDG14(dgs[14])
		if err != nil {
			t.Fatal(err)
		}
		var kept lds.SecurityInfos
		for _, si := range dg14.Infos {
			if si.Kind != lds.SecurityInfoChipAuthentication {
				kept = append(kept, si)
			}
		}
		dg14.Infos = kept
		if dgs[14], err = dg14.Encode(); err != nil {
			t.Fatal(err)
		}
		d, err := lds.ParseDG14(dgs[14])
		if err != nil {
			t.Fatal(err)
		}
		if ca, ok, err := chip.CAFromDG14(d); !ok || err != nil || !ca.Protocol.Equal(lds.OIDCAECDH3DES) {
			t.Fatalf("CA defaults to %v (%v %v), want 3DES", ca.Protocol, ok, err)
		}
	})
	rep := runVerify(t, cardImage(t, c, aa), verify.Input{Secret: c.Secret.CANOnly()}, trustDir(t, p, true))
	if got := checkOf(rep, "clone.chip_authentication"); got.Status != verify.Pass {
		t.Fatalf("clone.chip_authentication %+v (%s)", got, rep.Summary())
	}
}

// trustWith is a trust store holding p's CSCA and the given CRLs (DER).
func trustWith(t *testing.T, p *pki.TestPKI, crls ...[]byte) *verify.TrustStore {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "csca.der"), p.CSCA.Raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, c := range crls {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("c%d.crl", i)), c, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := verify.LoadTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestCRLFreshness: a stale or not-yet-valid CRL leaves revocation
// unknown — a warning, not "CRL checked" — and --require-crl makes unknown
// a failure; a current CRL passes.
func TestCRLFreshness(t *testing.T) {
	c, aa, p := buildCard(t, cardOpts{})
	now := time.Now()
	crl := func(this, next time.Time) []byte {
		b, err := pki.CreateCRL(p.CSCA, p.CSCAKey, nil, big.NewInt(7), this, next, p.Params)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tt := range []struct {
		name    string
		crl     []byte
		require bool
		want    verify.Status
		detail  string
	}{
		{"current", crl(now.AddDate(0, 0, -1), now.AddDate(0, 0, 30)), false, verify.Pass, "CRL checked"},
		{"stale", crl(now.AddDate(0, -3, 0), now.AddDate(0, 0, -1)), false, verify.Warn, "unknown"},
		{"not yet valid", crl(now.AddDate(0, 0, 2), now.AddDate(0, 1, 0)), false, verify.Warn, "unknown"},
		{"none", nil, false, verify.Warn, "unknown"},
		{"stale, CRL required", crl(now.AddDate(0, -3, 0), now.AddDate(0, 0, -1)), true, verify.Fail, "unknown"},
		{"none, CRL required", nil, true, verify.Fail, "unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ts *verify.TrustStore
			if tt.crl != nil {
				ts = trustWith(t, p, tt.crl)
			} else {
				ts = trustWith(t, p)
			}
			rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(cardImage(t, c, aa), "")), verify.Input{Secret: c.Secret.CANOnly()}, verify.Options{Trust: ts, RequireCRL: tt.require})
			if err != nil {
				t.Fatal(err)
			}
			got := checkOf(rep, "sod.revocation")
			if got.Status != tt.want || !strings.Contains(got.Detail, tt.detail) {
				t.Fatalf("sod.revocation %+v, want %s (%q)", got, tt.want, tt.detail)
			}
			if rep.IsGenuine() != (tt.want != verify.Fail) {
				t.Fatalf("verdict %s", rep.Summary())
			}
		})
	}
}

// TestUnknownCriticalExtension: a Document Signer with an unknown critical
// extension breaks the chain; its non-critical twin does not.
func TestUnknownCriticalExtension(t *testing.T) {
	for _, critical := range []bool{true, false} {
		c, aa, p := buildCard(t, cardOpts{})
		key := freshKey()
		der, err := pki.CreateCertificate(&pki.Template{
			SerialNumber: big.NewInt(4242), Subject: pkix.Name{Country: []string{"VN"}, CommonName: "DS with an extension"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), MaxPathLen: -1,
			KeyUsage:        x509.KeyUsageDigitalSignature,
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: critical, Value: []byte{0x05, 0x00}}},
		}, p.CSCA, &key.PublicKey, p.CSCAKey, p.Params)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := pki.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		resignWith(t, c, ds, key)
		rep := runVerify(t, cardImage(t, c, aa), verify.Input{Secret: c.Secret.CANOnly()}, trustDir(t, p, true))
		chain := checkOf(rep, "sod.chain")
		if critical && (chain.Status != verify.Fail || !strings.Contains(chain.Detail, "critical")) {
			t.Fatalf("critical: sod.chain %+v", chain)
		}
		if !critical && chain.Status != verify.Pass {
			t.Fatalf("non-critical: sod.chain %+v", chain)
		}
	}
}

// resignWith signs the card's security object again with another DS.
func resignWith(t *testing.T, c *lds.Document, ds *pki.Certificate, key crypto.Signer) {
	t.Helper()
	sod, err := lds.ParseSOD(c.Files[lds.FIDSOD])
	if err != nil {
		t.Fatal(err)
	}
	b, err := lds.SignSOD(sod.Object, lds.SODSignOptions{Certificate: ds, Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	c.Files[lds.FIDSOD] = b
}

// TestCAUnsupportedByTerminal: a genuine document whose signed DG14 names
// a chip authentication this terminal cannot run (DH, as some passports
// have; an EC key on a curve it does not know) is not called a clone: the
// check is a warning that says the copy question is open, and the verdict
// rests on the rest. A key that does not even parse is the issuer's data
// broken: DG14 fails (forged), not the chip.
func TestCAUnsupportedByTerminal(t *testing.T) {
	type algID struct {
		OID    asn1.ObjectIdentifier
		Params asn1.RawValue
	}
	type spki struct {
		Alg algID
		Key asn1.BitString
	}
	der := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	dhParams := der(struct{ P, G *big.Int }{new(big.Int).Lsh(big.NewInt(1), 1023), big.NewInt(2)})
	dhKey := der(spki{algID{asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}, asn1.RawValue{FullBytes: dhParams}},
		asn1.BitString{Bytes: der(big.NewInt(12345)), BitLength: 8 * len(der(big.NewInt(12345)))}})
	point := append([]byte{0x04}, make([]byte, 64)...)
	k1Key := der(spki{algID{asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, asn1.RawValue{FullBytes: der(asn1.ObjectIdentifier{1, 3, 132, 0, 10})}},
		asn1.BitString{Bytes: point, BitLength: 8 * len(point)}})
	for _, tt := range []struct {
		name     string
		key      []byte
		protocol asn1.ObjectIdentifier
		check    string
		want     verify.Status
		genuine  bool
	}{
		{"DH chip authentication", dhKey, asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 2}, "clone.chip_authentication", verify.Warn, true},
		{"EC key on secp256k1", k1Key, lds.OIDCAECDHAES128, "clone.chip_authentication", verify.Warn, true},
		{"a key that does not parse", []byte{0x30, 0x03, 0x02, 0x01, 0x00}, lds.OIDCAECDHAES128, "dg14.parse", verify.Fail, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, aa, p := buildCard(t, cardOpts{ca: true})
			resign(t, c, p, func(dgs map[int][]byte) {
				dg14, err := lds.ParseDG14(dgs[14])
				if err != nil {
					t.Fatal(err)
				}
				for i := range dg14.Infos {
					switch dg14.Infos[i].Kind {
					case lds.SecurityInfoChipAuthenticationPublicKey:
						dg14.Infos[i].SubjectPublicKeyInfo = tt.key
					case lds.SecurityInfoChipAuthentication:
						dg14.Infos[i].Protocol = tt.protocol
					}
				}
				if dgs[14], err = dg14.Encode(); err != nil {
					t.Fatal(err)
				}
			})
			rep := runVerify(t, cardImage(t, c, aa), verify.Input{Secret: c.Secret.CANOnly()}, trustDir(t, p, true))
			if got := checkOf(rep, tt.check); got.Status != tt.want {
				t.Fatalf("%s %+v, want %s (%s)", tt.check, got, tt.want, rep.Summary())
			}
			if rep.IsGenuine() != tt.genuine || (!tt.genuine && rep.Reason != verify.Forged) {
				t.Fatalf("verdict %s (reason %q)", rep.Summary(), rep.Reason)
			}
			if tt.genuine && checkOf(rep, "clone.active_authentication").Status != verify.Pass {
				t.Fatalf("active authentication %+v: the other clone check must still run", checkOf(rep, "clone.active_authentication"))
			}
		})
	}
}
