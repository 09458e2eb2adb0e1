package journal

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/journal/pgtest"
	"github.com/cccd-vn/cccd/pki"
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
// one card on a SQLite file and on PostgreSQL, one station; "unsigned"
// without a station key (the hash chain alone), "every-100" and "every-1"
// with a station key (ECDSA P-256 in software) signing a checkpoint every
// 100 cards or after every card.
func BenchmarkCardEvents(b *testing.B) {
	for _, be := range backends {
		for _, every := range []int{-1, 100, 1} {
			name := fmt.Sprintf("%s/every-%d", be.name, every)
			if every < 0 {
				name = be.name + "/unsigned"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				target := benchTarget(b, be.name)
				j, err := Open(ctx, target, Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer j.Close()
				info := StationInfo{Batch: "b", Station: "A", Reader: "r"}
				if every >= 0 {
					k, _, _ := pki.GenerateKey("ecdsa-p256")
					cert, err := NewStationCertificate(k, "A", time.Now().Add(-time.Hour), 1)
					if err != nil {
						b.Fatal(err)
					}
					info.Key, info.KeyCert, info.CheckpointEvery = k, cert, every
				}
				st, err := j.Join(ctx, info)
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
}

// BenchmarkChainEntry is the hot path's CPU cost per event: the salt, the
// commitment, the canonical form and its hash.
func BenchmarkChainEntry(b *testing.B) {
	e := Event{Batch: "records.jsonl", BatchID: newSession(), Seq: 1234, Prev: GenesisHash, Station: "line-1", Reader: "ACS ACR39U ICC Reader 00 00", StationSeq: 600,
		Time: formatTime(time.Now()), IDNumber: "001099012345", Line: 17, Attempt: 1, Step: StepWrite, Outcome: Succeeded, Operator: "lan", Card: "3B8A80018031"}
	for b.Loop() {
		e.Salt = newSalt()
		e.Hash = EntryHash(e.Canonical())
	}
}

// BenchmarkCheckpointSign is one checkpoint's signature with a P-256 key
// in software (an HSM takes its own time).
func BenchmarkCheckpointSign(b *testing.B) {
	signer, _, _ := pki.GenerateKey("ecdsa-p256")
	cert, err := NewStationCertificate(signer, "A", time.Now().Add(-time.Hour), 1)
	if err != nil {
		b.Fatal(err)
	}
	k, err := newStationKey(StationInfo{Key: signer, KeyCert: cert, CheckpointEvery: 100})
	if err != nil {
		b.Fatal(err)
	}
	e := Event{Batch: "records.jsonl", BatchID: newSession(), Seq: 1234, Prev: GenesisHash, Station: "line-1", Reader: "r", StationSeq: 600,
		Time: formatTime(time.Now()), Step: StepCheckpoint, Outcome: Succeeded, Checkpoint: &Checkpoint{Reason: ReasonEvery, Done: 100, StationDone: 100}}
	for b.Loop() {
		if err := k.sign(&e); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTarget(b *testing.B, backend string) string {
	if backend == "postgres" {
		return pgtest.Shared(b).NewDatabase(b)
	}
	return filepath.Join(b.TempDir(), "journal.db")
}
