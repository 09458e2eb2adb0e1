package apdu

import (
	"strings"
	"testing"
)

// TestTracerSecureMessaging traces the protected exchanges of ICAO 9303-11
// Appendix D.4: the plain commands and responses are shown (redacted
// unless asked) beside the protected ones' sizes.
func TestTracerSecureMessaging(t *testing.T) {
	run := func(showData bool) string {
		s := &script{t: t, steps: [][2]string{
			{"0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"},
			{"0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"},
		}}
		var buf strings.Builder
		tr := NewTracer(&buf, showData)
		card := tr.Card(s)
		sm, err := NewSecureMessaging(card.Raw(), SM3DES, h("979EC13B1CBFE9DCD01AB0FED307EAE5"), h("F1CB1F1FB5ADF208806B89DC579DC1F8"), h("887022120C06C226"))
		if err != nil {
			t.Fatal(err)
		}
		card.SetChannel(sm)
		if _, err := card.Send(Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: h("011E")}); err != nil {
			t.Fatalf("SELECT: %v", err)
		}
		if _, err := card.Send(Command{INS: 0xB0, Ne: 4}); err != nil {
			t.Fatalf("READ BINARY: %v", err)
		}
		s.done()
		return buf.String()
	}
	out := run(false)
	for _, want := range []string{
		"> 00 A4 02 0C [2 data bytes] SELECT | sm 0C A4 02 0C (27 bytes)\n",
		"< 9000 | sm 16 bytes (",
		"> 00 B0 00 00 Ne=4 READ BINARY | sm 0C B0 00 00 (19 bytes)\n",
		"< [4 data bytes] 9000 | sm 27 bytes (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("redacted trace lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"011E", "60145F01", "8709019FF0EC", "8E08"} {
		if strings.Contains(out, secret) {
			t.Errorf("redacted trace shows %s:\n%s", secret, out)
		}
	}
	out = run(true)
	for _, want := range []string{
		"> 00A4020C02011E SELECT | sm 0C A4 02 0C (27 bytes)\n",
		"  wire> 0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800\n",
		"  wire< 990290008E08FA855A5D4C50A8ED9000 (",
		"< 60145F01 9000 | sm 27 bytes (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace with data lacks %q:\n%s", want, out)
		}
	}
}

// TestTracerGetResponse: the GET RESPONSE rounds under one plain command
// are counted on its lines; a plain exchange without them has no note.
func TestTracerGetResponse(t *testing.T) {
	s := &script{t: t, steps: [][2]string{
		{"00B0000000", "0102 6104"},
		{"00C0000004", "03040506 6102"},
		{"00C0000002", "0708 9000"},
		{"00A4040C07A0000002471001", "9000"},
	}}
	var buf strings.Builder
	card := NewTracer(&buf, false).Card(s)
	if _, err := card.Send(Command{INS: 0xB0, Ne: 256}); err != nil {
		t.Fatal(err)
	}
	if _, err := card.Send(Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: h("A0000002471001")}); err != nil {
		t.Fatal(err)
	}
	s.done()
	out := buf.String()
	for _, want := range []string{
		"> 00 B0 00 00 Ne=256 READ BINARY | wire 00 B0 00 00 (5 bytes; 15 in 3 APDUs)\n",
		"< [8 data bytes] 9000 | wire 14 bytes in 3 APDUs (",
		"> 00 A4 04 0C [7 data bytes] SELECT\n< 9000 (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

// atrTransport has an ATR, as PC/SC cards and the emulator do.
type atrTransport struct{ *script }

func (atrTransport) ATR() []byte { return []byte{0x3B, 0x80, 0x80, 0x01, 0x01} }

// TestTracerKeepsATR: the wire tap does not hide the card's ATR.
func TestTracerKeepsATR(t *testing.T) {
	card := NewTracer(&strings.Builder{}, false).Card(atrTransport{&script{t: t}})
	a, ok := card.Transport().(interface{ ATR() []byte })
	if !ok || len(a.ATR()) != 5 {
		t.Fatalf("ATR lost behind the tracer: %T", card.Transport())
	}
	if _, ok := NewTracer(&strings.Builder{}, false).Card(&script{t: t}).Transport().(interface{ ATR() []byte }); ok {
		t.Fatal("a transport without ATR got one")
	}
}
