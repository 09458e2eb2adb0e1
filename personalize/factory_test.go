package personalize_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/journal/pgtest"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// records reads the fixture's records back.
func (f *fixture) records(t testing.TB) []citizen.Record {
	t.Helper()
	raw, err := os.ReadFile(f.input)
	if err != nil {
		t.Fatal(err)
	}
	var out []citizen.Record
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r citizen.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (f *fixture) writeRecords(t testing.TB, recs []citizen.Record) {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(f.input, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lockedCard personalizes rec (photo relative to the fixture) onto a new
// emulated card at path with the Document Signer of p, in a journal of its
// own: a genuine locked card, as another batch or another factory made it.
func lockedCard(t testing.TB, f *fixture, rec citizen.Record, p *pki.TestPKI, path string) {
	t.Helper()
	tj := openJournal(t, filepath.Join(t.TempDir(), "maker.db"))
	st, err := tj.Join(ctx, journal.StationInfo{Batch: "maker", Station: "maker", Reader: "r"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, errs, _ := citizen.NewHolder(rec)
	if !errs.OK() {
		t.Fatal(errs.Err())
	}
	cl, err := st.Claim(ctx, rec.IDNumber, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := testcards.NewBlankImage(testcards.ProfileCCCD).Save(path); err != nil {
		t.Fatal(err)
	}
	e, err := testcards.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pz := &personalize.Personalizer{DSCert: p.DS, DSSigner: p.DSKey, Validator: &personalize.Validator{BaseDir: f.dir}}
	if _, err := pz.Personalize(ctx, cl, personalize.Station{Card: apdu.NewCard(e), Reader: "maker", Chip: "emu:" + path, ATR: e.ATR()}, personalize.Validated{Line: 1, Holder: h}); err != nil {
		t.Fatal(err)
	}
}

// stopAtLock leaves the record's attempt on the fixture's station at the
// LOCK step, as a process killed between LOCK and the journal's "done"
// leaves it.
func stopAtLock(t testing.TB, f *fixture, j journal.Journal, reader, id, card string) {
	t.Helper()
	st, err := j.Join(ctx, journal.StationInfo{Batch: personalize.BatchName(f.input), Station: "test", Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := st.Claim(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Begin(ctx, journal.Card{ID: card}); err != nil {
		t.Fatal(err)
	}
	if err := cl.Log(ctx, journal.StepLock, journal.Started, ""); err != nil {
		t.Fatal(err)
	}
	st.Close()
}

// TestResumeExact: a locked card found for a record on resume is accepted
// only when it is exactly that record's, signed by the Document Signer in
// use; the same ID number and name with another photo, address or parents,
// or a foreign Document Signer, spoil the record with the reason, and the
// next resume puts it on a new card.
func TestResumeExact(t *testing.T) {
	other, err := pki.NewTestPKI("ecdsa-p256", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		mutate    func(f *fixture, r *citizen.Record)
		foreignDS bool
		reason    string // "" = accepted
	}{
		{"its own card", nil, false, ""},
		{"foreign Document Signer", nil, true, "not signed by the Document Signer in use"},
		{"another photo", func(f *fixture, r *citizen.Record) {
			photo, _ := testcards.FacePhoto(99)
			os.WriteFile(filepath.Join(f.dir, "photos", "other.jpg"), photo, 0o644)
			r.Photo = filepath.Join("photos", "other.jpg")
		}, false, "DG2 differs from the one this record builds (the photo)"},
		{"another address and parents", func(f *fixture, r *citizen.Record) {
			r.PlaceOfResidence, r.FatherName, r.MotherName = "1 Phố Khác, Hà Nội", "Trần Văn Khác", "Lê Thị Khác"
		}, false, "DG13 differs from the one this record builds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, 1)
			rec := f.records(t)[0]
			cards := filepath.Join(f.dir, "cards")
			path := filepath.Join(cards, rec.IDNumber+".card")
			made := rec
			if tt.mutate != nil {
				tt.mutate(f, &made)
			}
			ds := f.pki
			if tt.foreignDS {
				ds = other
			}
			lockedCard(t, f, made, ds, path)
			b, j := f.batch(t, true)
			stopAtLock(t, f, j, "emu:"+cards, rec.IDNumber, "emu:"+path)
			sum, err := b.Run(ctx, &emuSource{dir: cards})
			if err != nil {
				t.Fatal(err)
			}
			r, _ := j.Record(ctx, personalize.BatchName(f.input), rec.IDNumber)
			if tt.reason == "" {
				if sum.Done != 1 || sum.Failed != 0 || r.State != journal.StateDone {
					t.Fatalf("own card: %+v, record %+v", sum, r)
				}
				f.verifyAll(t, j)
				return
			}
			if sum.Spoiled != 1 || sum.Done != 0 || r.State != journal.StateSpoiled || !strings.Contains(r.Error, tt.reason) {
				t.Fatalf("%+v, record %s: %s", sum, r.State, r.Error)
			}
			if _, err := os.Stat(path + ".spoiled-1"); err != nil {
				t.Fatalf("spoiled card not set aside: %v", err)
			}
			// The next resume writes the record on a new blank card.
			b2, j2 := f.batch(t, true)
			if sum, err := b2.Run(ctx, &emuSource{dir: cards}); err != nil || sum.Done != 1 {
				t.Fatalf("after the spoiled card: %+v %v", sum, err)
			}
			f.verifyAll(t, j2)
		})
	}
}

// TestNotBlankCard: a card that is not blank — locked with another
// person's record, or half-written for someone else — is recognised
// before any write, left as it was, and never spoils the record, which
// goes on the next (blank) card.
func TestNotBlankCard(t *testing.T) {
	f := newFixture(t, 3)
	recs := f.records(t)
	cards := filepath.Join(f.dir, "cards")
	foreign := filepath.Join(t.TempDir(), "foreign.card")
	lockedCard(t, f, recs[2], f.pki, foreign)
	want, _ := testcards.LoadImage(foreign)
	half := testcards.NewBlankImage(testcards.ProfileCCCD)
	half.SetFile(lds.DGFileID(1), false, []byte{0x61, 0x05, 1, 2, 3})
	offered := map[string]bool{}
	src := &emuSource{dir: cards, prepare: func(path string) {
		id := strings.TrimSuffix(filepath.Base(path), ".card")
		if offered[id] {
			return
		}
		offered[id] = true
		switch id {
		case recs[0].IDNumber:
			b, _ := os.ReadFile(foreign)
			os.WriteFile(path, b, 0o600)
		case recs[1].IDNumber:
			half.Save(path)
		}
	}}
	b, j := f.batch(t, false)
	sum, err := b.Run(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 3 || sum.NotBlank != 2 || sum.Failed != 0 {
		t.Fatalf("%+v", sum)
	}
	for _, r := range recs[:2] {
		rec, _ := j.Record(ctx, personalize.BatchName(f.input), r.IDNumber)
		if rec.State != journal.StateDone || rec.Attempts != 1 {
			t.Fatalf("line %d: %s after %d attempts", rec.Line, rec.State, rec.Attempts)
		}
	}
	got, err := testcards.LoadImage(filepath.Join(cards, recs[0].IDNumber+".card.refused-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Locked || len(got.Files) != len(want.Files) || got.Counters.Writes != want.Counters.Writes {
		t.Fatal("the refused card was changed")
	}
	for _, fl := range want.Files {
		if !bytes.Equal(got.FileData(uint16(mustHex(fl.FID))), fl.Data) {
			t.Fatalf("the refused card's %s was changed", fl.FID)
		}
	}
	var refusals int
	j.Events(ctx, personalize.BatchName(f.input), func(e journal.Event) error {
		if e.Step == journal.StepProbe && e.Outcome == journal.Failed && strings.Contains(e.Detail, "not a blank card") {
			refusals++
		}
		return nil
	})
	if refusals != 2 {
		t.Fatalf("%d refusals journaled", refusals)
	}
	f.verifyAll(t, j)
}

func mustHex(s string) uint64 {
	var v uint64
	for _, c := range s {
		v = v<<4 | uint64(strings.IndexRune("0123456789ABCDEF", c))
	}
	return v
}

// bigPhoto pads a JPEG with comment segments after its SOI marker to size
// bytes: still a valid JPEG of the same picture.
func bigPhoto(t testing.TB, size int) []byte {
	t.Helper()
	photo, err := testcards.FacePhoto(5)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), photo[:2]...)
	for need := size - len(photo); need > 0; {
		n := min(need, 65535+2) - 4 // segment: FF FE, length (2), data
		if n < 1 {
			n = 1
		}
		seg := []byte{0xFF, 0xFE, byte((n + 2) >> 8), byte(n + 2)}
		out = append(append(out, seg...), bytes.Repeat([]byte{'c'}, n)...)
		need -= n + 4
	}
	out = append(out, photo[2:]...)
	if len(out) != size {
		t.Fatalf("padded photo is %d bytes, want %d", len(out), size)
	}
	return out
}

// TestLargePhoto writes a 100 KB photo end to end: DG2 over 65535 bytes
// (CREATE FILE with a three-byte size), UPDATE BINARY beyond offset 32767
// with odd INS (a card refusing D7 fails the record with a clear
// message), the read-back through odd-INS READ BINARY to the last byte, on
// cards with extended and with short answers.
func TestLargePhoto(t *testing.T) {
	f := newFixture(t, 2)
	recs := f.records(t)
	os.WriteFile(filepath.Join(f.dir, recs[0].Photo), bigPhoto(t, personalize.MaxPhotoSize), 0o644)
	os.WriteFile(filepath.Join(f.dir, recs[1].Photo), bigPhoto(t, personalize.MaxPhotoSize-1000), 0o644)
	cards := filepath.Join(f.dir, "cards")
	short := func(img *testcards.Image) { img.MaxResponse, img.ExtendedLength = 223, false }

	noD7 := &emuSource{dir: filepath.Join(f.dir, "nod7"), fault: func(img *testcards.Image) {
		img.Faults.StatusWords = []testcards.StatusFault{{INS: "D7", SW: "6D00"}}
	}}
	os.MkdirAll(noD7.dir, 0o755)
	b, j := f.batch(t, false)
	sum, err := b.Run(ctx, noD7)
	if err != nil || sum.Failed != 2 {
		t.Fatalf("a card without odd-INS UPDATE BINARY: %+v %v", sum, err)
	}
	r, _ := j.Record(ctx, personalize.BatchName(f.input), recs[0].IDNumber)
	if !strings.Contains(r.Error, "lacks this command") {
		t.Fatalf("error: %s", r.Error)
	}
	os.RemoveAll(noD7.dir)

	b, j = f.batch(t, true)
	sum, err = b.Run(ctx, &emuSource{dir: cards, fault: short})
	if err != nil || sum.Done != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	f.verifyAll(t, j)
	img, _ := testcards.LoadImage(filepath.Join(cards, recs[0].IDNumber+".card"))
	if n := len(img.FileData(lds.DGFileID(2))); n <= personalize.MaxPhotoSize {
		t.Fatalf("DG2 is %d bytes", n)
	}
	// One byte over the cap is refused by validation.
	os.WriteFile(filepath.Join(f.dir, recs[0].Photo), bigPhoto(t, personalize.MaxPhotoSize+1), 0o644)
	v := &personalize.Validator{BaseDir: f.dir}
	if _, probs := v.Check(personalize.Input{Line: 1, Record: recs[0]}); len(probs) != 1 || probs[0].Field != "photo" || !strings.Contains(probs[0].Reason, "at most 100 KB") {
		t.Fatalf("%v", probs)
	}
}

// TestStopSafely: the first stop ends the run after the card in hand (no
// claim left, nothing half-done); stopping inside a card (the second
// Ctrl-C) gives it up before any write; --resume finishes the batch.
func TestStopSafely(t *testing.T) {
	f := newFixture(t, 6)
	cards := filepath.Join(f.dir, "cards")
	b, j := f.batch(t, false)
	stop := make(chan struct{})
	b.Stop = stop
	b.Report = func(n personalize.Notice) {
		if n.Kind == personalize.NoticeDone {
			select {
			case <-stop:
			default:
				close(stop)
			}
		}
	}
	sum, err := b.Run(ctx, &emuSource{dir: cards})
	if err != nil || !sum.Stopped || sum.Done != 1 || sum.Failed != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	recs, _ := j.Records(ctx, personalize.BatchName(f.input))
	for _, r := range recs {
		if r.ClaimedBy != "" || r.State == journal.StateWriting {
			t.Fatalf("after a stop, line %d is %s, claimed by %q", r.Line, r.State, r.ClaimedBy)
		}
	}

	hard, cancel := contextWithCancel()
	b2, j2 := f.batch(t, true)
	sum, err = b2.Run(hard, &emuSource{dir: cards, prepare: func(string) { cancel() }})
	if err != nil || sum.Failed != 1 || sum.Done != 0 {
		t.Fatalf("abandoned: %+v %v", sum, err)
	}
	var abandoned *journal.Record
	recs, _ = j2.Records(ctx, personalize.BatchName(f.input))
	for i := range recs {
		if recs[i].State == journal.StateFailed {
			abandoned = &recs[i]
		}
	}
	if abandoned == nil || !strings.Contains(abandoned.Error, "stopped by the operator") {
		t.Fatalf("abandoned record: %+v", abandoned)
	}
	img, _ := testcards.LoadImage(strings.TrimPrefix(abandoned.Card, "emu:"))
	if img.Counters.Writes != 0 {
		t.Fatalf("the abandoned card got %d writes", img.Counters.Writes)
	}
	b3, j3 := f.batch(t, true)
	if sum, err := b3.Run(ctx, &emuSource{dir: cards}); err != nil || sum.Done != 5 {
		t.Fatalf("resume: %+v %v", sum, err)
	}
	f.verifyAll(t, j3)
}

// TestStationsOnPostgres: two stations, each with its own connection to
// one PostgreSQL batch (as on two machines), share the batch: each record
// on exactly one locked card; the shift report counts them.
func TestStationsOnPostgres(t *testing.T) {
	f := newFixture(t, 10)
	url := pgtest.Shared(t).NewDatabase(t)
	type run struct {
		sum *personalize.Summary
		err error
	}
	done := make(chan run, 2)
	for _, name := range []string{"pc1", "pc2"} {
		// --resume: a station starting when the other has finished
		// records must not take them for a mistaken second run.
		b, _ := f.batchOn(t, url, true)
		b.Station, b.Manifest = name, filepath.Join(f.dir, name+"-manifest.csv")
		dir := filepath.Join(f.dir, "cards-"+name)
		os.MkdirAll(dir, 0o755)
		go func() {
			sum, err := b.Run(ctx, &emuSource{dir: dir})
			done <- run{sum, err}
		}()
	}
	total := 0
	for range 2 {
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		total += r.sum.Done
	}
	if total != 10 {
		t.Fatalf("%d cards done", total)
	}
	j := openJournal(t, url)
	f.verifyAll(t, j)
	rep, err := j.Report(ctx, personalize.BatchName(f.input))
	if err != nil || rep.Total.Done != 10 {
		t.Fatalf("report %+v %v", rep, err)
	}
	// Each station's manifest lists its own cards; together, every record.
	lines := 0
	for _, name := range []string{"pc1", "pc2"} {
		b, _ := os.ReadFile(filepath.Join(f.dir, name+"-manifest.csv"))
		lines += strings.Count(string(b), "\n") - 1
	}
	if lines != 10 {
		t.Fatalf("manifests list %d cards", lines)
	}
}

// TestManifestRebuilt: a manifest that lost lines (a kill between the
// journal's done and the append) is whole again after a resume.
func TestManifestRebuilt(t *testing.T) {
	f := newFixture(t, 3)
	b, _ := f.batch(t, false)
	if sum, err := b.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")}); err != nil || sum.Done != 3 {
		t.Fatal(sum, err)
	}
	man := filepath.Join(f.dir, "manifest.csv")
	full, _ := os.ReadFile(man)
	lines := strings.SplitAfter(string(full), "\n")
	os.WriteFile(man, []byte(lines[0]+lines[1]), 0o600)
	b2, _ := f.batch(t, true)
	if sum, err := b2.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")}); err != nil || sum.AlreadyDone != 3 {
		t.Fatal(sum, err)
	}
	if got, _ := os.ReadFile(man); !bytes.Equal(got, full) {
		t.Fatalf("manifest:\n%s\nwant:\n%s", got, full)
	}
}

// TestUnfinishedNeedsResume: a station that left a card in doubt refuses
// to start again without --resume.
func TestUnfinishedNeedsResume(t *testing.T) {
	f := newFixture(t, 1)
	rec := f.records(t)[0]
	cards := filepath.Join(f.dir, "cards")
	b, j := f.batch(t, false)
	stopAtLock(t, f, j, "emu:"+cards, rec.IDNumber, "emu:x")
	var ue *personalize.UsageError
	if _, err := b.Run(ctx, &emuSource{dir: cards}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("%v", err)
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
