package testcards_test

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
)

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

// exerciseDiag runs the transport checks against a diagnostic card,
// whatever carries the APDUs.
func exerciseDiag(t *testing.T, card *apdu.Card) {
	t.Helper()
	if _, err := card.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}}); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	for _, tt := range []struct {
		name string
		cmd  apdu.Command
		n    int
	}{
		{"61xx chain", apdu.Command{CLA: 0x80, INS: 0xC8, P1: 0x03, P2: 0xE8, Ne: 256}, 1000},
		{"6Cxx resend", apdu.Command{CLA: 0x80, INS: 0xCC, P1: 0x00, P2: 0x11, Ne: 256}, 17},
		{"extended response", apdu.Command{CLA: 0x80, INS: 0xCE, P1: 0x0B, P2: 0xB8, Ne: 65536}, 3000},
		{"extended echo", apdu.Command{CLA: 0x80, INS: 0xEE, Data: pattern(1200), Ne: 65536, Extended: true}, 1200},
	} {
		got, err := card.Send(tt.cmd)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !bytes.Equal(got, pattern(tt.n)) {
			t.Fatalf("%s: got %d bytes, want the %d-byte pattern", tt.name, len(got), tt.n)
		}
	}
	_, err := card.Send(apdu.Command{CLA: 0x80, INS: 0x42})
	if !errors.Is(err, apdu.ErrINSNotSupported) {
		t.Fatalf("unknown INS: %v", err)
	}
}

func TestDiagInProcess(t *testing.T) {
	exerciseDiag(t, apdu.NewCard(&testcards.Diag{}))
}

// TestDiagOverPCSC goes through the real stack: the applet behind vpcd,
// pcscd, libpcsclite, the pcsc package and apdu.Card.
func TestDiagOverPCSC(t *testing.T) {
	slot := pcsctest.Insert(t, &testcards.Diag{})
	ctx, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	name, err := ctx.Resolve(strings.TrimPrefix(slot.Reader, "Virtual "))
	if err != nil || name != slot.Reader {
		t.Fatalf("Resolve: %q, %v", name, err)
	}
	sc, err := ctx.Connect(name)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if !bytes.Equal(sc.ATR(), testcards.DiagATR) {
		t.Fatalf("ATR %X, want %X", sc.ATR(), testcards.DiagATR)
	}
	card := apdu.NewCard(sc)
	exerciseDiag(t, card)
	st := card.Stats()
	// 1 SELECT + (1 + 3 GET RESPONSE) + (1 + 1 resend) + 1 + 1 + 1 failing.
	if st.APDUs != 10 {
		t.Fatalf("wire APDUs = %d, want 10", st.APDUs)
	}
	if err := sc.Reconnect(true); err != nil {
		t.Fatalf("reconnect with reset: %v", err)
	}
	if _, err := card.Send(apdu.Command{CLA: 0x80, INS: 0xEE, Data: []byte{1, 2, 3}, Ne: 256}); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

// TestDiagSeenByOpenSC checks that an independent PC/SC program sees the
// emulated card's ATR in the vpcd reader.
func TestDiagSeenByOpenSC(t *testing.T) {
	slot := pcsctest.Insert(t, &testcards.Diag{})
	out, err := exec.Command("opensc-tool", "--reader", fmt.Sprint(slotIndex(t, slot)), "--atr").CombinedOutput()
	if err != nil {
		t.Fatalf("opensc-tool: %v\n%s", err, out)
	}
	want := strings.ToLower(strings.TrimSpace(fmt.Sprintf("% X", testcards.DiagATR)))
	want = strings.ReplaceAll(want, " ", ":")
	if !strings.Contains(strings.ToLower(string(out)), want) {
		t.Fatalf("opensc-tool --atr printed %q, want %s", out, want)
	}
}

func slotIndex(t *testing.T, slot pcsctest.Slot) int {
	ctx, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	rs, err := ctx.Readers()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Name == slot.Reader {
			return r.Index
		}
	}
	t.Fatalf("reader %s not listed", slot.Reader)
	return -1
}

// benchmarkDiag measures one 4-byte echo APDU through card: the round
// trip cost of the transport below it.
func benchmarkDiag(b *testing.B, card *apdu.Card) {
	cmd := apdu.Command{CLA: 0x80, INS: 0xEE, Data: []byte{1, 2, 3, 4}, Ne: 256}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := card.Send(cmd); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "apdu/s")
}

func BenchmarkAPDUInProcess(b *testing.B) {
	benchmarkDiag(b, apdu.NewCard(&testcards.Diag{}))
}

func BenchmarkAPDUOverPCSC(b *testing.B) {
	slot := pcsctest.Insert(b, &testcards.Diag{})
	ctx, err := pcsc.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Close()
	sc, err := ctx.Connect(slot.Reader)
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	benchmarkDiag(b, apdu.NewCard(sc))
}
