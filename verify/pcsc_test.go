package verify_test

import (
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
	// Serve rather than Insert: the slot is freed as soon as this card
	// is verified (there are two slots for all test processes).
	slot, stop, err := pcsctest.Serve(testcards.NewEmulator(img, ""))
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
	rep, err := verify.Inspect(apdu.NewCard(sc), sec, verify.Options{Trust: ts})
	if err != nil {
		t.Fatal(err)
	}
	return rep
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
