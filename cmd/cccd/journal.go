package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/journal"
)

func init() {
	var target, batch string
	var asJSON, asCSV, events bool
	root := &cobra.Command{
		Use:   "journal",
		Short: "Inspect a personalization journal: states, steps, shift report",
		Long: `Show, export or report on the journal of 'cccd personalize' (a SQLite file or a
postgres:// URL): each record's state (pending, writing, done, failed,
spoiled), its station, operator, card and QR file, every step, and the
shift report.

A journal may hold several batches; --batch picks one (with a single batch
it is the default).

Examples:
  cccd journal show --journal records.jsonl.journal.db
  cccd journal show --journal j.db --events
  cccd journal export --journal j.db --json > journal.json
  cccd journal report --journal postgres://cccd@db.factory/cccd --batch lot-7 --csv`,
	}
	open := func(ctx context.Context) (journal.Journal, error) {
		if target == "" {
			return nil, fmt.Errorf("--journal FILE or --journal postgres://… is required")
		}
		if !journal.IsPostgres(target) {
			// Reading must not create an empty journal by mistake.
			if _, err := os.Stat(target); err != nil {
				return nil, err
			}
		}
		return journal.Open(ctx, target, journal.Options{})
	}
	// pick resolves --batch: the one named, the only one, or (all, when
	// all is allowed) every batch.
	pick := func(ctx context.Context, j journal.Journal, all bool) (string, error) {
		bs, err := j.Batches(ctx)
		if err != nil {
			return "", err
		}
		names := make([]string, len(bs))
		for i, b := range bs {
			names[i] = b.Name
		}
		if batch != "" {
			for _, n := range names {
				if n == batch {
					return batch, nil
				}
			}
			return "", fmt.Errorf("the journal has no batch %q (it has: %s)", batch, strings.Join(names, ", "))
		}
		switch {
		case len(names) == 1:
			return names[0], nil
		case all:
			return "", nil
		case len(names) == 0:
			return "", errors.New("the journal holds no batch yet")
		}
		return "", fmt.Errorf("the journal holds %d batches (%s): give --batch", len(names), strings.Join(names, ", "))
	}
	show := &cobra.Command{
		Use:   "show --journal FILE|URL [--batch B] [--events] [--json]",
		Short: "Show the records' states, the stations and a summary",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := context.Background()
			j, err := open(ctx)
			if err != nil {
				return inputError(err)
			}
			defer j.Close()
			name, err := pick(ctx, j, false)
			if err != nil {
				return inputError(err)
			}
			recs, err := j.Records(ctx, name)
			if err != nil {
				return ioError(err)
			}
			counts, err := j.Counts(ctx, name)
			if err != nil {
				return ioError(err)
			}
			sts, err := j.Stations(ctx, name)
			if err != nil {
				return ioError(err)
			}
			out := c.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(map[string]any{"batch": name, "records": recs, "counts": counts, "stations": sts})
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LINE\tSTATE\tATTEMPTS\tSTATION\tOPERATOR\tCARD\tUPDATED\tERROR")
			for _, r := range recs {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Line, r.State, r.Attempts, r.Station, r.Operator, r.Card, r.Updated, r.Error)
			}
			tw.Flush()
			fmt.Fprintf(out, "\n%d records: %d done, %d writing, %d failed, %d spoiled, %d pending\n", len(recs), counts[journal.StateDone], counts[journal.StateWriting], counts[journal.StateFailed], counts[journal.StateSpoiled], counts[journal.StatePending])
			fmt.Fprintf(out, "batch %s, %d stations:\n", name, len(sts))
			for _, s := range sts {
				state := "stopped"
				if s.Alive {
					state = "running"
				}
				fmt.Fprintf(out, "  %s, reader %s, operator %s, DS serial %s, %s (started %s, %d events)\n", s.Station, s.Reader, s.Operator, s.DSSerial, state, s.Started, s.Events)
			}
			if events {
				fmt.Fprintln(out)
				err := j.Events(ctx, name, func(e journal.Event) error {
					_, err := fmt.Fprintf(out, "%d %s %s/%s line %d %s %s %s\n", e.Seq, e.Time, e.Station, e.Reader, e.Line, e.Step, e.Outcome, e.Detail)
					return err
				})
				if err != nil {
					return ioError(err)
				}
			}
			return nil
		},
	}
	show.Flags().BoolVar(&events, "events", false, "list every step too")
	export := &cobra.Command{
		Use:   "export --journal FILE|URL [--batch B] [--json]",
		Short: "Export the records (CSV, or JSON with every event)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := context.Background()
			j, err := open(ctx)
			if err != nil {
				return inputError(err)
			}
			defer j.Close()
			name, err := pick(ctx, j, false)
			if err != nil {
				return inputError(err)
			}
			recs, err := j.Records(ctx, name)
			if err != nil {
				return ioError(err)
			}
			if asJSON {
				evs := []journal.Event{}
				if err := j.Events(ctx, name, func(e journal.Event) error { evs = append(evs, e); return nil }); err != nil {
					return ioError(err)
				}
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"batch": name, "records": recs, "events": evs})
			}
			w := csv.NewWriter(c.OutOrStdout())
			w.Write([]string{"line", "id_number", "state", "station", "reader", "operator", "card", "atr", "chip_serial", "ds_serial", "qr_file", "attempts", "updated", "error"})
			for _, r := range recs {
				w.Write([]string{strconv.Itoa(r.Line), r.IDNumber, string(r.State), r.Station, r.Reader, r.Operator, r.Card, r.ATR, r.ChipSerial, r.DSSerial, r.QRFile, strconv.Itoa(r.Attempts), r.Updated, r.Error})
			}
			w.Flush()
			return w.Error()
		},
	}
	report := &cobra.Command{
		Use:   "report --journal FILE|URL [--batch B] [--json|--csv]",
		Short: "The shift report: per hour, station and operator, cards done, failed and spoiled, yield and rate",
		Long: `The shift report, from the journal's events: for each hour (UTC), station and
operator, the cards finished done, failed and spoiled, the yield (done over
all finished) and the rate (done cards per hour of work: from the first card
begun to the last one finished in that hour), and the total. Without
--batch, a journal of several batches is reported whole.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if asJSON && asCSV {
				return usageError(c, "--json and --csv exclude each other")
			}
			ctx := context.Background()
			j, err := open(ctx)
			if err != nil {
				return inputError(err)
			}
			defer j.Close()
			name, err := pick(ctx, j, true)
			if err != nil {
				return inputError(err)
			}
			rep, err := j.Report(ctx, name)
			if err != nil {
				return ioError(err)
			}
			return writeShiftReport(c.OutOrStdout(), rep, asJSON, asCSV)
		},
	}
	report.Flags().BoolVar(&asCSV, "csv", false, "print CSV")
	for _, sc := range []*cobra.Command{show, export, report} {
		sc.Flags().StringVar(&target, "journal", "", "journal file, or postgres:// URL")
		sc.Flags().StringVar(&batch, "batch", "", "the batch (default: the journal's only one)")
		sc.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	}
	root.AddCommand(show, export, report)
	register(root)
}

func writeShiftReport(out io.Writer, rep *journal.Report, asJSON, asCSV bool) error {
	if rep.Rows == nil {
		rep.Rows = []journal.ReportRow{}
	}
	pct := func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) }
	rate := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
	switch {
	case asJSON:
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	case asCSV:
		w := csv.NewWriter(out)
		w.Write([]string{"hour", "station", "operator", "done", "failed", "spoiled", "yield_percent", "cards_per_hour"})
		for _, r := range append(rep.Rows, rep.Total) {
			hour := r.Hour
			if hour == "" {
				hour = "total"
			}
			w.Write([]string{hour, r.Station, r.Operator, strconv.Itoa(r.Done), strconv.Itoa(r.Failed), strconv.Itoa(r.Spoiled), pct(r.Yield), rate(r.PerHour)})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "HOUR (UTC)\tSTATION\tOPERATOR\tDONE\tFAILED\tSPOILED\tYIELD %\tCARDS/H\t")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t\n", r.Hour, r.Station, r.Operator, r.Done, r.Failed, r.Spoiled, pct(r.Yield), rate(r.PerHour))
	}
	t := rep.Total
	fmt.Fprintf(tw, "total\t\t\t%d\t%d\t%d\t%s\t%s\t\n", t.Done, t.Failed, t.Spoiled, pct(t.Yield), rate(t.PerHour))
	return tw.Flush()
}
