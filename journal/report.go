package journal

import (
	"context"
	"sort"
	"time"
)

// ReportRow is one line of the shift report: what a station's operator
// finished in one hour (UTC), by the finish events of that hour.
type ReportRow struct {
	// Hour is the hour's start, "2006-01-02T15:00Z"; empty in the total.
	Hour     string `json:"hour,omitempty"`
	Station  string `json:"station,omitempty"`
	Operator string `json:"operator,omitempty"`
	Done     int    `json:"done"`
	Failed   int    `json:"failed"`
	Spoiled  int    `json:"spoiled"`
	// Yield is done over all cards finished (done, failed or spoiled).
	Yield float64 `json:"yield"`
	// PerHour is the rate while working: done cards over the time from the
	// first card begun to the last one finished, in cards per hour.
	PerHour float64 `json:"cards_per_hour"`

	first, last time.Time
}

// Report is the shift report of a batch (or of every batch).
type Report struct {
	Batch string      `json:"batch,omitempty"`
	Rows  []ReportRow `json:"rows"`
	Total ReportRow   `json:"total"`
}

type reportKey struct{ hour, station, operator string }
type attemptKey struct {
	batch, station, reader, id string
	attempt                    int
}

// Report implements Journal. It reads the events alone (the append-only
// record), so it says the same on both backends and after any resume.
func (c *core) Report(ctx context.Context, batch string) (*Report, error) {
	begins := map[attemptKey]time.Time{}
	buckets := map[reportKey]*ReportRow{}
	rep := &Report{Batch: batch}
	total := &rep.Total
	err := c.events(ctx, batch, func(e Event, _ string) error {
		t, err := ParseTime(e.Time)
		if err != nil {
			return err
		}
		k := attemptKey{e.Batch, e.Station, e.Reader, e.IDNumber, e.Attempt}
		switch e.Step {
		case StepBegin:
			begins[k] = t
			return nil
		case StepFinish:
		default:
			return nil
		}
		bk := reportKey{t.Truncate(time.Hour).Format("2006-01-02T15:00Z"), e.Station, e.Operator}
		row := buckets[bk]
		if row == nil {
			row = &ReportRow{Hour: bk.hour, Station: bk.station, Operator: bk.operator}
			buckets[bk] = row
		}
		start, ok := begins[k]
		if !ok {
			start = t
		}
		delete(begins, k)
		for _, r := range []*ReportRow{row, total} {
			switch State(e.Outcome) {
			case StateDone:
				r.Done++
			case StateFailed:
				r.Failed++
			case StateSpoiled:
				r.Spoiled++
			}
			if r.first.IsZero() || start.Before(r.first) {
				r.first = start
			}
			if t.After(r.last) {
				r.last = t
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range buckets {
		rep.Rows = append(rep.Rows, *r)
	}
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		if a.Hour != b.Hour {
			return a.Hour < b.Hour
		}
		if a.Station != b.Station {
			return a.Station < b.Station
		}
		return a.Operator < b.Operator
	})
	for i := range rep.Rows {
		rep.Rows[i].rates()
	}
	total.rates()
	return rep, nil
}

func (r *ReportRow) rates() {
	if n := r.Done + r.Failed + r.Spoiled; n > 0 {
		r.Yield = float64(r.Done) / float64(n)
	}
	if span := r.last.Sub(r.first); span > 0 {
		r.PerHour = float64(r.Done) / span.Hours()
	}
}
