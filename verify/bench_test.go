package verify_test

import (
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
	"github.com/cccd-vn/cccd/verify"
)

// responseProfiles mimic real chips: 223-byte answers without extended
// length, 1 KB answers, and full extended length.
var responseProfiles = []struct {
	name     string
	max      int
	extended bool
}{{"223B", 223, false}, {"1KB", 1024, true}, {"extended", 0, true}}

// BenchmarkVerify measures a full open + read + verify, in-process and
// through pcscd + vpcd, reporting APDUs and bytes per card.
func BenchmarkVerify(b *testing.B) {
	c, aa, p := buildCard(b, cardOpts{ca: true})
	ts := trustDir(b, p, true)
	for _, prof := range responseProfiles {
		img := cardImage(b, c, aa)
		img.MaxResponse, img.ExtendedLength = prof.max, prof.extended
		b.Run("inprocess/"+prof.name, func(b *testing.B) {
			tc := &timedCard{inner: testcards.NewEmulator(img, "")}
			benchVerify(b, apdu.NewCard(tc), c.Secret.CAN, ts)
			b.ReportMetric(float64((b.Elapsed()-tc.chip).Microseconds())/float64(b.N)/1000, "terminal-ms")
			b.ReportMetric(float64(tc.chip.Microseconds())/float64(b.N)/1000, "chip-ms")
		})
		b.Run("pcscd/"+prof.name, func(b *testing.B) {
			slot, stop, err := pcsctest.Serve(testcards.NewEmulator(img, ""))
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
			benchVerify(b, apdu.NewCard(sc), c.Secret.CAN, ts)
		})
	}
}

func benchVerify(b *testing.B, card *apdu.Card, can string, ts *verify.TrustStore) {
	var rep *verify.Report
	for b.Loop() {
		var err error
		rep, err = verify.Inspect(card, verify.Input{Secret: lds.Secret{CAN: can}}, verify.Options{Trust: ts})
		if err != nil || !rep.IsGenuine() {
			b.Fatalf("%v %v", err, rep)
		}
	}
	b.ReportMetric(float64(rep.Stats.APDUs), "apdus/card")
	b.ReportMetric(float64(rep.Stats.BytesSent+rep.Stats.BytesReceived), "bytes/card")
	b.ReportMetric(rep.Stats.ReadMS, "read-ms")
}

// timedCard keeps the time the emulated chip spends answering, so that
// the terminal's own CPU time is the rest.
type timedCard struct {
	inner *testcards.Emulator
	chip  time.Duration
}

func (c *timedCard) Transmit(raw []byte) ([]byte, error) {
	start := time.Now()
	out, err := c.inner.Transmit(raw)
	c.chip += time.Since(start)
	return out, err
}

// ATR passes the emulated card's ATR on (it tells the terminal what the
// card takes).
func (c *timedCard) ATR() []byte { return c.inner.ATR() }
