package journal

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cccd-vn/cccd/journal/pgtest"
)

// cardEvents writes one card's worth of journal events as personalize
// does for a card that goes well: claim, begin, probe, photo, keys,
// build, write, readback and lock (started and done where personalize
// logs both), qr, finish. 13 events.
func cardEvents(ctx context.Context, st Station, id string) error {
	c, err := st.Claim(ctx, id, 1)
	if err != nil {
		return err
	}
	if err := c.Begin(ctx, Card{ID: "emu:cards/" + id + ".card", ATR: "3B8A80018031"}); err != nil {
		return err
	}
	for _, s := range []struct {
		step Step
		o    Outcome
	}{{StepProbe, Succeeded}, {StepWrite, Started}, {StepWrite, Succeeded}, {StepReadback, Started}, {StepReadback, Succeeded}, {StepLock, Started}, {StepLock, Succeeded}} {
		if err := c.Log(ctx, s.step, s.o, ""); err != nil {
			return err
		}
	}
	return c.Finish(ctx, StateDone, "qr/"+id+".txt", "")
}

// BenchmarkCardEvents is the journal's share of a card: the events of
// one card on a SQLite file and on PostgreSQL, one station.
func BenchmarkCardEvents(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			target := benchTarget(b, be.name)
			j, err := Open(ctx, target, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			st, err := j.Join(ctx, StationInfo{Batch: "b", Station: "A", Reader: "r"})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			for i := 0; b.Loop(); i++ {
				if err := cardEvents(ctx, st, fmt.Sprintf("0010990%05d", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchTarget(b *testing.B, backend string) string {
	if backend == "postgres" {
		return pgtest.Shared(b).NewDatabase(b)
	}
	return filepath.Join(b.TempDir(), "journal.db")
}
