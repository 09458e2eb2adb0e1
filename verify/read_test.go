package verify_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

// TestPACEFallsBackToBAC: a chip whose PACE breaks for a reason other than
// the password (MSE:Set AT refused) is opened with BAC, the report says
// so, and the card is still judged on its merits.
func TestPACEFallsBackToBAC(t *testing.T) {
	c, aa, p := buildCard(t, cardOpts{})
	img := cardImage(t, c, aa)
	img.Faults.StatusWords = append(img.Faults.StatusWords, testcards.StatusFault{INS: "22", SW: "6A80"})
	rep := runVerify(t, img, verify.Input{Secret: c.Secret.MRZOnly()}, trustDir(t, p, true))
	if rep.Access.Method != "BAC" || !strings.Contains(rep.Access.Note, "fell back to BAC") {
		t.Fatalf("access %+v, want BAC with a fallback note", rep.Access)
	}
	if !rep.IsGenuine() {
		t.Fatalf("verdict %s", rep.Summary())
	}
	// With only a CAN there is nothing to fall back on: no conclusion.
	_, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}, verify.Options{Trust: trustDir(t, p, true)})
	if !errors.Is(err, verify.ErrNoConclusion) || errors.Is(err, chip.ErrAccessDenied) {
		t.Fatalf("error %v, want no conclusion that is not access denied", err)
	}
}

// TestDG3DeniedIsReported: the CCCD lists DG3 (fingerprints) but gives it
// only after EAC; the verifier reports it as present, protected, not
// checked (a warning, not a pass), and the verdict stands on the rest.
func TestDG3DeniedIsReported(t *testing.T) {
	c, aa, p := buildCard(t, cardOpts{})
	resign(t, c, p, func(dgs map[int][]byte) { dgs[3] = apdu.EncodeTLV(0x63, []byte{0x02, 0x01, 0x01}) })
	dgs := map[int][]byte{}
	for fid, b := range c.Files {
		if fid >= 0x0101 && fid <= 0x0110 {
			dgs[int(fid-0x0100)] = b
		}
	}
	built, err := lds.BuildLDS(dgs, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	c.Files[0x011E] = built.COM
	img := cardImage(t, c, aa)
	rep := runVerify(t, img, verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}, trustDir(t, p, true))
	if ch := checkOf(rep, "dg3.hash"); ch.Status != verify.Warn || !strings.Contains(ch.Detail, "protected") {
		t.Fatalf("dg3.hash %+v, want a warning: present, protected", ch)
	}
	noted := false
	for _, f := range rep.Files {
		noted = noted || (f.Name == "DG3" && strings.Contains(f.Note, "6982"))
	}
	if !noted {
		t.Fatalf("DG3 not noted in files: %+v", rep.Files)
	}
	if !rep.IsGenuine() {
		t.Fatalf("verdict %s", rep.Summary())
	}
}

// TestReadAPDUCount: a full read costs about one APDU per file plus one
// per answer-sized chunk, whatever the card's largest answer, with one
// SELECT in all (short EF identifiers do the rest).
func TestReadAPDUCount(t *testing.T) {
	c, aa, _ := buildCard(t, cardOpts{})
	for _, prof := range responseProfiles {
		t.Run(prof.name, func(t *testing.T) {
			img := cardImage(t, c, aa)
			img.MaxResponse, img.ExtendedLength = prof.max, prof.extended
			card := apdu.NewCard(testcards.NewEmulator(img, ""))
			rep, err := verify.Read(card, lds.Secret{CAN: c.Secret.CAN}, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			max := prof.max
			if max == 0 {
				max = apdu.MaxExtendedLe
			}
			if !prof.extended {
				max = min(max, 0xDF) // short answers under secure messaging
			}
			// Ideal: one SELECT (the first file; the others are read by
			// short EF identifier) and ceil(size/max) READ BINARY per file.
			ideal := 1
			for _, f := range rep.Files {
				if f.Name == "EF.CardAccess" {
					continue
				}
				ideal += (f.Size + max - 1) / max
			}
			st := card.Stats()
			readAPDUs := st.APDUs - accessAPDUs(t, c, aa)
			// One extended attempt may be refused; answers of a chunk a
			// few bytes short of max add at most one per file.
			if readAPDUs < ideal || readAPDUs > ideal+1+len(rep.Files) {
				t.Fatalf("%d APDUs to read, ideal %d", readAPDUs, ideal)
			}
			t.Logf("%s: %d APDUs to read %d files (ideal %d)", prof.name, readAPDUs, len(rep.Files)-1, ideal)
		})
	}
}

// accessAPDUs counts what opening the chip costs (PACE with the CAN), to
// subtract it from a full read.
func accessAPDUs(t *testing.T, c *lds.Document, aa crypto.PrivateKey) int {
	t.Helper()
	card := apdu.NewCard(testcards.NewEmulator(cardImage(t, c, aa), ""))
	if _, err := chip.Open(card, lds.Secret{CAN: c.Secret.CAN}, chip.OpenOptions{Rand: rand.Reader}); err != nil {
		t.Fatal(err)
	}
	return card.Stats().APDUs
}

// FuzzVerifyMalformedFiles puts arbitrary bytes in place of DG1, DG13 or
// EF.SOD of a genuine card: the verifier must judge (NOT VERIFIED naming
// a check) or conclude nothing, never panic and never say GENUINE.
func FuzzVerifyMalformedFiles(f *testing.F) {
	c, aa, p := buildCard(f, cardOpts{})
	ts := trustDir(f, p, true)
	f.Add(uint8(0), c.Files[0x0101][:10])
	f.Add(uint8(1), append([]byte{0x6D, 0x82, 0x10, 0x00}, c.Files[0x010D][4:40]...))
	f.Add(uint8(2), []byte{0x77, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00})
	f.Add(uint8(2), c.Files[0x011D][:len(c.Files[0x011D])/2])
	fids := []uint16{0x0101, 0x010D, 0x011D}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fid := fids[int(which)%len(fids)]
		if bytes.Equal(data, c.Files[fid]) {
			return
		}
		img := cardImage(t, c, aa)
		img.SetFile(fid, false, data)
		rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), verify.Input{Secret: lds.Secret{CAN: c.Secret.CAN}}, verify.Options{Trust: ts})
		if err == nil && rep.IsGenuine() {
			t.Fatalf("%s replaced by %X judged genuine", lds.FileName(fid), data)
		}
	})
}

// TestAPDUFloor: a full PACE verification of a CCCD-like card (PACE, chip
// and active authentication, DG3 behind EAC) costs exactly its floor: one
// READ BINARY of EF.CardAccess by short EF identifier, PACE (MSE:Set AT and
// four GENERAL AUTHENTICATE), the application, each file in as many READ
// BINARY as the card's largest answer needs (short EF identifiers, no
// SELECT, no extended-length probe: the card's ATR says what it takes),
// chip authentication whose proof is a read needed anyway (MSE:Set AT,
// GENERAL AUTHENTICATE), active authentication.
func TestAPDUFloor(t *testing.T) {
	c, aa, p := buildCard(t, cardOpts{ca: true})
	ts := trustDir(t, p, true)
	for _, prof := range responseProfiles {
		t.Run(prof.name, func(t *testing.T) {
			img := cardImage(t, c, aa)
			img.MaxResponse, img.ExtendedLength = prof.max, prof.extended
			answer := prof.max
			if answer == 0 {
				answer = 65536
			}
			floor := 1 + 5 + 1 + 2 + 1
			for fid, b := range c.Files {
				switch {
				case fid == lds.FIDCardAccess:
				case fid == lds.DGFileID(3):
					floor++ // refused (6982)
				default:
					floor += (len(b) + answer - 1) / answer
				}
			}
			rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), verify.Input{Secret: c.Secret.CANOnly()}, verify.Options{Trust: ts})
			if err != nil || !rep.IsGenuine() {
				t.Fatalf("%v %v", err, rep)
			}
			if rep.Stats.APDUs != floor {
				t.Fatalf("%d APDUs, the floor is %d", rep.Stats.APDUs, floor)
			}
		})
	}
}
