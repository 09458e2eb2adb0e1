package verify_test

import (
	"errors"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
	"github.com/cccd-vn/cccd/verify"
)

// verifyOverPCSC inserts the image into a vpcd reader of the real pcscd
// and verifies it through PC/SC.
func verifyOverPCSC(t testing.TB, img *testcards.Image, sec verify.Input, ts *verify.TrustStore) *verify.Report {
	t.Helper()
	rep, err := inspectOverPCSC(t, img, sec, verify.Options{Trust: ts})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// inspectOverPCSC is verifyOverPCSC returning the inspection's error.
func inspectOverPCSC(t testing.TB, img *testcards.Image, sec verify.Input, opt verify.Options) (*verify.Report, error) {
	t.Helper()
	// Serve rather than Insert: the slot is freed as soon as this card
	// is verified (there are two slots for all test processes).
	e := testcards.NewEmulator(img, "")
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
	rep, err := verify.Inspect(apdu.NewCard(sc), sec, opt)
	// A silent card still holds pcscd's transmit: let it go before
	// disconnecting.
	e.Close()
	return rep, err
}

// TestHostileCardsOverPCSC runs a subset of the hostile matrix through
// pcscd + vpcd: what the real stack does with a card that withholds, a
// clone, a card that loops, stalls or is pulled off.
func TestHostileCardsOverPCSC(t *testing.T) {
	pick := map[string]bool{
		"withheld DG15 by 6A82":              true,
		"withheld DG13 by 6982":              true,
		"clone hiding DG14/DG15 from EF.COM": true,
		"61xx without data, forever":         true,
		"a card that never answers":          true,
	}
	n := 0
	for _, tt := range hostileCases() {
		if !pick[tt.name] {
			continue
		}
		n++
		t.Run(tt.name, func(t *testing.T) {
			c, aa, p := buildCard(t, tt.o)
			img := cardImage(t, c, aa)
			tt.build(t, &hostile{c: c, img: img})
			opt := verify.Options{Trust: trustDir(t, p, true)}
			if tt.opt != nil {
				tt.opt(&opt)
			}
			rep, err := inspectOverPCSC(t, img, verify.Input{Secret: c.Secret.CANOnly()}, opt)
			if tt.want == wantNoConclusion {
				// Over PC/SC the error comes from pcscd's side; what
				// matters is that nothing is concluded.
				tt.errIs = nil
			}
			assertOutcome(t, tt, rep, err)
		})
	}
	if n != len(pick) {
		t.Fatalf("%d of %d cases found", n, len(pick))
	}
	// A card pulled off the reader at the start, in the middle and at the
	// end of a verification.
	c, aa, p := buildCard(t, cardOpts{ca: true})
	ts := trustDir(t, p, true)
	for _, k := range []int{2, 9, 18} {
		img := cardImage(t, c, aa)
		img.Faults.TearAfter = k
		rep, err := inspectOverPCSC(t, img, verify.Input{Secret: c.Secret.CANOnly()}, verify.Options{Trust: ts})
		if err == nil || !errors.Is(err, verify.ErrNoConclusion) {
			t.Fatalf("torn at APDU %d: %v %v", k, err, rep)
		}
	}
}

// TestVerifyOverPCSC: genuine cards and three forgeries end to end
// through pcscd + vpcd.
func TestVerifyOverPCSC(t *testing.T) {
	for _, g := range []struct {
		name  string
		o     cardOpts
		short bool // 223-byte answers, no extended length
		bac   bool
	}{
		{"PACE, ECDSA P-256, AA", cardOpts{}, false, false},
		{"BAC-only, RSA-2048, RSA AA, 223-byte answers", cardOpts{alg: "rsa-2048", rsaAA: true, noPACE: true}, true, true},
		{"PACE, brainpool, chip authentication", cardOpts{alg: "ecdsa-brainpool256", ca: true}, false, false},
		{"PACE, RSA-PSS, no AA", cardOpts{alg: "rsa-pss-2048", pss: true, noAA: true}, true, false},
	} {
		t.Run("genuine "+g.name, func(t *testing.T) {
			gc, gaa, gp := buildCard(t, g.o)
			img := cardImage(t, gc, gaa)
			if g.short {
				img.MaxResponse, img.ExtendedLength = 223, false
			}
			sec := verify.Input{Secret: lds.Secret{CAN: gc.Secret.CAN}}
			if g.bac {
				sec = verify.Input{Secret: gc.Secret.MRZOnly()}
			}
			if rep := verifyOverPCSC(t, img, sec, trustDir(t, gp, true)); !rep.IsGenuine() {
				t.Fatalf("%s", rep.Summary())
			}
		})
	}
	c, aa, p := buildCard(t, cardOpts{})
	ts := trustDir(t, p, true)
	for _, tt := range []struct {
		name   string
		forge  func(*testcards.Image)
		failed string
	}{
		{"tampered DG13", func(i *testcards.Image) { i.SetFile(0x010D, false, flip(c.Files[0x010D])) }, "dg13.hash"},
		{"cloned chip", func(i *testcards.Image) { i.SetAAKey(freshKey()) }, "clone.active_authentication"},
		{"tampered DG2", func(i *testcards.Image) { i.SetFile(0x0102, false, flip(c.Files[0x0102])) }, "dg2.hash"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img, _ := testcards.PersonalizedImage(c, aa, testcards.ProfileCCCD)
			tt.forge(img)
			rep := verifyOverPCSC(t, img, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}, ts)
			if rep.IsGenuine() || checkOf(rep, tt.failed).Status != verify.Fail {
				t.Fatalf("%s: %s", tt.name, rep.Summary())
			}
		})
	}
}
