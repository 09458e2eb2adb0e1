package personalize_test

import (
	"path/filepath"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
)

// pcscSource puts a blank emulated card into a vpcd reader of the real
// pcscd for each record, as an operator would insert a blank card, and
// takes it out when the record is done.
type pcscSource struct {
	dir string
	t   testing.TB
}

func (s *pcscSource) Next(id string, resume bool) (personalize.Station, func() error, error) {
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
	sc, err := ctx.Connect(slot.Reader)
	if err != nil {
		ctx.Close()
		stop()
		return personalize.Station{}, nil, err
	}
	release := func() error {
		sc.Close()
		ctx.Close()
		stop()
		return e.Close()
	}
	// The journal names the card image; the reader goes with it.
	return personalize.Station{Card: apdu.NewCard(sc), Reader: sc.Reader(), Chip: "emu:" + path, ATR: sc.ATR()}, release, nil
}

// TestBatchOverPCSC personalizes 20 records onto emulated cards through
// pcscd + vpcd, then verifies every card.
func TestBatchOverPCSC(t *testing.T) {
	f := newFixture(t, 20)
	b, j := f.batch(t, false)
	sum, err := b.Run(&pcscSource{dir: filepath.Join(f.dir, "cards"), t: t})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 20 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := f.verifyAll(t, j); n != 20 {
		t.Fatalf("%d locked cards", n)
	}
}
