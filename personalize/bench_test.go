package personalize_test

import (
	"crypto"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/journal/pgtest"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/testcards"
)

// BenchmarkPersonalizeCard is one card end to end in-process: claim,
// probe, build, sign, write, read back through PACE and BAC with passive
// and active authentication, lock, journal (SQLite), QR.
func BenchmarkPersonalizeCard(b *testing.B) {
	f := newFixture(b, 1)
	bt, j := f.batch(b, false)
	bt.Personalizer.Validator = &personalize.Validator{BaseDir: f.dir}
	st, err := j.Join(ctx, journal.StationInfo{Batch: "bench", Station: "bench", Reader: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	raw, _ := os.ReadFile(f.input)
	var in personalize.Input
	in.Line = 1
	json.Unmarshal(raw[:len(raw)-1], &in.Record)
	for i := 0; b.Loop(); i++ {
		e := testcards.NewEmulator(testcards.NewBlankImage(testcards.ProfileCCCD), "")
		in.Record.IDNumber = in.Record.IDNumber[:6] + fmt.Sprintf("%06d", i)
		h, errs, _ := citizen.NewHolder(in.Record)
		if !errs.OK() {
			b.Fatal(errs.Err())
		}
		cl, err := st.Claim(ctx, h.ID.Number, 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bt.Personalizer.Personalize(ctx, cl, personalize.Station{Card: apdu.NewCard(e), Reader: "bench"}, personalize.Validated{Line: 1, Holder: h}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
}

// memSource hands out blank emulated cards held in memory: the card costs
// its APDUs only, not the image file rewritten after every write command,
// so the benchmark weighs the station pipeline and its journal.
type memSource struct{ name string }

func (s *memSource) Reader() string { return s.name }

func (s *memSource) Next(id string, prior *journal.Attempt) (personalize.Station, func(personalize.Disposition) error, error) {
	e := testcards.NewEmulator(testcards.NewBlankImage(testcards.ProfileCCCD), "")
	return personalize.Station{Card: apdu.NewCard(e), Reader: s.name, ATR: e.ATR()}, func(personalize.Disposition) error { return nil }, nil
}

// BenchmarkStations runs one batch with 1, 2 and 4 stations in-process
// (each its own reader of emulated cards, taking records through the
// journal's claims) on SQLite and on PostgreSQL: cards/s of the whole
// batch, validation included. "files" cards are image files rewritten
// after every write, as emu:DIR has them; "memory" cards cost their APDUs
// only.
func BenchmarkStations(b *testing.B) {
	const records = 24
	f := newFixture(b, records)
	for _, cards := range []string{"memory", "files"} {
		for _, backend := range []string{"sqlite", "postgres"} {
			for _, n := range []int{1, 2, 4} {
				b.Run(fmt.Sprintf("%s/%s/%d", cards, backend, n), func(b *testing.B) {
					var done int
					var busy time.Duration
					for i := 0; b.Loop(); i++ {
						b.StopTimer()
						dir := b.TempDir()
						target := filepath.Join(dir, "journal.db")
						if backend == "postgres" {
							target = pgtest.Shared(b).NewDatabase(b)
						}
						bt, _ := f.batchOn(b, target, false)
						bt.Manifest, bt.Personalizer.QROut = "", ""
						var srcs []personalize.CardSource
						for s := 0; s < n; s++ {
							d := filepath.Join(dir, fmt.Sprint("cards", s))
							os.MkdirAll(d, 0o755)
							if cards == "memory" {
								srcs = append(srcs, &memSource{name: d})
							} else {
								srcs = append(srcs, &emuSource{dir: d})
							}
						}
						b.StartTimer()
						start := time.Now()
						sum, err := bt.Run(ctx, srcs...)
						busy += time.Since(start)
						if err != nil || sum.Done != records {
							b.Fatalf("%+v %v", sum, err)
						}
						done += sum.Done
					}
					b.ReportMetric(float64(done)/busy.Seconds(), "cards/s")
				})
			}
		}
	}
}

// BenchmarkSODSignAndHash is the floor of personalization: hash the data
// groups and sign EF.SOD with the same Document Signer key.
func BenchmarkSODSignAndHash(b *testing.B) {
	f := newFixture(b, 1)
	raw, _ := os.ReadFile(f.input)
	var in personalize.Input
	json.Unmarshal(raw[:len(raw)-1], &in.Record)
	photo, _ := os.ReadFile(filepath.Join(f.dir, in.Record.Photo))
	spec, err := testcards.Spec(in.Record, photo)
	if err != nil {
		b.Fatal(err)
	}
	spec.Sign = lds.SODSignOptions{Certificate: f.pki.DS, Signer: f.pki.DSKey}
	card, err := lds.BuildDocument(spec)
	if err != nil {
		b.Fatal(err)
	}
	dgs := map[int][]byte{}
	for fid, d := range card.Files {
		if fid >= 0x0101 && fid <= 0x0110 {
			dgs[int(fid-0x0100)] = d
		}
	}
	for b.Loop() {
		built, err := lds.BuildLDS(dgs, crypto.SHA256)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lds.SignSOD(built.SecurityObject, lds.SODSignOptions{Certificate: f.pki.DS, Signer: f.pki.DSKey}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
}

// BenchmarkDryRun validates batches of 100 000 and 1 000 000 records
// (one photo shared by all) as --dry-run does, reporting the time per
// record and the growth of the process's peak RSS: memory must stay flat
// with the batch size.
func BenchmarkDryRun(b *testing.B) {
	f := newFixture(b, 1)
	raw, _ := os.ReadFile(f.input)
	var rec map[string]any
	json.Unmarshal(raw[:len(raw)-1], &rec)
	id := rec["id_number"].(string)
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := filepath.Join(f.dir, fmt.Sprintf("b%d.jsonl", n))
			out, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i++ {
				rec["id_number"] = id[:6] + fmt.Sprintf("%06d", i)
				line, _ := json.Marshal(rec)
				out.Write(append(line, '\n'))
			}
			out.Close()
			var before syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for b.Loop() {
				bt := &personalize.Batch{Input: path, Format: personalize.JSONL, DryRun: true, Personalizer: &personalize.Personalizer{}}
				sum, err := bt.Run(ctx)
				if err != nil || sum.Valid != n {
					b.Fatalf("%+v %v", sum, err)
				}
			}
			var after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
			b.ReportMetric(float64(after.Maxrss)/1024, "peak-RSS-MB")
			os.Remove(path)
		})
	}
}
