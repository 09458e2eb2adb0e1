package personalize_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

// emuSource gives each record a blank emulated card image in dir: the
// station's reader. A card refused or spoiled is set aside (renamed), as
// an operator takes it out; a prior attempt's card is the image already
// there.
type emuSource struct {
	dir   string
	fault func(*testcards.Image)
	// prepare, when set, may put a card of its own in the reader.
	prepare func(path string)
	// writes adds up the image writes of every card released.
	writes testcards.EmulatorStats
}

func (s *emuSource) Reader() string { return "emu:" + s.dir }

func (s *emuSource) Next(id string, prior *journal.Attempt) (personalize.Station, func(personalize.Disposition) error, error) {
	path := filepath.Join(s.dir, id+".card")
	if s.prepare != nil {
		s.prepare(path)
	}
	if _, err := os.Stat(path); err != nil {
		img := testcards.NewBlankImage(testcards.ProfileCCCD)
		if s.fault != nil {
			s.fault(img)
		}
		if err := img.Save(path); err != nil {
			return personalize.Station{}, nil, err
		}
	}
	e, err := testcards.Open(path)
	if err != nil {
		return personalize.Station{}, nil, err
	}
	release := func(d personalize.Disposition) error {
		if err := e.Close(); err != nil {
			return err
		}
		st := e.Stats()
		s.writes.Saves += st.Saves
		s.writes.SavedBytes += st.SavedBytes
		return setAside(path, d)
	}
	return personalize.Station{Card: apdu.NewCard(e), Reader: s.Reader(), Chip: "emu:" + path, ATR: e.ATR()}, release, nil
}

// setAside renames a refused or spoiled card image out of the way.
func setAside(path string, d personalize.Disposition) error {
	suffix := map[personalize.Disposition]string{personalize.CardRefused: ".refused", personalize.CardSpoiled: ".spoiled"}[d]
	if suffix == "" {
		return nil
	}
	for i := 1; ; i++ {
		to := fmt.Sprintf("%s%s-%d", path, suffix, i)
		if _, err := os.Stat(to); err != nil {
			return os.Rename(path, to)
		}
	}
}

type fixture struct {
	dir     string
	input   string
	pki     *pki.TestPKI
	journal string
}

func newFixture(t testing.TB, n int) *fixture {
	t.Helper()
	dir := t.TempDir()
	samples, err := testcards.Samples(n, 3)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "photos"), 0o755)
	var lines []string
	for _, s := range samples {
		rel := filepath.Join("photos", s.Record.IDNumber+".jpg")
		os.WriteFile(filepath.Join(dir, rel), s.Photo, 0o644)
		s.Record.Photo = rel
		b, _ := json.Marshal(s.Record)
		lines = append(lines, string(b))
	}
	input := filepath.Join(dir, "records.jsonl")
	os.WriteFile(input, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	p, err := pki.NewTestPKI("ecdsa-p256", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "cards"), 0o755)
	return &fixture{dir: dir, input: input, pki: p, journal: filepath.Join(dir, "journal.db")}
}

func openJournal(t testing.TB, target string) journal.Journal {
	t.Helper()
	j, err := journal.Open(context.Background(), target, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func (f *fixture) batch(t testing.TB, resume bool) (*personalize.Batch, journal.Journal) {
	t.Helper()
	return f.batchOn(t, f.journal, resume)
}

func (f *fixture) batchOn(t testing.TB, target string, resume bool) (*personalize.Batch, journal.Journal) {
	t.Helper()
	j := openJournal(t, target)
	return &personalize.Batch{Input: f.input, Format: personalize.JSONL, Resume: resume, Journal: j, Station: "test", Operator: "qa",
		Personalizer: &personalize.Personalizer{DSCert: f.pki.DS, DSSigner: f.pki.DSKey, QROut: filepath.Join(f.dir, "qr")},
		Manifest:     filepath.Join(f.dir, "manifest.csv")}, j
}

func (f *fixture) trust(t testing.TB) *verify.TrustStore {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "csca.der"), f.pki.CSCA.Raw, 0o644)
	os.WriteFile(filepath.Join(dir, "csca.crl"), f.pki.CRL.Raw, 0o644)
	ts, err := verify.LoadTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// verifyAll checks that every record of the batch is done on a locked,
// genuine card, and that no other locked card holds one of them: the
// locked card images under the fixture are exactly one per record.
func (f *fixture) verifyAll(t testing.TB, j journal.Journal) int {
	t.Helper()
	ts := f.trust(t)
	recs, err := j.Records(context.Background(), personalize.BatchName(f.input))
	if err != nil {
		t.Fatal(err)
	}
	locked := 0
	for _, r := range recs {
		if r.State != journal.StateDone {
			t.Fatalf("record line %d is %s: %s", r.Line, r.State, r.Error)
		}
		img, err := testcards.LoadImage(strings.TrimPrefix(r.Card, "emu:"))
		if err != nil || !img.Locked {
			t.Fatalf("card of line %d not locked: %v", r.Line, err)
		}
		locked++
		rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), verify.Input{Secret: lds.Secret{CAN: r.IDNumber[6:]}}, verify.Options{Trust: ts})
		if err != nil || !rep.IsGenuine() {
			t.Fatalf("card of line %d: %v %v", r.Line, err, rep.Summary())
		}
	}
	if n := countLockedCards(t, f.dir); n != locked {
		t.Fatalf("%d locked card images for %d done records", n, locked)
	}
	return locked
}

// countLockedCards counts the locked card images (*.card) under dir.
func countLockedCards(t testing.TB, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".card") {
			if img, err := testcards.LoadImage(path); err == nil && img.Locked {
				n++
			}
		}
		return nil
	})
	return n
}

var ctx = context.Background()

func TestBatchInProcess(t *testing.T) {
	f := newFixture(t, batchSize)
	b, j := f.batch(t, false)
	src := &emuSource{dir: filepath.Join(f.dir, "cards")}
	sum, err := b.Run(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	// The emulated card writes its image when it matters — after the run
	// of personalization commands, at LOCK, at close — not after every
	// APDU: a handful of writes per card.
	if per := float64(src.writes.Saves) / float64(batchSize); per > 4 {
		t.Fatalf("%.1f image writes per card, want at most 4", per)
	}
	t.Logf("%.1f image writes, %d KB per card", float64(src.writes.Saves)/float64(batchSize), src.writes.SavedBytes/int64(batchSize)/1024)
	if sum.Done != batchSize || sum.Failed != 0 || sum.Invalid != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := f.verifyAll(t, j); n != batchSize {
		t.Fatalf("%d locked cards", n)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "qr", strings.Split(filepath.Base(mustFirstID(t, f)), ".")[0]+".png")); err != nil {
		t.Fatalf("QR image: %v", err)
	}
	// A second run without --resume refuses the records already done.
	b2, _ := f.batch(t, false)
	if _, err := b2.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")}); !errors.Is(err, personalize.ErrInvalidInput) {
		t.Fatalf("rerun: %v", err)
	}
	// The manifest lists every card once, rebuilt from the journal.
	man, _ := os.ReadFile(filepath.Join(f.dir, "manifest.csv"))
	if n := strings.Count(string(man), "\n"); n != batchSize+1 {
		t.Fatalf("manifest has %d lines", n)
	}
}

func mustFirstID(t testing.TB, f *fixture) string {
	b, _ := os.ReadFile(f.input)
	var r struct {
		ID string `json:"id_number"`
	}
	json.Unmarshal([]byte(strings.SplitN(string(b), "\n", 2)[0]), &r)
	return r.ID
}

// TestTearingAtEveryAPDU cuts the power at each APDU of one card's
// personalization in turn, then resumes: the record ends on exactly one
// locked, genuine card, and the journal accounts for it.
func TestTearingAtEveryAPDU(t *testing.T) {
	// Count the APDUs of one personalization.
	f := newFixture(t, 1)
	b, _ := f.batch(t, false)
	counter := &countingSource{emuSource: emuSource{dir: filepath.Join(f.dir, "cards")}}
	if sum, err := b.Run(ctx, counter); err != nil || sum.Done != 1 {
		t.Fatalf("reference run: %+v %v", sum, err)
	}
	total := counter.apdus
	if total < 50 {
		t.Fatalf("only %d APDUs", total)
	}
	for k := 1; k <= total; k++ {
		f := newFixture(t, 1)
		b, _ := f.batch(t, false)
		src := &emuSource{dir: filepath.Join(f.dir, "cards"), fault: func(img *testcards.Image) { img.Faults.TearAfter = k }}
		sum, err := b.Run(ctx, src)
		if err != nil {
			t.Fatalf("tear at %d: %v", k, err)
		}
		if sum.Failed+sum.Done != 1 {
			t.Fatalf("tear at %d: %+v", k, sum)
		}
		rb, j := f.batch(t, true)
		sum, err = rb.Run(ctx, src)
		if err != nil || sum.Done+sum.AlreadyDone != 1 {
			t.Fatalf("resume after tear at %d: %+v %v", k, sum, err)
		}
		if n := f.verifyAll(t, j); n != 1 {
			t.Fatalf("tear at %d: %d locked cards", k, n)
		}
	}
	t.Logf("torn at each of %d APDUs, resumed each time", total)
}

type countingSource struct {
	emuSource
	apdus int
}

func (c *countingSource) Next(id string, prior *journal.Attempt) (personalize.Station, func(personalize.Disposition) error, error) {
	st, done, err := c.emuSource.Next(id, prior)
	if err != nil {
		return st, done, err
	}
	return st, func(d personalize.Disposition) error { c.apdus += st.Card.Stats().APDUs; return done(d) }, nil
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, 3)
	good, _ := os.ReadFile(f.input)
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	var r0 map[string]any
	json.Unmarshal([]byte(lines[1]), &r0)
	mk := func(mut func(map[string]any)) string {
		m := map[string]any{}
		for k, v := range r0 {
			m[k] = v
		}
		mut(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tt := range []struct {
		name, line, field, reason string
	}{
		{"wrong ID", mk(func(m map[string]any) { m["id_number"] = "12345" }), "id_number", "12 digits"},
		{"bad date", mk(func(m map[string]any) { m["date_of_birth"] = "1990-02-31" }), "date_of_birth", ""},
		{"missing photo", mk(func(m map[string]any) { m["photo"] = "photos/none.jpg" }), "photo", "does not exist"},
		{"duplicate ID", lines[0], "id_number", "duplicate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(f.input, []byte(lines[0]+"\n"+tt.line+"\n"+lines[2]+"\n"), 0o644)
			b, _ := f.batch(t, false)
			sum, err := b.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")})
			if !errors.Is(err, personalize.ErrInvalidInput) || sum.Invalid != 1 || sum.Done != 0 {
				t.Fatalf("%+v %v", sum, err)
			}
			p := sum.Problems[0]
			if p.Line != 2 || p.Field != tt.field || !strings.Contains(p.String(), tt.reason) {
				t.Fatalf("problem %s", p)
			}
		})
	}
	t.Run("CSV with wrong columns", func(t *testing.T) {
		path := filepath.Join(f.dir, "bad.csv")
		os.WriteFile(path, []byte("id_number,name,date_of_birth,sex,photo\n001099012345,A,1999-05-18,Nam,p.jpg\n"), 0o644)
		b, _ := f.batch(t, false)
		b.Input, b.Format = path, personalize.CSV
		_, err := b.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")})
		if !errors.Is(err, personalize.ErrHeader) || !strings.Contains(err.Error(), `unknown column "name"`) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("skip invalid", func(t *testing.T) {
		// One invalid line among three: exactly the two others are
		// personalized, the invalid one is named, nothing is written
		// for it.
		os.WriteFile(f.input, []byte(lines[0]+"\n"+mk(func(m map[string]any) { m["sex"] = "X" })+"\n"+lines[2]+"\n"), 0o644)
		b, j := f.batch(t, false)
		b.SkipInvalid = true
		dir := filepath.Join(f.dir, "cards2")
		os.MkdirAll(dir, 0o755)
		sum, err := b.Run(ctx, &emuSource{dir: dir})
		if err != nil || sum.Invalid != 1 || sum.Done != 2 || sum.Valid != 2 || sum.Failed != 0 {
			t.Fatalf("%+v %v", sum, err)
		}
		if len(sum.Problems) != 1 || sum.Problems[0].Line != 2 || sum.Problems[0].Field != "sex" {
			t.Fatalf("problems %v, want line 2 named for its sex", sum.Problems)
		}
		badID := r0["id_number"].(string)
		if _, err := os.Stat(filepath.Join(dir, badID+".card")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a card image was made for the invalid line: %v", err)
		}
		recs, err := j.Records(ctx, personalize.BatchName(f.input))
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, r := range recs {
			if r.IDNumber == badID {
				t.Fatalf("the journal has the invalid line: %+v", r)
			}
			if r.State == journal.StateDone {
				done++
			}
		}
		if done != 2 {
			t.Fatalf("%d records done in the journal, want 2", done)
		}
	})
}

// batchSize is the in-process end-to-end batch (the issue asks for 100).
var batchSize = 100

// TestParallelStations runs two emulated stations side by side, each
// with its own reader: every record ends on exactly one locked card. The
// same reader twice is refused.
func TestParallelStations(t *testing.T) {
	f := newFixture(t, 12)
	b, j := f.batch(t, false)
	os.MkdirAll(filepath.Join(f.dir, "cards2"), 0o755)
	sum, err := b.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")}, &emuSource{dir: filepath.Join(f.dir, "cards2")})
	if err != nil || sum.Done != 12 {
		t.Fatalf("%+v %v", sum, err)
	}
	if n := f.verifyAll(t, j); n != 12 {
		t.Fatalf("%d locked cards", n)
	}
	b2, _ := f.batch(t, true)
	var ue *personalize.UsageError
	if _, err := b2.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")}, &emuSource{dir: filepath.Join(f.dir, "cards")}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("the same reader twice: %v", err)
	}
}
