package testcards_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
)

// genuineCard builds a personalized CCCD card image from the first sample
// citizen with a fresh test PKI.
func genuineCard(t testing.TB, noPACE bool) (*lds.Document, *testcards.Image) {
	t.Helper()
	samples, err := testcards.Samples(1, 42)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pki.NewTestPKI("ecdsa-p256", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	aa, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spec, err := testcards.Spec(samples[0].Record, samples[0].Photo)
	if err != nil {
		t.Fatal(err)
	}
	spec.AAPublicKey, spec.NoPACE = &aa.PublicKey, noPACE
	spec.Sign = lds.SODSignOptions{Certificate: p.DS, Signer: p.DSKey}
	card, err := lds.BuildDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	img, err := testcards.PersonalizedImage(card, aa, testcards.ProfileCCCD)
	if err != nil {
		t.Fatal(err)
	}
	return card, img
}

func readAll(t testing.TB, card *apdu.Card, want map[uint16][]byte) {
	t.Helper()
	r := chip.NewFileReader(card)
	for fid, data := range want {
		if fid == lds.FIDCardAccess {
			continue
		}
		got, err := r.ReadFile(fid)
		if fid == lds.DGFileID(3) {
			// The cccd profile keeps DG3 behind terminal authentication.
			if !errors.Is(err, chip.ErrFileAccess) {
				t.Fatalf("DG3: %v, want the chip's refusal (6982)", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", lds.FileName(fid), err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: read %d bytes, differ from the %d written", lds.FileName(fid), len(got), len(data))
		}
	}
}

func TestEmulatorOpenAndRead(t *testing.T) {
	for _, tt := range []struct {
		name   string
		noPACE bool
		acc    func(*lds.Document) lds.Secret
		method string
	}{
		{"PACE with CAN", false, func(c *lds.Document) lds.Secret { return c.Secret.CANOnly() }, "PACE"},
		{"PACE with MRZ", false, func(c *lds.Document) lds.Secret { return c.Secret.MRZOnly() }, "PACE"},
		{"BAC-only card", true, func(c *lds.Document) lds.Secret { return c.Secret.MRZOnly() }, "BAC"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, img := genuineCard(t, tt.noPACE)
			card := apdu.NewCard(testcards.NewEmulator(img, ""))
			res, err := chip.Open(card, tt.acc(c), chip.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Method != tt.method {
				t.Fatalf("opened with %s, want %s", res.Method, tt.method)
			}
			readAll(t, card, c.Files)
			dg15, _ := lds.ParseDG15(c.Files[0x010F])
			pub, _ := dg15.CryptoPublicKey()
			if err := chip.ActiveAuthenticate(card, pub, 0, rand.Reader); err != nil {
				t.Fatalf("AA: %v", err)
			}
		})
	}
}

func TestEmulatorCCCDQuirks(t *testing.T) {
	c, img := genuineCard(t, false)
	img.SetFile(0x0103, false, []byte{0x63, 0x02, 0x01, 0x02}) // DG3
	card := apdu.NewCard(testcards.NewEmulator(img, ""))
	if _, err := card.Send(apdu.Command{INS: 0xA4, P2: 0x0C, Data: []byte{0x3F, 0x00}}); !errors.Is(err, apdu.ErrINSNotSupported) {
		t.Fatalf("SELECT MF: %v, want 6D00", err)
	}
	if _, err := chip.Open(card, c.Secret.CANOnly(), chip.OpenOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chip.NewFileReader(card).ReadFile(0x0103); !errors.Is(err, chip.ErrFileAccess) {
		t.Fatalf("DG3: %v, want access refused", err)
	}
	// The session survives the refusal.
	readAll(t, card, map[uint16][]byte{0x0101: c.Files[0x0101]})
}

func TestEmulatorWrongSecret(t *testing.T) {
	c, img := genuineCard(t, false)
	wrong := c.Secret.MRZOnly()
	wrong.DateOfBirth = "010101"
	for _, acc := range []struct {
		sec    lds.Secret
		noPACE bool
	}{{lds.Secret{CAN: "000000"}, false}, {wrong, false}, {wrong, true}} {
		_, err := chip.Open(apdu.NewCard(testcards.NewEmulator(img, "")), acc.sec, chip.OpenOptions{NoPACE: acc.noPACE})
		if !errors.Is(err, chip.ErrAccessDenied) {
			t.Fatalf("noPACE %v: %v", acc.noPACE, err)
		}
	}
}

// TestEmulatorResponseSizes: the emulated chip answers each READ BINARY
// with as much as its configured limit and secure messaging allow, and a
// terminal reads DG2 at the floor of that answer size: ceil(size/answer)
// READ BINARY by short EF identifier, nothing more (the ATR says whether
// extended length works, so there is no probe).
func TestEmulatorResponseSizes(t *testing.T) {
	c, img := genuineCard(t, false)
	size := len(c.Files[0x0102])
	for _, tt := range []struct {
		max      int
		extended bool
		answer   int // the largest plain answer under secure messaging
	}{{223, false, 223}, {1024, true, 1024}, {0, true, 65536}, {0, false, 0xDF}} {
		img.MaxResponse, img.ExtendedLength = tt.max, tt.extended
		card := apdu.NewCard(testcards.NewEmulator(img, ""))
		if _, err := chip.Open(card, c.Secret.CANOnly(), chip.OpenOptions{}); err != nil {
			t.Fatal(err)
		}
		before := card.Stats().APDUs
		readAll(t, card, map[uint16][]byte{0x0102: c.Files[0x0102]})
		got, floor := card.Stats().APDUs-before, (size+tt.answer-1)/tt.answer
		if got != floor {
			t.Errorf("max %d extended %v: DG2 of %d bytes in %d APDUs, the floor is %d", tt.max, tt.extended, size, got, floor)
		}
	}
}

func TestEmulatorImageSavedAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "card.json")
	if err := testcards.NewBlankImage(testcards.ProfileCCCD).Save(path); err != nil {
		t.Fatal(err)
	}
	e, err := testcards.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	card := apdu.NewCard(e)
	send := func(hexCmd apdu.Command) error { _, err := card.Send(hexCmd); return err }
	steps := []apdu.Command{
		{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: lds.AID},
		{INS: 0xDA, P2: 0x62, Data: apdu.EncodeTLV(0x62, append(append(apdu.EncodeTLV(0x04, []byte("099012345")), apdu.EncodeTLV(0x04, []byte("990518"))...), apdu.EncodeTLV(0x04, []byte("240518"))...))},
		{INS: 0xE0, Data: []byte{0x63, 0x04, 0x00, 0x05, 0x01, 0x1E}},
		{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1E}},
		{INS: 0xD6, Data: []byte{0x60, 0x03, 1, 2, 3}},
	}
	for _, s := range steps {
		if err := send(s); err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
	}
	// The run of personalization commands is kept in memory while it
	// lasts, and written when the next command of another kind comes.
	if n := e.Stats().Saves; n != 0 {
		t.Fatalf("%d image writes during the run, want 0", n)
	}
	send(apdu.Command{INS: 0x84, Ne: 8})
	if n := e.Stats().Saves; n != 1 {
		t.Fatalf("%d image writes after the run, want 1", n)
	}
	again, err := testcards.LoadImage(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.FileData(0x011E), []byte{0x60, 0x03, 1, 2, 3}) || !again.Secret.HasMRZ() {
		t.Fatal("image not saved after the perso commands")
	}
	// Reading back needs BAC, even before locking.
	if _, err := chip.Open(card, lds.Secret{DocumentNumber: "099012345", DateOfBirth: "990518", DateOfExpiry: "240518"}, chip.OpenOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := chip.NewFileReader(card).ReadFile(0x011E)
	if err != nil || !bytes.Equal(got, []byte{0x60, 0x03, 1, 2, 3}) {
		t.Fatalf("read back %X, %v", got, err)
	}
	if err := send(apdu.Command{INS: 0xDA, P1: 0xDE, P2: 0xAD}); err != nil {
		t.Fatal(err)
	}
	// LOCK is on disk before it is answered.
	if locked, err := testcards.LoadImage(path); err != nil || !locked.Locked {
		t.Fatalf("LOCK not written at once: %v", err)
	}
	if err := send(apdu.Command{INS: 0xD6, Data: []byte{9}}); !errors.Is(err, apdu.ErrConditionsNotSatisfied) {
		t.Fatalf("write after lock: %v", err)
	}
}

func TestEmulatorTearing(t *testing.T) {
	_, img := genuineCard(t, false)
	img.Faults.TearAfter = 3
	e := testcards.NewEmulator(img, "")
	card := apdu.NewCard(e)
	for i := 1; i <= 3; i++ {
		_, err := card.Transmit(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: lds.AID})
		if (i == 3) != errors.Is(err, testcards.ErrTorn) {
			t.Fatalf("APDU %d: %v", i, err)
		}
	}
	if _, err := card.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: lds.AID}); err != nil {
		t.Fatalf("after tearing the card works again: %v", err)
	}
}

// TestEmulatorFaults checks each fault's effect on the terminal side.
func TestEmulatorFaults(t *testing.T) {
	c, img := genuineCard(t, false)
	open := func(img *testcards.Image) *apdu.Card {
		card := apdu.NewCard(testcards.NewEmulator(img, ""))
		if _, err := chip.Open(card, c.Secret.CANOnly(), chip.OpenOptions{}); err != nil {
			t.Fatal(err)
		}
		return card
	}
	t.Run("bad MAC", func(t *testing.T) {
		img.Faults = testcards.Faults{BadMAC: true}
		card := apdu.NewCard(testcards.NewEmulator(img, ""))
		_, err := chip.Open(card, c.Secret.CANOnly(), chip.OpenOptions{})
		if !errors.Is(err, apdu.ErrSMMAC) {
			t.Fatalf("open with a bad-MAC card: %v", err)
		}
	})
	t.Run("chosen status word", func(t *testing.T) {
		img.Faults = testcards.Faults{StatusWords: []testcards.StatusFault{{INS: "88", SW: "6985"}}}
		card := open(img)
		dg15, _ := lds.ParseDG15(c.Files[0x010F])
		pub, _ := dg15.CryptoPublicKey()
		if err := chip.ActiveAuthenticate(card, pub, 0, rand.Reader); !errors.Is(err, apdu.ErrConditionsNotSatisfied) {
			t.Fatalf("AA with SW fault: %v", err)
		}
		readAll(t, card, map[uint16][]byte{0x0101: c.Files[0x0101]})
	})
	t.Run("slow card", func(t *testing.T) {
		img.Faults = testcards.Faults{DelayMS: 20}
		start := time.Now()
		card := apdu.NewCard(testcards.NewEmulator(img, ""))
		card.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: lds.AID})
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Fatalf("a slow card answered in %v", d)
		}
	})
	img.Faults = testcards.Faults{}
}

// TestEmulatorChipAuthentication runs CA against the emulator for each
// cipher (3DES through MSE:Set KAT, AES through MSE:Set AT + GENERAL
// AUTHENTICATE), after BAC and after PACE; a chip holding another key
// fails at the first command under the new keys.
func TestEmulatorChipAuthentication(t *testing.T) {
	c, img := genuineCard(t, false)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, oid := range []asn1.ObjectIdentifier{lds.OIDCAECDH3DES, lds.OIDCAECDHAES128, lds.OIDCAECDHAES256} {
		for _, acc := range []struct {
			sec    lds.Secret
			noPACE bool
		}{{c.Secret.CANOnly(), false}, {c.Secret.MRZOnly(), true}} {
			for _, genuine := range []bool{true, false} {
				if genuine {
					img.SetCAKey(key)
				} else {
					img.SetCAKey(other)
				}
				card := apdu.NewCard(testcards.NewEmulator(img, ""))
				if _, err := chip.Open(card, acc.sec, chip.OpenOptions{NoPACE: acc.noPACE}); err != nil {
					t.Fatal(err)
				}
				err := chip.ChipAuthenticate(card, chip.CAParams{Protocol: oid, Key: &key.PublicKey}, rand.Reader)
				if genuine && err != nil {
					t.Fatalf("%s: genuine chip: %v", oid, err)
				}
				if !genuine && !errors.Is(err, chip.ErrCAFailed) {
					t.Fatalf("%s: chip with another key: %v", oid, err)
				}
				if genuine {
					readAll(t, card, map[uint16][]byte{0x0101: c.Files[0x0101]})
				}
			}
		}
	}
}

// TestEmulatorLargeFile reads files beyond offset 32767 (odd-INS READ
// BINARY, B1 with DO 54) whose sizes leave a last chunk of every length
// near the answer size: every byte must come back, the tail included.
func TestEmulatorLargeFile(t *testing.T) {
	c, img := genuineCard(t, false)
	for _, tt := range []struct {
		size, max int
		extended  bool
	}{
		{100 * 1024, 0, true},
		{100 * 1024, 0, false},
		{70001, 223, false},
		{40000 + 3, 1024, true},
		{32768 + 7, 0, false},
	} {
		body := make([]byte, tt.size)
		for i := range body {
			body[i] = byte(i * 7)
		}
		dg2 := apdu.EncodeTLV(0x75, body)
		img.SetFile(0x0102, false, dg2)
		img.MaxResponse, img.ExtendedLength = tt.max, tt.extended
		card := apdu.NewCard(testcards.NewEmulator(img, ""))
		if _, err := chip.Open(card, c.Secret.CANOnly(), chip.OpenOptions{}); err != nil {
			t.Fatal(err)
		}
		readAll(t, card, map[uint16][]byte{0x0102: dg2})
	}
}
