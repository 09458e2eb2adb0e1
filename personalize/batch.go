package personalize

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/cccd-vn/cccd/citizen"
)

// CardSource hands out the card for each record: an emulated blank card
// image, or the next card an operator puts on a reader.
type CardSource interface {
	// Next returns the station holding the card for record id; done
	// releases it (the operator removes the card; the image is saved).
	Next(id string, resume bool) (st Station, done func() error, err error)
}

// Summary accounts for every record of a batch.
type Summary struct {
	Records     int       `json:"records"`
	Valid       int       `json:"valid"`
	Invalid     int       `json:"invalid"`
	Warnings    int       `json:"warnings"`
	Done        int       `json:"done"`
	AlreadyDone int       `json:"already_done"`
	Failed      int       `json:"failed"`
	Problems    []Problem `json:"problems,omitempty"`
	Elapsed     float64   `json:"elapsed_seconds"`
	CardsPerSec float64   `json:"cards_per_second"`
	Manifest    string    `json:"manifest,omitempty"`
}

// maxProblemsKept bounds the problems kept for the summary; all are
// reported as they are found.
const maxProblemsKept = 1000

// Batch is one run over an input file.
type Batch struct {
	Input        string
	Format       Format
	Personalizer *Personalizer
	SkipInvalid  bool
	DryRun       bool
	Resume       bool
	// Report gets every problem as found and a notice per card.
	Report func(Notice)
	// Manifest is the CSV of done cards (line, id, card, QR file, time).
	Manifest string
	// Progress, when set, is told the number of cards to do once
	// validation is over (start) and after each card (done/failed so far).
	Progress func(todo, done, failed int)

	// invalid holds the lines validation refused (few, in a good batch),
	// so the personalization pass builds each valid record's holder once
	// without validating it again.
	invalid map[int]bool
}

// ErrInvalidInput: the batch has bad records and --skip-invalid was not
// given; nothing was written.
var ErrInvalidInput = errors.New("the input has invalid records; nothing was written (fix them, or pass --skip-invalid)")

// NoticeKind tells what a notice is about.
type NoticeKind int

const (
	// NoticeProblem is a problem of a record found by validation.
	NoticeProblem NoticeKind = iota
	// NoticeDone: a card was personalized, read back and locked.
	NoticeDone
	// NoticeFailed: a card failed (the record is failed or spoiled).
	NoticeFailed
	// NoticeInfo is anything else worth a line (a card released with a
	// problem).
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

// Validate checks the whole file without touching a card.
func (b *Batch) Validate() (*Summary, error) {
	sum := &Summary{}
	v := b.validator()
	f, err := os.Open(b.Input)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b.invalid = map[int]bool{}
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
			b.invalid[in.Line] = true
		} else {
			sum.Valid++
		}
		return nil
	})
	return sum, err
}

func (b *Batch) validator() *Validator {
	v := &Validator{BaseDir: filepath.Dir(b.Input)}
	if j := b.Personalizer.Journal; j != nil && !b.Resume {
		v.Done = j.IsDone
	}
	b.Personalizer.Validator = v
	return v
}

// Run validates the file, then personalizes every valid record that is
// not on a locked card yet. Each source is a station; several stations
// work in parallel, taking the next record as they finish one.
func (b *Batch) Run(srcs ...CardSource) (*Summary, error) {
	start := time.Now()
	sum, err := b.Validate()
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
	progress := func() {
		if b.Progress != nil {
			b.Progress(sum.Valid, sum.Done+sum.AlreadyDone, sum.Failed)
		}
	}
	progress()
	var man *csv.Writer
	if b.Manifest != "" {
		mf, err := os.OpenFile(b.Manifest, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return sum, err
		}
		defer mf.Close()
		man = csv.NewWriter(mf)
		if st, _ := mf.Stat(); st != nil && st.Size() == 0 {
			man.Write([]string{"line", "id_number", "card", "qr_file", "time"})
		}
		sum.Manifest = b.Manifest
	}
	b.Personalizer.Validator = &Validator{BaseDir: filepath.Dir(b.Input)}
	j := b.Personalizer.Journal
	f, err := os.Open(b.Input)
	if err != nil {
		return sum, err
	}
	defer f.Close()

	var mu sync.Mutex // guards sum, man, the report and stationErr
	work := make(chan Validated)
	stop := make(chan struct{})
	var stopOnce sync.Once
	var stationErr error
	var wg sync.WaitGroup
	halt := func(err error) {
		mu.Lock()
		if stationErr == nil {
			stationErr = err
		}
		mu.Unlock()
		stopOnce.Do(func() { close(stop) })
	}
	for _, src := range srcs {
		wg.Add(1)
		go func(src CardSource) {
			defer wg.Done()
			for in := range work {
				id := in.Holder.ID.Number
				st, release, err := src.Next(id, b.Resume)
				if err != nil {
					halt(err)
					return
				}
				res, perr := b.Personalizer.Personalize(st, in)
				rerr := release()
				mu.Lock()
				switch {
				case perr != nil:
					sum.Failed++
					b.notify(NoticeFailed, in.Line, st.CardID(), "line %d: FAILED on %s: %v", in.Line, st.CardID(), perr)
				default:
					sum.Done++
					b.notify(NoticeDone, in.Line, res.Card, "line %d: done on %s", in.Line, res.Card)
					if rerr != nil {
						b.notify(NoticeInfo, in.Line, res.Card, "line %d: card released with a problem: %v", in.Line, rerr)
					}
					if man != nil {
						man.Write([]string{strconv.Itoa(in.Line), id, res.Card, res.QRFile, time.Now().UTC().Format(time.RFC3339)})
						man.Flush()
					}
				}
				progress()
				mu.Unlock()
				var je *JournalError
				if errors.As(perr, &je) {
					// No card may be written that the journal cannot
					// account for: the station stops at once.
					halt(je)
					return
				}
			}
		}(src)
	}
	err = ReadRecords(f, b.Format, func(in Input) error {
		if in.Err != nil || b.invalid[in.Line] {
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
		if j.IsDone(h.ID.Number) {
			mu.Lock()
			sum.AlreadyDone++
			progress()
			mu.Unlock()
			return nil
		}
		select {
		case work <- Validated{Line: in.Line, Holder: h}:
			return nil
		case <-stop:
			return errStopped
		}
	})
	close(work)
	wg.Wait()
	if errors.Is(err, errStopped) {
		err = stationErr
	}
	sum.Elapsed = time.Since(start).Seconds()
	if sum.Elapsed > 0 {
		sum.CardsPerSec = float64(sum.Done) / sum.Elapsed
	}
	return sum, err
}

var errStopped = errors.New("stopped")
