package verify_test

import (
	"bytes"
	"crypto/elliptic"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/internal/brainpool"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
	"github.com/cccd-vn/cccd/verify"
)

// eacFixture is a card personalized with the sample's fingerprints,
// trusting chain's CVCA, and the terminal of that chain.
type eacFixture struct {
	img   *testcards.Image
	in    verify.Input
	ts    *verify.TrustStore
	chain *cvc.Chain
	dg3   []byte
}

func newEACFixture(t testing.TB, curve elliptic.Curve, opts ...cvc.ChainOption) *eacFixture {
	t.Helper()
	c, aa, p := buildCard(t, cardOpts{ca: true, fingers: true})
	ch, err := cvc.NewTestChain(curve, "VN", time.Now(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	img := cardImage(t, c, aa)
	img.SetTrustPoints(ch.CVCA)
	return &eacFixture{img: img, in: verify.Input{Secret: c.Secret.CANOnly()}, ts: trustDir(t, p, true), chain: ch, dg3: c.Files[lds.DGFileID(3)]}
}

func terminal(ch *cvc.Chain) *cvc.Terminal {
	return &cvc.Terminal{CVCA: ch.CVCA, DV: ch.DV, IS: ch.IS, Key: ch.ISKey}
}

// TestEACReadsDG3: with the inspection system's chain, terminal
// authentication runs after chip authentication and DG3 — the
// fingerprints — is read and hashed like every data group; without it,
// DG3 stays "present, protected".
func TestEACReadsDG3(t *testing.T) {
	for _, curve := range []elliptic.Curve{brainpool.P256r1(), elliptic.P256()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			f := newEACFixture(t, curve)
			rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(f.img, "")), f.in, verify.Options{Trust: f.ts, Terminal: terminal(f.chain)})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.IsGenuine() || checkOf(rep, "dg3.hash").Status != verify.Pass || rep.Access.Terminal != "VNIS00001" {
				t.Fatalf("%s; dg3.hash %+v; terminal %q", rep.Summary(), checkOf(rep, "dg3.hash"), rep.Access.Terminal)
			}
			d, err := lds.ParseDG3(rep.Raw["DG3"])
			if err != nil || !bytes.Equal(rep.Raw["DG3"], f.dg3) {
				t.Fatal(err)
			}
			imgs := d.Images()
			if len(imgs) != 2 || lds.FingerPositionName(imgs[0].Position) != "right_index" || lds.FingerImageFormat(imgs[0].Image) != "png" {
				t.Fatalf("%d finger images", len(imgs))
			}
			if c := checkOf(rep, "clone.chip_authentication"); c.Status != verify.Pass {
				t.Fatalf("chip authentication %+v", c)
			}

			rep, err = verify.Inspect(apdu.NewCard(testcards.NewEmulator(f.img, "")), f.in, verify.Options{Trust: f.ts})
			if err != nil {
				t.Fatal(err)
			}
			if c := checkOf(rep, "dg3.hash"); !rep.IsGenuine() || c.Status != verify.Warn || !strings.Contains(c.Detail, "protected") || rep.Access.Terminal != "" {
				t.Fatalf("without a terminal: %s, %+v", rep.Summary(), c)
			}
		})
	}
}

// TestEACTerminalNotAuthorised: a chain the chip does not trust, an
// expired IS, a CHAT without DG3 conclude nothing about the card (the
// terminal is not authorised), and say which.
func TestEACTerminalNotAuthorised(t *testing.T) {
	curve := elliptic.P256()
	f := newEACFixture(t, curve)
	de, _ := cvc.NewTestChain(curve, "DE", time.Now())
	expired, _ := cvc.NewTestChain(curve, "VN", time.Now(), cvc.WithExpiredIS())
	noDG3, _ := cvc.NewTestChain(curve, "VN", time.Now(), cvc.WithoutDG3())
	for _, tt := range []struct {
		name  string
		trust *cvc.Chain // the chip's CVCA
		term  *cvc.Chain
		want  string
	}{
		{"another CVCA", f.chain, de, "does not trust the CVCA DECVCA00001"},
		{"expired IS", expired, expired, "inspection system certificate VNIS00001 expired on"},
		{"CHAT without DG3", noDG3, noDG3, "do not grant read access to DG3 (fingerprints), which the card signs: they grant read DG4 (iris)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img := *f.img
			img.SetTrustPoints(tt.trust.CVCA)
			_, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(&img, "")), f.in, verify.Options{Trust: f.ts, Terminal: terminal(tt.term)})
			if !errors.Is(err, verify.ErrNoConclusion) || !errors.Is(err, chip.ErrTerminalNotAuthorized) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want no conclusion: %q", err, tt.want)
			}
			info := verify.DescribeError(err)
			if info.Code != "terminal_not_authorized" || !strings.Contains(info.Message, "nothing concluded about the card") || !strings.Contains(info.Message, tt.want) {
				t.Fatalf("described as %+v", info)
			}
		})
	}
}

// TestEACWithheldAndCloned: a chip that refuses DG3 after granting it is
// withholding it (forged); a clone cannot run chip authentication, so
// terminal authentication does not run and the verdict is "cloned".
func TestEACWithheldAndCloned(t *testing.T) {
	f := newEACFixture(t, elliptic.P256())
	img := *f.img
	img.Faults.Withhold = []testcards.FileFault{{FID: "0103", SW: "6982"}}
	rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(&img, "")), f.in, verify.Options{Trust: f.ts, Terminal: terminal(f.chain)})
	if err != nil {
		t.Fatal(err)
	}
	if c := checkOf(rep, "dg3.hash"); rep.IsGenuine() || c.Status != verify.Fail || !strings.Contains(c.Detail, "withheld") {
		t.Fatalf("%s; %+v", rep.Summary(), c)
	}

	clone := *f.img
	if err := clone.SetCAKey(freshKey()); err != nil {
		t.Fatal(err)
	}
	rep, err = verify.Inspect(apdu.NewCard(testcards.NewEmulator(&clone, "")), f.in, verify.Options{Trust: f.ts, Terminal: terminal(f.chain)})
	if err != nil {
		t.Fatal(err)
	}
	if c := checkOf(rep, "dg3.hash"); rep.Reason != verify.Cloned || c.Status != verify.Warn || !strings.Contains(c.Detail, "chip authentication failed") {
		t.Fatalf("%s; %+v", rep.Summary(), c)
	}
}

// TestEACOverPCSC: DG3 written, read with terminal authentication and
// hash-checked through the real pcscd and a vpcd reader.
func TestEACOverPCSC(t *testing.T) {
	f := newEACFixture(t, brainpool.P256r1())
	rep, err := inspectOverPCSC(t, f.img, f.in, verify.Options{Trust: f.ts, Terminal: terminal(f.chain)})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.IsGenuine() || checkOf(rep, "dg3.hash").Status != verify.Pass || !bytes.Equal(rep.Raw["DG3"], f.dg3) {
		t.Fatalf("%s; %+v", rep.Summary(), checkOf(rep, "dg3.hash"))
	}
	// Read (cccd read) too.
	e := testcards.NewEmulator(f.img, "")
	slot, stop, err := pcsctest.Serve(e)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	sc, err := ctx.Connect(slot.Reader)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	rep, err = verify.Read(apdu.NewCard(sc), f.in.Secret, verify.Options{Terminal: terminal(f.chain)})
	if err != nil || !bytes.Equal(rep.Raw["DG3"], f.dg3) {
		t.Fatalf("read: %v", err)
	}
}

// BenchmarkVerifyEAC measures a full verify with terminal authentication
// and DG3 (two 13 KB fingerprints) against the same without, in-process and
// through pcscd + vpcd: the difference is what EAC costs.
func BenchmarkVerifyEAC(b *testing.B) {
	f := newEACFixture(b, brainpool.P256r1())
	for _, prof := range responseProfiles {
		img := *f.img
		img.MaxResponse, img.ExtendedLength = prof.max, prof.extended
		for _, eac := range []bool{false, true} {
			opt := verify.Options{Trust: f.ts}
			name := prof.name + "/no-terminal"
			if eac {
				opt.Terminal, name = terminal(f.chain), prof.name+"/terminal"
			}
			b.Run("inprocess/"+name, func(b *testing.B) {
				benchEAC(b, apdu.NewCard(testcards.NewEmulator(&img, "")), f.in, opt)
			})
			b.Run("pcscd/"+name, func(b *testing.B) {
				slot, stop, err := pcsctest.Serve(testcards.NewEmulator(&img, ""))
				if err != nil {
					b.Fatal(err)
				}
				defer stop()
				ctx, _ := pcsc.Open()
				defer ctx.Close()
				sc, err := ctx.Connect(slot.Reader)
				if err != nil {
					b.Fatal(err)
				}
				defer sc.Close()
				benchEAC(b, apdu.NewCard(sc), f.in, opt)
			})
		}
	}
}

func benchEAC(b *testing.B, card *apdu.Card, in verify.Input, opt verify.Options) {
	var rep *verify.Report
	for b.Loop() {
		var err error
		rep, err = verify.Inspect(card, in, opt)
		if err != nil || !rep.IsGenuine() {
			b.Fatalf("%v %v", err, rep)
		}
	}
	b.ReportMetric(float64(rep.Stats.APDUs), "apdus/card")
	b.ReportMetric(float64(rep.Stats.BytesSent+rep.Stats.BytesReceived), "bytes/card")
	b.ReportMetric(rep.Stats.ReadMS, "read-ms")
}
