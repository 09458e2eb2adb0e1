package personalize

import (
	"context"
	"crypto"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/journal"
)

// Disposition tells a card source what became of a card, so that it can
// tell the operator what to do with it (or, for emulated cards, do it).
type Disposition int

const (
	// CardDone: personalized, read back and locked.
	CardDone Disposition = iota
	// CardFailed: the record failed on it before LOCK (it can be written
	// again).
	CardFailed
	// CardRefused: not a blank card; never written.
	CardRefused
	// CardSpoiled: locked and wrong: set it aside for destruction.
	CardSpoiled
)

// CardSource hands out the cards of one reader: an emulated blank card
// image, or the next card an operator puts on a reader.
type CardSource interface {
	// Reader names the reader; a batch refuses the same reader twice.
	Reader() string
	// Next returns the card for record id. prior is the record's
	// unfinished attempt on this station, whose card may still be in the
	// reader (or nil). release gives the card back, told what became of
	// it.
	Next(id string, prior *journal.Attempt) (st Station, release func(Disposition) error, err error)
}

// Summary accounts for every record of a batch.
type Summary struct {
	Batch       string `json:"batch"`
	Records     int    `json:"records"`
	Valid       int    `json:"valid"`
	Invalid     int    `json:"invalid"`
	Warnings    int    `json:"warnings"`
	Done        int    `json:"done"`
	AlreadyDone int    `json:"already_done"`
	// Failed counts failed and spoiled cards (Spoiled is part of it).
	Failed  int `json:"failed"`
	Spoiled int `json:"spoiled"`
	// Busy records were held by other stations at work; InDoubt ones sit
	// on another station's card that may be locked.
	Busy    int `json:"busy"`
	InDoubt int `json:"in_doubt"`
	// NotBlank counts the cards refused as not blank (never written).
	NotBlank int `json:"not_blank"`
	// Lost counts cards given up because another station took the record
	// over (this one was too slow to renew its claim).
	Lost int `json:"lost"`
	// QRFailed counts cards done whose QR payload could not be written.
	QRFailed int `json:"qr_failed"`
	// Stopped: the operator stopped the station before the end.
	Stopped     bool      `json:"stopped"`
	Problems    []Problem `json:"problems,omitempty"`
	Elapsed     float64   `json:"elapsed_seconds"`
	CardsPerSec float64   `json:"cards_per_second"`
	Manifest    string    `json:"manifest,omitempty"`
}

// Unfinished reports whether records of this station are left to do on a
// run with --resume.
func (s *Summary) Unfinished() bool { return s.Failed > 0 || s.Stopped || s.Lost > 0 }

// maxProblemsKept bounds the problems kept for the summary; all are
// reported as they are found.
const maxProblemsKept = 1000

// Batch is one station's run over an input file.
type Batch struct {
	Input        string
	Format       Format
	Personalizer *Personalizer
	// Journal is the batch's journal; Name the batch in it (default: the
	// input file's name). Station names this machine (default: the host
	// name); each reader is a station of the journal under that name.
	Journal  journal.Journal
	Name     string
	Station  string
	Operator string
	// AllowExpired lets a card that is expired on the day it is made go
	// with a warning; Now is that day (time.Now when zero).
	AllowExpired bool
	Now          time.Time
	SkipInvalid  bool
	DryRun       bool
	Resume       bool
	// Report gets every problem as found and a notice per card.
	Report func(Notice)
	// Manifest is the CSV of this station's done cards (line, id, card,
	// QR file, time), rebuilt from the journal at the start and the end.
	Manifest string
	// Progress, when set, is told the number of cards to do once
	// validation is over (start) and after each card (done/failed so far).
	Progress func(todo, done, failed int)
	// Stop, when closed, ends the run after the cards in hand (the first
	// Ctrl-C); cancelling Run's context gives those up too at their next
	// step before LOCK (the second).
	Stop <-chan struct{}
	// StationKey, when set, signs the journal's checkpoints (package
	// journal: at each station's start and stop and every
	// CheckpointEvery cards); StationCert is its certificate (DER).
	StationKey      crypto.Signer
	StationCert     []byte
	CheckpointEvery int

	// invalid holds the lines validation refused (few, in a good batch),
	// so the personalization pass builds each valid record's holder once
	// without validating it again.
	invalid lineSet
}

// ErrInvalidInput: the batch has bad records and --skip-invalid was not
// given; nothing was written.
var ErrInvalidInput = errors.New("the input has invalid records; nothing was written (fix them, or pass --skip-invalid)")

// UsageError is a run refused before anything starts (a reader given
// twice, a station running already, unfinished cards without --resume).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// NoticeKind tells what a notice is about.
type NoticeKind int

const (
	// NoticeProblem is a problem of a record found by validation.
	NoticeProblem NoticeKind = iota
	// NoticeDone: a card was personalized, read back and locked.
	NoticeDone
	// NoticeFailed: a card failed (the record is failed or spoiled).
	NoticeFailed
	// NoticeInfo is anything else worth a line (a card refused, a record
	// held elsewhere).
	NoticeInfo
)

// Notice is one thing the batch tells its operator.
type Notice struct {
	Kind NoticeKind
	Line int
	// Card is the card's identity (done and failed notices).
	Card string
	// Text is the whole line as printed.
	Text string
}

func (n Notice) String() string { return n.Text }

func (b *Batch) notify(kind NoticeKind, line int, card, format string, args ...any) {
	if b.Report != nil {
		b.Report(Notice{Kind: kind, Line: line, Card: card, Text: fmt.Sprintf(format, args...)})
	}
}

// BatchName is the default name of a batch: its input file's name.
func BatchName(input string) string { return filepath.Base(input) }

func (b *Batch) name() string {
	if b.Name != "" {
		return b.Name
	}
	return BatchName(b.Input)
}

func (b *Batch) station() string {
	if b.Station != "" {
		return b.Station
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "station"
	}
	return h
}

// Validate checks the whole file without touching a card. Records the
// journal has on locked cards are errors unless the run resumes the batch
// or other stations are at work on it (they are the batch's progress,
// shared, not a mistaken second run).
func (b *Batch) Validate(ctx context.Context) (*Summary, error) {
	sum := &Summary{Batch: b.name()}
	v := b.validator()
	if j := b.Journal; j != nil && !b.Resume {
		sts, err := j.Stations(ctx, b.name())
		if err != nil {
			return sum, &JournalError{err}
		}
		alive := false
		for _, s := range sts {
			alive = alive || s.Alive
		}
		if !alive {
			// The ID numbers already on locked cards, loaded once: no
			// journal lookup per record.
			counts, err := j.Counts(ctx, b.name())
			if err != nil {
				return sum, &JournalError{err}
			}
			if counts[journal.StateDone] > 0 {
				recs, err := j.Records(ctx, b.name())
				if err != nil {
					return sum, &JournalError{err}
				}
				var done []uint64
				for _, r := range recs {
					if id, err := strconv.ParseUint(r.IDNumber, 10, 64); err == nil && r.State == journal.StateDone {
						done = append(done, id)
					}
				}
				if err := v.SetDone(done); err != nil {
					return sum, err
				}
			}
		}
	}
	f, err := os.Open(b.Input)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b.invalid = nil
	err = ReadRecords(f, b.Format, func(in Input) error {
		sum.Records++
		h, problems := v.Check(in)
		for _, p := range problems {
			if p.Warning {
				sum.Warnings++
			}
			if len(sum.Problems) < maxProblemsKept {
				sum.Problems = append(sum.Problems, p)
			}
			b.notify(NoticeProblem, p.Line, "", "%s", p)
		}
		if h == nil {
			sum.Invalid++
			b.invalid.add(in.Line)
		} else {
			sum.Valid++
		}
		return nil
	})
	// Duplicates are known once every line is in: the later lines are
	// invalid.
	for _, p := range v.Duplicates() {
		if len(sum.Problems) < maxProblemsKept {
			sum.Problems = append(sum.Problems, p)
		}
		b.notify(NoticeProblem, p.Line, "", "%s", p)
		if !b.invalid.has(p.Line) {
			b.invalid.add(p.Line)
			sum.Valid--
			sum.Invalid++
		}
	}
	if err == nil && v.err != nil {
		err = &JournalError{v.err}
	}
	return sum, err
}

func (b *Batch) validator() *Validator {
	v := &Validator{BaseDir: filepath.Dir(b.Input), Now: b.Now, AllowExpired: b.AllowExpired}
	b.Personalizer.Validator = v
	return v
}

// joined is one reader's station in the journal.
type joined struct {
	src CardSource
	st  journal.Station
}

// join makes a station of each source, refusing a reader given twice, a
// station already running, and (without --resume) a station that left
// unfinished cards behind.
func (b *Batch) join(ctx context.Context, srcs []CardSource, records int) ([]joined, error) {
	seen := map[string]bool{}
	for _, s := range srcs {
		if seen[s.Reader()] {
			return nil, &UsageError{fmt.Errorf("reader %s is given twice: one station per reader", s.Reader())}
		}
		seen[s.Reader()] = true
	}
	host, _ := os.Hostname()
	var out []joined
	closeAll := func() {
		for _, j := range out {
			j.st.Close()
		}
	}
	for _, s := range srcs {
		var ds []byte
		if b.Personalizer.DSCert != nil {
			ds = b.Personalizer.DSCert.Raw
		}
		st, err := b.Journal.Join(ctx, journal.StationInfo{Batch: b.name(), Station: b.station(), Reader: s.Reader(), Operator: b.Operator,
			DSSerial: b.Personalizer.DSSerial(), Host: host, PID: os.Getpid(),
			DSCert: ds, Key: b.StationKey, KeyCert: b.StationCert, CheckpointEvery: b.CheckpointEvery, Records: records})
		if err != nil {
			closeAll()
			var sr *journal.StationRunningError
			if errors.As(err, &sr) {
				return nil, &UsageError{err}
			}
			return nil, &JournalError{err}
		}
		out = append(out, joined{s, st})
	}
	if !b.Resume {
		recs, err := b.Journal.Records(ctx, b.name())
		if err != nil {
			closeAll()
			return nil, &JournalError{err}
		}
		for _, r := range recs {
			if r.Station == b.station() && seen[r.Reader] && (r.State == journal.StateWriting || r.Locking) {
				closeAll()
				return nil, &UsageError{fmt.Errorf("station %s left line %d unfinished on reader %s (its card may be half-written or locked): run again with --resume", b.station(), r.Line, r.Reader)}
			}
		}
	}
	return out, nil
}

// Run validates the file, then personalizes every valid record that is
// not on a locked card yet. Each source is a station; several stations
// work in parallel, taking the next record as they finish one, and other
// processes (on this journal, or on the same PostgreSQL batch) share the
// work through the journal's claims.
func (b *Batch) Run(ctx context.Context, srcs ...CardSource) (*Summary, error) {
	start := time.Now()
	sum, err := b.Validate(ctx)
	if err != nil {
		return sum, err
	}
	if sum.Invalid > 0 && !b.SkipInvalid {
		return sum, ErrInvalidInput
	}
	if b.DryRun {
		return sum, nil
	}
	if len(srcs) == 0 {
		return sum, errors.New("no station to personalize on")
	}
	if b.Journal == nil {
		return sum, errors.New("no journal: a batch is never personalized without one")
	}
	stations, err := b.join(ctx, srcs, sum.Valid)
	if err != nil {
		return sum, err
	}
	defer func() {
		for _, s := range stations {
			s.st.Close()
		}
	}()
	if b.Manifest != "" {
		// Rebuilt from the journal: a line lost to a kill between the
		// journal's "done" and the append comes back.
		if err := b.rebuildManifest(ctx); err != nil {
			return sum, err
		}
		sum.Manifest = b.Manifest
	}
	progress := func() {
		if b.Progress != nil {
			b.Progress(sum.Valid, sum.Done+sum.AlreadyDone, sum.Failed)
		}
	}
	progress()
	var man *csv.Writer
	if b.Manifest != "" {
		mf, err := os.OpenFile(b.Manifest, os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return sum, err
		}
		defer mf.Close()
		man = csv.NewWriter(mf)
	}
	b.Personalizer.Validator = &Validator{BaseDir: filepath.Dir(b.Input)}
	f, err := os.Open(b.Input)
	if err != nil {
		return sum, err
	}
	defer f.Close()

	var mu sync.Mutex // guards sum, man, the report and stationErr
	work := make(chan Validated)
	halted := make(chan struct{})
	var haltOnce sync.Once
	var stationErr error
	var wg sync.WaitGroup
	halt := func(err error) {
		mu.Lock()
		if stationErr == nil {
			stationErr = err
		}
		mu.Unlock()
		haltOnce.Do(func() { close(halted) })
	}
	stopping := func() bool {
		select {
		case <-b.Stop:
			return true
		case <-halted:
			return true
		case <-ctx.Done():
			return true
		default:
			return false
		}
	}
	for _, js := range stations {
		wg.Add(1)
		go func(js joined) {
			defer wg.Done()
			for in := range work {
				if stopping() {
					continue // drain: the reader stops feeding
				}
				if err := b.card(ctx, js, in, sum, &mu, man, progress, stopping); err != nil {
					halt(err)
				}
			}
		}(js)
	}
	rerr := ReadRecords(f, b.Format, func(in Input) error {
		if in.Err != nil || b.invalid.has(in.Line) {
			return nil // reported in the validation pass
		}
		h, errs, _ := citizen.NewHolder(in.Record)
		if !errs.OK() {
			// Valid in the first pass: the file changed under the batch.
			mu.Lock()
			sum.Failed++
			b.notify(NoticeFailed, in.Line, "", "line %d: FAILED: the input file changed during the batch: %v", in.Line, errs.Err())
			mu.Unlock()
			return nil
		}
		if stopping() {
			return errStopped
		}
		select {
		case work <- Validated{Line: in.Line, Holder: h}:
			return nil
		case <-halted:
			return errStopped
		case <-b.Stop:
			return errStopped
		case <-ctx.Done():
			return errStopped
		}
	})
	close(work)
	wg.Wait()
	switch {
	case stationErr != nil:
		err = stationErr
	case errors.Is(rerr, errStopped):
		sum.Stopped = true
	case rerr != nil:
		err = rerr
	}
	if b.Manifest != "" {
		if merr := b.rebuildManifest(context.WithoutCancel(ctx)); merr != nil && err == nil {
			err = merr
		}
	}
	sum.Elapsed = time.Since(start).Seconds()
	if sum.Elapsed > 0 {
		sum.CardsPerSec = float64(sum.Done) / sum.Elapsed
	}
	return sum, err
}

var errStopped = errors.New("stopped")

// maxRefusals bounds the cards refused in a row for one record: a source
// that keeps offering the same card must not spin for ever.
const maxRefusals = 100

// card puts one record on one card of a station: claim it, take cards
// until one is blank (or is the record's own), personalize. A journal
// error is returned (the station must stop); everything else is counted
// and reported.
func (b *Batch) card(ctx context.Context, js joined, in Validated, sum *Summary, mu *sync.Mutex, man *csv.Writer, progress func(), stopping func() bool) error {
	id := in.Holder.ID.Number
	cl, err := js.st.Claim(ctx, id, in.Line)
	var busy *journal.BusyError
	var doubt *journal.InDoubtError
	switch {
	case errors.Is(err, journal.ErrDone):
		mu.Lock()
		sum.AlreadyDone++
		progress()
		mu.Unlock()
		return nil
	case errors.As(err, &busy):
		mu.Lock()
		sum.Busy++
		mu.Unlock()
		return nil
	case errors.As(err, &doubt):
		mu.Lock()
		sum.InDoubt++
		b.notify(NoticeInfo, in.Line, doubt.Card, "line %d: not taken: %v", in.Line, doubt)
		mu.Unlock()
		return nil
	case err != nil:
		return &JournalError{err}
	}
	for refusals := 0; ; refusals++ {
		st, release, err := js.src.Next(id, cl.Prior())
		if err != nil {
			cl.Release(context.WithoutCancel(ctx), "no card: "+err.Error())
			if stopping() {
				return nil
			}
			return err
		}
		res, perr := b.Personalizer.Personalize(ctx, cl, st, in)
		var sp *SpoiledError
		disp := CardDone
		switch {
		case errors.Is(perr, ErrNotBlank):
			disp = CardRefused
		case errors.As(perr, &sp):
			disp = CardSpoiled
		case perr != nil:
			disp = CardFailed
		}
		rerr := release(disp)
		var je *JournalError
		mu.Lock()
		switch {
		case errors.Is(perr, ErrNotBlank):
			sum.NotBlank++
			b.notify(NoticeInfo, in.Line, st.CardID(), "line %d: %s: %v", in.Line, js.src.Reader(), perr)
		case errors.Is(perr, journal.ErrClaimLost):
			sum.Lost++
			b.notify(NoticeFailed, in.Line, st.CardID(), "line %d: given up on %s, not locked: %v", in.Line, st.CardID(), perr)
		case errors.As(perr, &je):
			sum.Failed++
			b.notify(NoticeFailed, in.Line, st.CardID(), "line %d: FAILED on %s: %v", in.Line, st.CardID(), perr)
		case perr != nil:
			sum.Failed++
			if sp != nil {
				sum.Spoiled++
			}
			b.notify(NoticeFailed, in.Line, st.CardID(), "line %d: FAILED on %s: %v", in.Line, st.CardID(), perr)
		default:
			sum.Done++
			b.notify(NoticeDone, in.Line, res.Card, "line %d: done on %s", in.Line, res.Card)
			if rerr != nil {
				b.notify(NoticeInfo, in.Line, res.Card, "line %d: card released with a problem: %v", in.Line, rerr)
			}
			if res.QRErr != nil {
				sum.QRFailed++
				b.notify(NoticeFailed, in.Line, res.Card, "line %d: the card is done, but its QR payload could not be written: %v (make it again with 'cccd qr encode')", in.Line, res.QRErr)
			}
			if man != nil {
				man.Write([]string{strconv.Itoa(in.Line), id, res.Card, res.QRFile, time.Now().UTC().Format(time.RFC3339)})
				man.Flush()
			}
		}
		progress()
		mu.Unlock()
		if errors.Is(perr, journal.ErrClaimLost) {
			return nil
		}
		if errors.As(perr, &je) {
			// No card may be written that the journal cannot account
			// for: the station stops at once.
			return je
		}
		if !errors.Is(perr, ErrNotBlank) {
			return nil
		}
		if stopping() || refusals >= maxRefusals {
			if err := cl.Release(context.WithoutCancel(ctx), "no blank card"); err != nil && !errors.Is(err, journal.ErrClaimLost) {
				return &JournalError{err}
			}
			return nil
		}
	}
}

// rebuildManifest writes the manifest anew from the journal: this
// station's done records of the batch, in line order (temp file, then
// rename, so that a reader never sees half of it).
func (b *Batch) rebuildManifest(ctx context.Context) error {
	recs, err := b.Journal.Records(ctx, b.name())
	if err != nil {
		return &JournalError{err}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Line < recs[j].Line })
	dir := filepath.Dir(b.Manifest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(b.Manifest)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := csv.NewWriter(tmp)
	w.Write([]string{"line", "id_number", "card", "qr_file", "time"})
	for _, r := range recs {
		if r.State != journal.StateDone || r.Station != b.station() {
			continue
		}
		t := r.Updated
		if pt, err := journal.ParseTime(r.Updated); err == nil {
			t = pt.Format(time.RFC3339)
		}
		w.Write([]string{strconv.Itoa(r.Line), r.IDNumber, r.Card, r.QRFile, t})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), b.Manifest)
}
