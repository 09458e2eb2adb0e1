package personalize_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
)

// pcscSource puts a blank emulated card into a vpcd reader of the real
// pcscd for each record (a slot taken through pcsctest's lock), as an
// operator would insert a blank card, connects to it exclusively as the
// CLI does, and takes it out when the record is done. It checks on every
// card that no other program can connect while the card is written.
type pcscSource struct {
	dir        string
	t          testing.TB
	notRefused int // cards another connection could reach
}

// Reader is the station's name for the journal: the vpcd slot changes
// from card to card, the station does not.
func (s *pcscSource) Reader() string { return "vpcd" }

func (s *pcscSource) Next(id string, prior *journal.Attempt) (personalize.Station, func(personalize.Disposition) error, error) {
	path := filepath.Join(s.dir, id+".card")
	if err := testcards.NewBlankImage(testcards.ProfileCCCD).Save(path); err != nil {
		return personalize.Station{}, nil, err
	}
	e, err := testcards.Open(path)
	if err != nil {
		return personalize.Station{}, nil, err
	}
	slot, stop, err := pcsctest.Serve(e)
	if err != nil {
		return personalize.Station{}, nil, err
	}
	ctx, err := pcsc.Open()
	if err != nil {
		stop()
		return personalize.Station{}, nil, err
	}
	sc, err := ctx.ConnectExclusive(slot.Reader)
	if err != nil {
		ctx.Close()
		stop()
		return personalize.Station{}, nil, err
	}
	// Another program (here another PC/SC context) must be kept out.
	if other, err := pcsc.Open(); err == nil {
		if c, err := other.Connect(slot.Reader); err == nil {
			c.Close()
			s.notRefused++
		} else if !errors.Is(err, pcsc.ErrReaderBusy) {
			s.t.Errorf("second connection: %v, want the reader busy", err)
		}
		other.Close()
	}
	release := func(personalize.Disposition) error {
		sc.Close()
		ctx.Close()
		stop()
		return e.Close()
	}
	// The journal names the card image; the reader goes with it.
	return personalize.Station{Card: apdu.NewCard(sc), Reader: sc.Reader(), Chip: "emu:" + path, ATR: sc.ATR()}, release, nil
}

// TestBatchOverPCSC personalizes 20 records onto emulated cards through
// pcscd + vpcd with exclusive connections, then verifies every card.
func TestBatchOverPCSC(t *testing.T) {
	f := newFixture(t, 20)
	b, j := f.batch(t, false)
	src := &pcscSource{dir: filepath.Join(f.dir, "cards"), t: t}
	sum, err := b.Run(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 20 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := f.verifyAll(t, j); n != 20 {
		t.Fatalf("%d locked cards", n)
	}
	if src.notRefused > 0 {
		t.Fatalf("%d cards could be reached by another program while written", src.notRefused)
	}
}
