package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/pki"
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
shift report; verify its hash chain and signed checkpoints, export the
audit file an auditor checks without the database, find a citizen's
entries, make a station key.

A journal may hold several batches; --batch picks one (with a single batch
it is the default).

Examples:
  cccd journal show --journal records.jsonl.journal.db
  cccd journal show --journal j.db --events
  cccd journal export --journal j.db --json > journal.json
  cccd journal report --journal postgres://cccd@db.factory/cccd --batch lot-7 --csv
  cccd journal keygen --out keys/line-1 --station line-1
  cccd journal verify --journal j.db --station-cert keys/line-1/station.pem
  cccd journal export --journal j.db --signed --pseudonymise audit.key --out audit.jsonl
  cccd journal verify --file audit.jsonl --station-cert keys/line-1/station.pem
  cccd journal find --file audit.jsonl --pseudonymise audit.key 001099012345`,
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
	// openBatch opens the journal and resolves --batch (see pick), with
	// the exit code each failure deserves: no journal given, a file that
	// is not there or not a journal, no such batch, is bad input (2); a
	// PostgreSQL journal that cannot be reached is I/O trouble (3).
	openBatch := func(ctx context.Context, all bool) (journal.Journal, string, error) {
		j, err := open(ctx)
		if err != nil {
			if journal.IsPostgres(target) {
				return nil, "", ioError(err)
			}
			return nil, "", inputError(err)
		}
		name, err := pick(ctx, j, all)
		if err != nil {
			j.Close()
			return nil, "", inputError(err)
		}
		return j, name, nil
	}
	show := &cobra.Command{
		Use:   "show --journal FILE|URL [--batch B] [--events] [--json]",
		Short: "Show the records' states, the stations and a summary",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := context.Background()
			j, name, err := openBatch(ctx, false)
			if err != nil {
				return err
			}
			defer j.Close()
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
	var signed bool
	var pseudoKey, outFile string
	export := &cobra.Command{
		Use:   "export --journal FILE|URL [--batch B] [--json | --signed [--pseudonymise KEYFILE] [--out FILE]]",
		Short: "Export the records (CSV, JSON with every event), or the signed audit file",
		Long: `Export a batch of the journal: its records as CSV (the default), as JSON
with every event (--json), or as the audit file (--signed).

The audit file is JSON lines: a header, the certificates the checkpoints
name (station keys, Document Signers), every entry of the batch's hash chain
exactly as hashed, with the signed checkpoints among them, and an end line.
'cccd journal verify --file' checks it on any machine, without the database.
The entries carry no ID number (each holds a salted commitment to it); the
full file gives each entry's ID number and salt beside it, so the auditor
can check them. --pseudonymise KEYFILE gives a keyed pseudonym instead
(HMAC-SHA-256): the auditor checks the batch without seeing who was in it,
and whoever holds the key finds one citizen's entries with 'cccd journal
find'. A key file is 16 bytes or more, not readable by others:
  head -c 32 /dev/urandom > audit.key && chmod 600 audit.key

--out writes the file (mode 0600 for a full file: it holds ID numbers)
instead of standard output.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if signed && (asJSON || asCSV) {
				return usageError(c, "--signed writes the audit file: no --json")
			}
			if !signed && (pseudoKey != "" || outFile != "") {
				return usageError(c, "--pseudonymise and --out go with --signed")
			}
			var key journal.PseudonymKey
			if pseudoKey != "" {
				var err error
				if key, err = journal.LoadPseudonymKey(pseudoKey); err != nil {
					return inputError(fmt.Errorf("--pseudonymise: %w", err))
				}
			}
			ctx := context.Background()
			j, name, err := openBatch(ctx, false)
			if err != nil {
				return err
			}
			defer j.Close()
			if signed {
				return exportAudit(ctx, c, j, name, key, outFile)
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
			j, name, err := openBatch(ctx, true)
			if err != nil {
				return err
			}
			defer j.Close()
			rep, err := j.Report(ctx, name)
			if err != nil {
				return ioError(err)
			}
			return writeShiftReport(c.OutOrStdout(), rep, asJSON, asCSV)
		},
	}
	report.Flags().BoolVar(&asCSV, "csv", false, "print CSV")
	export.Flags().BoolVar(&signed, "signed", false, "write the audit file: the hash chain with its signed checkpoints and the certificates (JSON lines)")
	export.Flags().StringVar(&pseudoKey, "pseudonymise", "", "with --signed: replace ID numbers by keyed pseudonyms (HMAC key file)")
	export.Flags().StringVar(&outFile, "out", "", "with --signed: write the audit file here instead of standard output")

	var auditFile string
	var stationCerts []string
	verifyCmd := &cobra.Command{
		Use:   "verify (--journal FILE|URL [--batch B] | --file AUDIT.jsonl) [--station-cert FILE]... [--json]",
		Short: "Check a batch's hash chain and signed checkpoints: complete and unaltered, or what was cut or changed",
		Long: `Walk a batch's hash chain and its signed checkpoints, in the journal itself
(--journal) or in an audit file made by 'cccd journal export --signed'
(--file, on any machine: no database needed), and say:

  - whether every entry is there and unaltered: an entry edited (in its
    hashed form or in its row), deleted, moved, inserted from another batch,
    or a checkpoint replayed, is named with its place and time;
  - whether each checkpoint's signature verifies, and with which key: give
    the station certificates you trust with --station-cert (the factory
    hands them over, out of band); a checkpoint signed by any other key is
    a forgery. Without --station-cert the certificates the journal carries
    itself are used, and the report says so;
  - the stations' sessions: a session that ended without its closing
    checkpoint (a crash), and whether the station's next start checkpoint
    acknowledges it;
  - whether the chain is sealed: it ends with a checkpoint. Otherwise it is
    "cut after entry N, last checkpoint M": a station stopped without its
    checkpoint (a crash: resume it to seal the tail) or the tail was removed;
    in the journal, its own counters tell a crash from a removal.

Exit codes: 0 intact (sealed, nothing changed); 1 tampered, or incomplete
(an unsigned tail: not proven complete; the report says which); 2 bad
usage; 3 the journal or file cannot be read (nothing concluded).

Examples:
  cccd journal verify --journal records.jsonl.journal.db --station-cert line-1.pem --station-cert line-2.pem
  cccd journal export --journal j.db --signed --out audit.jsonl
  cccd journal verify --file audit.jsonl --station-cert line-1.pem --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if (target == "") == (auditFile == "") {
				return usageError(c, "give --journal FILE|URL or --file AUDIT.jsonl")
			}
			if auditFile != "" && batch != "" {
				return usageError(c, "an audit file holds one batch: no --batch with --file")
			}
			var opt journal.AuditOptions
			for _, f := range stationCerts {
				certs, err := pki.LoadCertificates(f)
				if err != nil || len(certs) == 0 {
					if err == nil {
						err = errors.New("no certificate in it")
					}
					return inputError(fmt.Errorf("--station-cert %s: %v", f, err))
				}
				opt.Trusted = append(opt.Trusted, certs...)
			}
			ctx := context.Background()
			var rep *journal.AuditReport
			if auditFile != "" {
				f, err := os.Open(auditFile)
				if err != nil {
					if os.IsNotExist(err) {
						return inputError(err)
					}
					return ioError(err)
				}
				defer f.Close()
				if rep, err = journal.VerifyAuditFile(f, auditFile, opt); err != nil {
					return ioError(fmt.Errorf("%s: %w", auditFile, err))
				}
			} else {
				j, name, err := openBatch(ctx, false)
				if err != nil {
					return err
				}
				defer j.Close()
				if rep, err = j.Audit(ctx, name, opt); err != nil {
					return ioError(err)
				}
			}
			out := c.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				enc.Encode(rep)
			} else {
				writeAuditReport(out, rep)
			}
			switch rep.Verdict {
			case journal.VerdictIntact:
				return nil
			case journal.VerdictIncomplete:
				return failedError(fmt.Errorf("the batch journal is incomplete: cut after entry %d, last checkpoint %d", rep.Cut.After, rep.Cut.LastCheckpoint))
			}
			return failedError(fmt.Errorf("the batch journal was tampered with: %d problems", len(rep.Problems)+rep.ProblemsNotListed))
		},
	}
	verifyCmd.Flags().StringVar(&auditFile, "file", "", "an audit file (cccd journal export --signed) instead of a journal")
	verifyCmd.Flags().StringArrayVar(&stationCerts, "station-cert", nil, "a station certificate you trust (PEM or DER; repeatable)")

	findCmd := &cobra.Command{
		Use:   "find ID-NUMBER (--file AUDIT.jsonl | --journal FILE|URL [--batch B]) [--pseudonymise KEYFILE] [--json]",
		Short: "Find one citizen's entries: in an audit file (by pseudonym with the key) or in the journal",
		Long: `List the entries of one ID number: in an audit file made by 'cccd journal
export --signed' (a pseudonymised one needs the key it was made with:
--pseudonymise KEYFILE), or in the journal. From the journal each entry comes
with its salt: SHA-256("cccd journal subject v2\0" || salt || "\0" || ID)
is the commitment (subject) the signed chain holds, so whoever has the
pseudonymised file can check that the entry is this citizen's.

Exit codes: 0 entries found, 1 none, 2 bad usage, 3 unreadable.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if (target == "") == (auditFile == "") {
				return usageError(c, "give --file AUDIT.jsonl or --journal FILE|URL")
			}
			idn := strings.TrimSpace(args[0])
			if idn == "" || strings.Trim(idn, "0123456789") != "" {
				return usageError(c, "the ID number is digits only")
			}
			var key journal.PseudonymKey
			if pseudoKey != "" {
				var err error
				if key, err = journal.LoadPseudonymKey(pseudoKey); err != nil {
					return inputError(fmt.Errorf("--pseudonymise: %w", err))
				}
			}
			ctx := context.Background()
			var found []foundEntry
			if auditFile != "" {
				var err error
				if found, err = findInFile(auditFile, idn, key); err != nil {
					var fe *findError
					if errors.As(err, &fe) || os.IsNotExist(err) {
						return inputError(err)
					}
					return ioError(err)
				}
			} else {
				j, name, err := openBatch(ctx, false)
				if err != nil {
					return err
				}
				defer j.Close()
				err = j.Events(ctx, name, func(e journal.Event) error {
					if e.IDNumber == idn {
						f := foundEntry{Seq: e.Seq, Time: e.Time, Station: e.Station, Reader: e.Reader, Line: e.Line, Attempt: e.Attempt, Step: string(e.Step), Outcome: string(e.Outcome),
							Card: e.Card, Subject: e.Subject, Salt: e.Salt}
						if key != nil {
							f.PID = key.Pseudonym(idn)
						}
						found = append(found, f)
					}
					return nil
				})
				if err != nil {
					return ioError(err)
				}
			}
			out := c.OutOrStdout()
			if asJSON {
				if found == nil {
					found = []foundEntry{}
				}
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				enc.Encode(map[string]any{"entries": found})
			} else {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SEQ\tTIME\tSTATION\tLINE\tSTEP\tOUTCOME\tCARD\tSALT")
				for _, f := range found {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", f.Seq, f.Time, f.Station, f.Line, f.Step, f.Outcome, f.Card, f.Salt)
				}
				tw.Flush()
			}
			if len(found) == 0 {
				return failedError(errors.New("no entry of this ID number in the batch"))
			}
			return nil
		},
	}
	findCmd.Flags().StringVar(&auditFile, "file", "", "an audit file (cccd journal export --signed)")
	findCmd.Flags().StringVar(&pseudoKey, "pseudonymise", "", "the pseudonym key (HMAC key file) a pseudonymised audit file was made with")

	var keyOut, keyName, keyAlg string
	var keyForce bool
	keygen := &cobra.Command{
		Use:   "keygen --out DIR [--station NAME] [--alg ALG] [--force]",
		Short: "Make a station key and its self-signed certificate (for signed checkpoints)",
		Long: `Make a station key and a self-signed certificate for it in DIR:

  station.key   the private key (PKCS#8 PEM, mode 0600): give it to
                'cccd personalize --station-key', or keep the key in an HSM
                and use --station-pkcs11 with a certificate of your own PKI
  station.pem   the certificate (CN "cccd station NAME", digitalSignature,
                valid 10 years): 'cccd personalize --station-cert', and what
                the factory hands the auditor ('cccd journal verify
                --station-cert'); its SHA-256 is printed, to be read out
                or written down with it

A non-empty DIR is refused unless --force.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if keyOut == "" {
				return usageError(c, "--out DIR is required")
			}
			if keyAlg != "ecdsa-p256" && keyAlg != "ecdsa-p384" && keyAlg != "rsa-2048" && keyAlg != "rsa-3072" {
				return usageError(c, "--alg must be ecdsa-p256, ecdsa-p384, rsa-2048 or rsa-3072")
			}
			if keyName == "" {
				keyName, _ = os.Hostname()
			}
			return writeStationKey(c.OutOrStdout(), keyOut, keyName, keyAlg, keyForce)
		},
	}
	keygen.Flags().StringVar(&keyOut, "out", "", "directory for station.key and station.pem")
	keygen.Flags().StringVar(&keyName, "station", "", "the station's name in the certificate (default: the host name)")
	keygen.Flags().StringVar(&keyAlg, "alg", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048 or rsa-3072")
	keygen.Flags().BoolVar(&keyForce, "force", false, "write into a non-empty DIR")

	for _, sc := range []*cobra.Command{show, export, report, verifyCmd, findCmd} {
		sc.Flags().StringVar(&target, "journal", "", "journal file, or postgres:// URL")
		sc.Flags().StringVar(&batch, "batch", "", "the batch (default: the journal's only one)")
		sc.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	}
	root.AddCommand(show, export, report, verifyCmd, findCmd, keygen)
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

// exportAudit writes the audit file to --out (through a temporary file,
// renamed once complete: an auditor never gets half of one) or stdout.
func exportAudit(ctx context.Context, c *cobra.Command, j journal.Journal, batch string, key journal.PseudonymKey, out string) error {
	opt := journal.ExportOptions{Pseudonymise: key}
	if out == "" {
		if err := j.ExportAudit(ctx, batch, c.OutOrStdout(), opt); err != nil {
			return ioError(err)
		}
		return nil
	}
	mode := os.FileMode(0o600) // a full file holds the ID numbers
	if key != nil {
		mode = 0o644
	}
	dir, base := filepath.Split(out)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return ioError(err)
	}
	defer os.Remove(tmp.Name())
	err = j.ExportAudit(ctx, batch, tmp, opt)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		return ioError(err)
	}
	what := "with ID numbers and their salts (keep it as you keep the journal)"
	if key != nil {
		what = "pseudonymised with key " + key.ID()
	}
	fmt.Fprintf(c.ErrOrStderr(), "audit file of batch %s written to %s, %s\n", batch, out, what)
	return nil
}

// writeAuditReport prints a verification, verdict first.
func writeAuditReport(w io.Writer, r *journal.AuditReport) {
	switch r.Verdict {
	case journal.VerdictIntact:
		fmt.Fprintf(w, "INTACT: every entry of batch %s is there and unaltered, up to entry %d (%s), sealed by a checkpoint", r.Batch, r.LastSeq, r.LastTime)
		if r.Complete {
			fmt.Fprintf(w, "; the batch is complete (%d of %d records done)", r.Done, r.Records)
		}
		fmt.Fprintln(w)
	case journal.VerdictIncomplete:
		c := r.Cut
		last := "no checkpoint"
		if c.LastCheckpoint > 0 {
			last = fmt.Sprintf("last checkpoint %d (%s)", c.LastCheckpoint, c.LastCheckpointTime)
		}
		fmt.Fprintf(w, "INCOMPLETE: cut after entry %d (%s), %s: %s\n", c.After, c.Time, last, c.Cause)
		fmt.Fprintln(w, "  nothing shows a change: every entry up to the cut is linked")
	default:
		fmt.Fprintf(w, "TAMPERED: %s in batch %s\n", plural(len(r.Problems)+r.ProblemsNotListed, "problem"), r.Batch)
		switch {
		case r.IntactUpTo == 0:
			fmt.Fprintln(w, "  intact: nothing (the first entry is already at fault)")
		case r.SignedUpTo > 0:
			fmt.Fprintf(w, "  intact: entries 1 to %d are linked and unaltered, signed up to entry %d by a checkpoint that verifies\n", r.IntactUpTo, r.SignedUpTo)
		default:
			fmt.Fprintf(w, "  intact: entries 1 to %d are linked and unaltered (no checkpoint among them verifies)\n", r.IntactUpTo)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  %s: %s\n", p.Kind, p.Text)
		}
		if r.ProblemsNotListed > 0 {
			fmt.Fprintf(w, "  … and %d more\n", r.ProblemsNotListed)
		}
	}
	fmt.Fprintf(w, "batch %s (id %s) in %s: %d entries", r.Batch, r.BatchID, r.Source, r.Entries)
	if r.FirstTime != "" {
		fmt.Fprintf(w, ", %s to %s", r.FirstTime, r.LastTime)
	}
	fmt.Fprintf(w, "; chain head %s\n", r.Head)
	pinned := "not pinned: the journal's own certificates (give --station-cert)"
	if r.Pinned {
		pinned = "checked against the --station-cert given"
	}
	fmt.Fprintf(w, "checkpoints: %s, %s, %s\n", plural(r.Checkpoints, "checkpoint"), plural(len(r.Keys), "station key"), pinned)
	for _, k := range r.Keys {
		fmt.Fprintf(w, "  key sha256 %s %q: %s, %s\n", k.SHA256, k.Subject, plural(k.Checkpoints, "checkpoint"), strings.Join(k.Stations, ", "))
	}
	for _, d := range r.DSCerts {
		fmt.Fprintf(w, "  Document Signer serial %s (sha256 %s) %s: named by %s\n", d.Serial, d.SHA256, d.Subject, plural(d.Checkpoints, "checkpoint"))
	}
	if lc := r.LastCheckpoint; lc != nil {
		fmt.Fprintf(w, "last checkpoint: entry %d (%s), station %s, %s, %d cards done", lc.Seq, lc.Time, lc.Station, lc.Reason, lc.Done)
		if lc.Records > 0 {
			fmt.Fprintf(w, " of %d records", lc.Records)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "stations: %d\n", len(r.Stations))
	for _, s := range r.Stations {
		fmt.Fprintf(w, "  %s (%s): %s, %s, %s done", s.Station, s.Reader, plural(s.Sessions, "session"), plural(s.Checkpoints, "checkpoint"), plural(int(s.Done), "card"))
		if s.Unsigned > 0 {
			fmt.Fprintf(w, ", %s unsigned (no station key)", plural(s.Unsigned, "session"))
		}
		switch {
		case s.Alive:
			fmt.Fprint(w, ", running")
		case s.Open:
			fmt.Fprint(w, ", its last session has no closing checkpoint")
		}
		fmt.Fprintln(w)
		for _, c := range s.Crashes {
			fmt.Fprintf(w, "    missing closing checkpoint: the session ended after entry %d (%s)", c.After, c.Time)
			switch {
			case c.AckedBy > 0:
				fmt.Fprintf(w, "; the station's next start checkpoint (entry %d) says so: a crash", c.AckedBy)
			case c.Unsigned:
				fmt.Fprint(w, "; it had no station key")
			default:
				fmt.Fprint(w, "; not acknowledged yet (resume the station)")
			}
			fmt.Fprintln(w)
		}
	}
	if r.Pseudonymised {
		fmt.Fprintln(w, "ID numbers: pseudonymised")
	} else if r.Opened > 0 {
		fmt.Fprintf(w, "ID numbers: %d entries checked against their commitments\n", r.Opened)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// foundEntry is one entry of a find.
type foundEntry struct {
	Seq     int64  `json:"seq"`
	Time    string `json:"time"`
	Station string `json:"station"`
	Reader  string `json:"reader"`
	Line    int    `json:"line"`
	Attempt int    `json:"attempt"`
	Step    string `json:"step"`
	Outcome string `json:"outcome"`
	Card    string `json:"card"`
	// Subject is the commitment the chain holds, Salt its opening (from
	// the journal or a full audit file); PID the pseudonym.
	Subject string `json:"subject"`
	Salt    string `json:"salt,omitempty"`
	PID     string `json:"pid,omitempty"`
}

// findError is a find refused for its input (a pseudonymised file without
// its key, or with another key).
type findError struct{ msg string }

func (e *findError) Error() string { return e.msg }

// findInFile lists an ID number's entries in an audit file: by pseudonym
// in a pseudonymised file (the key must be the file's), by ID number in a
// full one.
func findInFile(path, idn string, key journal.PseudonymKey) ([]foundEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var found []foundEntry
	var hdr *journal.AuditHeader
	var refuse error
	_, _, err = journal.ReadAudit(f, func(h *journal.AuditHeader) {
		hdr = h
		switch {
		case h.Pseudonymised && key == nil:
			refuse = &findError{"the audit file is pseudonymised: give --pseudonymise KEYFILE, the key it was made with (id " + h.PseudonymKey + ")"}
		case h.Pseudonymised && key.ID() != h.PseudonymKey:
			refuse = &findError{"the audit file was pseudonymised with another key (id " + h.PseudonymKey + ", this one is " + key.ID() + ")"}
		}
	}, nil, func(a journal.AuditEntry) error {
		if refuse != nil {
			return refuse
		}
		match := a.IDNumber == idn
		if hdr.Pseudonymised {
			match = a.PID == key.Pseudonym(idn)
		}
		if !match {
			return nil
		}
		var e struct {
			Seq     int64  `json:"seq"`
			Time    string `json:"time"`
			Station string `json:"station"`
			Reader  string `json:"reader"`
			Line    int    `json:"line"`
			Attempt int    `json:"attempt"`
			Step    string `json:"step"`
			Outcome string `json:"outcome"`
			Card    string `json:"card"`
			Subject string `json:"subject"`
		}
		if err := json.Unmarshal([]byte(a.Canonical), &e); err != nil {
			return fmt.Errorf("line %d: %v", a.Line, err)
		}
		// The card's name holds the ID number as ${id}: the one looked
		// for is known here.
		found = append(found, foundEntry{Seq: e.Seq, Time: e.Time, Station: e.Station, Reader: e.Reader, Line: e.Line, Attempt: e.Attempt, Step: e.Step, Outcome: e.Outcome,
			Card: strings.ReplaceAll(e.Card, "${id}", idn), Subject: e.Subject, Salt: a.Salt, PID: a.PID})
		return nil
	})
	if refuse != nil {
		return nil, refuse
	}
	return found, err
}

// writeStationKey makes DIR/station.key and DIR/station.pem.
func writeStationKey(w io.Writer, dir, name, alg string, force bool) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 && !force {
		return inputError(fmt.Errorf("%s is not empty (--force to write into it)", dir))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ioError(err)
	}
	key, _, err := pki.GenerateKey(alg)
	if err != nil {
		return inputError(err)
	}
	der, err := journal.NewStationCertificate(key, name, time.Now().Add(-time.Hour), 10)
	if err != nil {
		return ioError(err)
	}
	kd, err := pki.MarshalPrivateKey(key)
	if err != nil {
		return ioError(err)
	}
	keyFile, certFile := filepath.Join(dir, "station.key"), filepath.Join(dir, "station.pem")
	os.Remove(keyFile) // a looser mode of an old file is not kept
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		return ioError(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return ioError(err)
	}
	fmt.Fprintf(w, "station key: %s (mode 0600)\nstation certificate: %s (CN \"cccd station %s\", valid 10 years)\nSHA-256 of the certificate: %s\n", keyFile, certFile, name, journal.CertFingerprint(der))
	return nil
}

// plural says "1 checkpoint", "2 checkpoints".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
