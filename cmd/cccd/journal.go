package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/personalize"
)

func init() {
	var path string
	var asJSON, events bool
	root := &cobra.Command{
		Use:   "journal",
		Short: "Inspect a personalization journal",
		Long: `Show or export the SQLite journal of 'cccd personalize': each record's state
(writing, done, failed, spoiled), its card and QR file, and every step.

Examples:
  cccd journal show --journal records.jsonl.journal.db
  cccd journal show --journal j.db --events
  cccd journal export --journal j.db --json > journal.json`,
	}
	open := func() (*personalize.Journal, error) {
		if path == "" {
			return nil, fmt.Errorf("--journal FILE is required")
		}
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		return personalize.OpenJournal(path)
	}
	show := &cobra.Command{
		Use:   "show --journal FILE",
		Short: "Show the records' states and a summary",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			j, err := open()
			if err != nil {
				return inputError(err)
			}
			defer j.Close()
			recs, err := j.Records()
			if err != nil {
				return ioError(err)
			}
			counts, _ := j.Counts()
			out := c.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(map[string]any{"records": recs, "counts": counts})
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LINE\tSTATE\tATTEMPTS\tCARD\tUPDATED\tERROR")
			for _, r := range recs {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", r.Line, r.State, r.Attempts, r.Card, r.Updated, r.Error)
			}
			tw.Flush()
			fmt.Fprintf(out, "\n%d records: %d done, %d writing, %d failed, %d spoiled\n", len(recs), counts[personalize.StateDone], counts[personalize.StateWriting], counts[personalize.StateFailed], counts[personalize.StateSpoiled])
			if events {
				evs, err := j.Events()
				if err != nil {
					return ioError(err)
				}
				fmt.Fprintln(out)
				for _, e := range evs {
					fmt.Fprintf(out, "%s line %d %s %s %s\n", e.Time, e.Line, e.Step, e.Outcome, e.Detail)
				}
			}
			return nil
		},
	}
	show.Flags().BoolVar(&events, "events", false, "list every step too")
	export := &cobra.Command{
		Use:   "export --journal FILE [--json]",
		Short: "Export the records (CSV, or JSON with every event)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			j, err := open()
			if err != nil {
				return inputError(err)
			}
			defer j.Close()
			recs, err := j.Records()
			if err != nil {
				return ioError(err)
			}
			if asJSON {
				evs, err := j.Events()
				if err != nil {
					return ioError(err)
				}
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"records": recs, "events": evs})
			}
			w := csv.NewWriter(c.OutOrStdout())
			w.Write([]string{"line", "id_number", "state", "card", "atr", "qr_file", "attempts", "updated", "error"})
			for _, r := range recs {
				w.Write([]string{strconv.Itoa(r.Line), r.IDNumber, r.State, r.Card, r.ATR, r.QRFile, strconv.Itoa(r.Attempts), r.Updated, r.Error})
			}
			w.Flush()
			return w.Error()
		},
	}
	for _, sc := range []*cobra.Command{show, export} {
		sc.Flags().StringVar(&path, "journal", "", "journal file")
		sc.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	}
	root.AddCommand(show, export)
	register(root)
}
