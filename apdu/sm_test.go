package apdu

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

// TestSMAppendixD4 replays ICAO 9303-11 Appendix D.4 byte for byte: the
// protected SELECT and READ BINARY commands and their responses.
func TestSMAppendixD4(t *testing.T) {
	s := &script{t: t, steps: [][2]string{
		{"0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"},
		{"0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"},
		{"0CB000040D9701128E082EA28A70F3C7B53500", "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"},
	}}
	card := NewCard(s)
	sm, err := NewSecureMessaging(card.Raw(), SM3DES, h("979EC13B1CBFE9DCD01AB0FED307EAE5"), h("F1CB1F1FB5ADF208806B89DC579DC1F8"), h("887022120C06C226"))
	if err != nil {
		t.Fatal(err)
	}
	card.SetChannel(sm)
	if _, err := card.Send(Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: h("011E")}); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	first, err := card.Send(Command{INS: 0xB0, Ne: 4})
	if err != nil || !bytes.Equal(first, h("60145F01")) {
		t.Fatalf("READ BINARY: %X, %v", first, err)
	}
	rest, err := card.Send(Command{INS: 0xB0, P2: 0x04, Ne: 0x12})
	if err != nil || !bytes.Equal(rest, h("04303130365F36063034303030305C026175")) {
		t.Fatalf("READ BINARY: %X, %v", rest, err)
	}
	if !bytes.Equal(sm.SSC(), h("887022120C06C22C")) {
		t.Fatalf("final SSC %X", sm.SSC())
	}
	s.done()
}

// TestSMAESGmrtd checks AES protection against gmrtd's session capture
// (MSE:Set AT under AES-128 SM).
func TestSMAESGmrtd(t *testing.T) {
	sm, err := NewSecureMessaging(nil, SMAES, h("cc86415f2ed7e8fd663b754265695ae1"), h("581e84b8ee06c4d3eee30461498d7fb3"), h("000000000000000000000000000000ba"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := sm.Protect(Command{INS: 0x22, P1: 0x41, P2: 0xA4, Data: h("800a04007f000702020302028401c3")})
	if err != nil {
		t.Fatal(err)
	}
	if want := h("0c2241a41d871101980953d37f67558690045d78a853b18a8e08929767a2cef172e200"); !bytes.Equal(got, want) {
		t.Fatalf("protected %X\nwant      %X", got, want)
	}
}

func TestSMAES256Decrypt(t *testing.T) {
	sm, err := NewSecureMessaging(nil, SMAES, h("74b94f408bbb2cd92571fd5b6370a94cce7a2fa42ae3eb4da47b97ce6eaa24c6"), h("9e28d5d9ff1d979be752e8926bf0e1d35a440fc0aefc4aa3bc5610055ac8b113"), h("00000000000000000000000000000026"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := sm.decrypt(h("42e919c115faf69350b01813d77a9e8d91912a7f717afd073f199070e61b79c6"))
	if err != nil || !bytes.Equal(plain, h("04303130385f36063034303030305c06617563766d6e")) {
		t.Fatalf("decrypt: %x, %v", plain, err)
	}
}

// smPair makes matching terminal and chip contexts with random keys; the
// terminal talks to the chip through an in-memory transport.
type smChip struct {
	sm      *SecureMessaging
	handler func(Command) Response
	tamper  func([]byte) []byte
	last    []byte
}

func (c *smChip) Transmit(raw []byte) ([]byte, error) {
	cmd, err := c.sm.UnwrapCommand(raw)
	if err != nil {
		return Response{SW: SWSMDataObjectsIncorrect}.Bytes(), nil
	}
	out := c.sm.WrapResponse(c.handler(cmd))
	if c.tamper != nil {
		out = c.tamper(out)
	}
	c.last = out
	return out, nil
}

func smPair(t *testing.T, c SMCipher) (*Card, *SecureMessaging, *smChip) {
	t.Helper()
	bs, kl := 8, 16
	if c == SMAES {
		bs, kl = 16, 32
	}
	enc, mac, ssc := make([]byte, kl), make([]byte, kl), make([]byte, bs)
	rand.Read(enc)
	rand.Read(mac)
	rand.Read(ssc)
	if c == SM3DES {
		mac = mac[:16]
	}
	chipSM, err := NewSecureMessaging(nil, c, enc, mac, ssc)
	if err != nil {
		t.Fatal(err)
	}
	chip := &smChip{sm: chipSM, handler: func(cmd Command) Response {
		// Echo: data back, or Ne pattern bytes.
		if len(cmd.Data) > 0 {
			return Response{Data: cmd.Data, SW: SWSuccess}
		}
		return Response{Data: bytes.Repeat([]byte{0x5A}, min(cmd.Ne, 1000)), SW: SWSuccess}
	}}
	card := NewCard(chip)
	term, err := NewSecureMessaging(card.Raw(), c, enc, mac, ssc)
	if err != nil {
		t.Fatal(err)
	}
	card.SetChannel(term)
	return card, term, chip
}

func TestSMRoundTrip(t *testing.T) {
	for _, c := range []SMCipher{SM3DES, SMAES} {
		card, _, _ := smPair(t, c)
		for _, cmd := range []Command{
			{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: h("0101")},
			{INS: 0xB0, Ne: 256},
			{INS: 0xB0, Ne: 1000, Extended: true},
			{INS: 0xB1, Data: h("5402FFFF"), Ne: 200},
			{INS: 0xD6, Data: bytes.Repeat([]byte{7}, 600), Extended: true},
			{INS: 0x84},
		} {
			got, err := card.Send(cmd)
			if err != nil {
				t.Fatalf("%s %s: %v", c, cmd.Name(), err)
			}
			want := cmd.Data
			if len(want) == 0 {
				want = bytes.Repeat([]byte{0x5A}, min(cmd.Ne, 1000))
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s %s: got %d bytes", c, cmd.Name(), len(got))
			}
		}
	}
}

func TestSMTamperedResponse(t *testing.T) {
	for _, c := range []SMCipher{SM3DES, SMAES} {
		card, term, chip := smPair(t, c)
		chip.tamper = func(b []byte) []byte { b[3] ^= 0x01; return b }
		_, err := card.Send(Command{INS: 0xB0, Ne: 16})
		if !errors.Is(err, ErrSMMAC) || !errors.Is(err, ErrSM) {
			t.Fatalf("%s: tampered response: %v", c, err)
		}
		chip.tamper = nil
		if _, err := card.Send(Command{INS: 0xB0, Ne: 16}); !errors.Is(err, ErrSM) {
			t.Fatalf("%s: session survived a MAC failure: %v", c, err)
		}
		if term.Err() == nil {
			t.Fatal("Err() nil after failure")
		}
	}
}

func TestSMReplayedResponse(t *testing.T) {
	for _, c := range []SMCipher{SM3DES, SMAES} {
		card, _, chip := smPair(t, c)
		if _, err := card.Send(Command{INS: 0xB0, Ne: 16}); err != nil {
			t.Fatal(err)
		}
		old := chip.last
		chip.tamper = func([]byte) []byte { return old }
		_, err := card.Send(Command{INS: 0xB0, Ne: 16})
		if !errors.Is(err, ErrSMMAC) {
			t.Fatalf("%s: replayed response (stale SSC): %v", c, err)
		}
	}
}

func TestSMPlainResponses(t *testing.T) {
	card, _, chip := smPair(t, SM3DES)
	// A refusal in plain is a status, the session goes on (the chip
	// counts the response all the same).
	chip.tamper = func([]byte) []byte { return Response{SW: SWSecurityStatus}.Bytes() }
	_, err := card.Send(Command{INS: 0xB0, Ne: 16})
	if !errors.Is(err, ErrSecurityStatus) {
		t.Fatalf("plain 6982: %v", err)
	}
	chip.tamper = nil
	if _, err := card.Send(Command{INS: 0xB0, Ne: 16}); err != nil {
		t.Fatalf("session lost after a plain refusal: %v", err)
	}
	// A plain 9000 is never accepted.
	chip.tamper = func([]byte) []byte { return Response{SW: SWSuccess}.Bytes() }
	if _, err := card.Send(Command{INS: 0xB0, Ne: 16}); !errors.Is(err, ErrSMUnprotected) {
		t.Fatalf("plain 9000: %v", err)
	}
}

func TestSMChipRejectsBadCommandMAC(t *testing.T) {
	sm, _ := NewSecureMessaging(nil, SMAES, make([]byte, 16), make([]byte, 16), make([]byte, 16))
	term, _ := NewSecureMessaging(nil, SMAES, make([]byte, 16), make([]byte, 16), make([]byte, 16))
	prot, _ := term.Protect(Command{INS: 0xB0, Ne: 8})
	prot[len(prot)-2] ^= 0xFF
	if _, err := sm.UnwrapCommand(prot); !errors.Is(err, ErrSMMAC) {
		t.Fatalf("bad MAC: %v", err)
	}
	if _, err := sm.UnwrapCommand(prot); !errors.Is(err, ErrSMClosed) {
		t.Fatalf("session not closed: %v", err)
	}
	sm2, _ := NewSecureMessaging(nil, SMAES, make([]byte, 16), make([]byte, 16), make([]byte, 16))
	if _, err := sm2.UnwrapCommand(h("00B0000008")); !errors.Is(err, ErrSMUnprotected) {
		t.Fatalf("plain command under SM: %v", err)
	}
}

// FuzzSMUnprotect feeds arbitrary responses to the terminal side: errors,
// never panics.
func FuzzSMUnprotect(f *testing.F) {
	f.Add(h("990290008E08FA855A5D4C50A8ED9000"))
	f.Add(h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
	f.Add(h("6982"))
	f.Add(h("87"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sm, _ := NewSecureMessaging(nil, SM3DES, h("979EC13B1CBFE9DCD01AB0FED307EAE5"), h("F1CB1F1FB5ADF208806B89DC579DC1F8"), h("887022120C06C227"))
		sm.Unprotect(b)
	})
}

// FuzzSMUnwrapCommand feeds arbitrary commands to the chip side.
func FuzzSMUnwrapCommand(f *testing.F) {
	f.Add(h("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"))
	f.Add(h("0CB000000D9701048E08ED6705417E96BA5500"))
	f.Add(h("0CB1000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sm, _ := NewSecureMessaging(nil, SMAES, make([]byte, 16), make([]byte, 16), make([]byte, 16))
		sm.UnwrapCommand(b)
	})
}
