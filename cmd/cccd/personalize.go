package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
)

func init() {
	var input, format, dsCert, dsKey, dsPKCS11, pinFile, journalTarget, qrOut, batchName, station, operator string
	var cardProfile, dg2Format string
	var stationKey, stationPKCS11, stationCert, stationPinFile string
	var checkpointEvery int
	var readers []string
	var lease time.Duration
	var resume, dryRun, skipInvalid, asJSON, pss, allowExpired bool
	var eacDir string
	cmd := &cobra.Command{
		Use:   "personalize --input FILE --ds-cert C --ds-key K --reader R...",
		Short: "Personalize a batch of blank cards from citizen records",
		Long: `Personalize blank cards, one citizen record each, the way a factory line
does it:

 1. validate the whole input first (--dry-run stops here): UTF-8 text (a file
    in another encoding is refused whole, its encoding guessed), ID number
    structure, dates (YYYY-MM-DD or dd/mm/yyyy), MRZ-representable names,
    photo a regular file of at most 100 KB and decodable, no duplicate ID
    numbers in the file or the journal, no card expired on the day it is
    made (--allow-expired: a warning). Text is NFC-normalised. Each bad
    record is reported as "line N: error: FIELD: reason"; without
    --skip-invalid the batch stops (exit 2) before any card is touched;
 2. for each record: claim it in the journal, check that the card is blank
    (reads only; a card that is not is refused: "not a blank card: remove
    it"), build the chip's files (EF.COM, DG1, DG2, DG13, DG14, DG15 with a
    fresh Active Authentication key, EF.CardAccess for PACE), sign EF.SOD
    with the Document Signer, write them with the personalization commands,
    read the card back through PACE (CAN) and BAC (MRZ) and check it as a
    counter would, then lock it;
 3. write each card's QR payload (.txt) and image (.png) under --qr-out and
    a manifest.csv (line, ID number, card, QR file, time), rebuilt from the
    journal at the start and the end.

The journal (--journal: a SQLite file, default FILE.journal.db, mode 0600; or
a postgres:// URL for stations on several machines) records every step
before and after, with the operator, the station, the Document Signer's
serial and each chip's ATR. Stations share a batch: each claims a record
before writing it, so no record ends on two cards; a station that dies
loses its claims to the others at once (a silent one after --lease), except
a record whose card may be locked in its reader: that waits for the station
to come back with --resume. After a crash, run again with --resume: finished
records are skipped, a half-written card is written again, a locked card is
accepted only if its DG1, DG2 and DG13 are exactly this record's and EF.SOD
is signed by --ds-cert, else it is reported spoiled.

Ctrl-C (or SIGTERM) stops after the cards in hand, a second one gives them
up before they are locked; the summary and the command to resume follow.
A journal that cannot be written stops the station at once.

Signing key: --ds-key FILE (PEM PKCS#8/SEC1/PKCS#1, refused if readable by
group or others) or --ds-pkcs11 URI for a key in an HSM (RFC 7512; the PIN
from the URI's pin-source, --pin-file or $CCCD_PKCS11_PIN). The certificate
must match the key; this is checked before anything else.

Evidence: the journal chains every event to the one before it (a hash
chain per batch, every station's events in one chain), so that an event
edited, removed or moved shows. With a station key (--station-key FILE, or
--station-pkcs11 URI for a key in an HSM, PIN from the URI's pin-source,
--station-pin-file or $CCCD_PKCS11_PIN; --station-cert its certificate;
see 'cccd journal keygen') each station signs checkpoints over the chain's
head: when it starts, every --checkpoint-every cards (default 100; 0: only
at start and stop), and when it stops ("end" once the batch is complete).
Each checkpoint names the Document Signer certificate in use. 'cccd journal
verify' checks it all; 'cccd journal export --signed' makes the audit file.

Readers: --reader emu:DIR creates and personalizes emulated cards
DIR/<id-number>.card (for QA and demos); a PC/SC reader name/index makes the
operator insert a blank card for each record and remove it when done (the
card is held exclusively while it is written). Give --reader several times
for parallel stations; the same reader twice is refused.

--trace logs every APDU on stderr, each line prefixed with its reader
(data redacted: the records' data and keys never show unless --trace-data).

Input: JSONL (one citizen record per line) or CSV with a header row of the
same field names; see README "Input schema" or 'cccd testcards sample'.

Extended Access Control: --eac DIR (what 'cccd pki eac init' made) writes
DIR/cvca.cvcert into every chip as its trust point for terminal
authentication; with DIR/is.key there too, DG3 is read back through
terminal authentication before LOCK. A record's "fingerprints" (JSONL only:
[{"finger": "right_index", "image": "fp/….png"}], PNG or JPEG 2000) go into
DG3, which the chip gives only to a terminal of that CVCA.

Examples:
  cccd personalize --input records.jsonl --ds-cert pki/ds.pem --ds-key pki/ds.key --reader emu:cards --qr-out qr
  cccd personalize --input batch.csv --ds-cert ds.pem --ds-key ds.key --dry-run
  cccd personalize --input records.jsonl --ds-cert ds.pem --ds-key ds.key --reader 0 --resume
  cccd personalize --input batch.csv --ds-cert ds.pem --ds-key ds.key --reader 0 \
      --journal postgres://cccd@db.factory/cccd --station line-2 --operator lan
  cccd personalize --input batch.csv --ds-cert ds.pem --ds-key ds.key --reader 0 \
      --station-key line-2.key --station-cert line-2.pem --checkpoint-every 50`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if input == "" {
				return usageError(c, "--input FILE is required (JSONL or CSV citizen records)")
			}
			f := personalize.Format(strings.ToLower(format))
			if format == "" {
				var err error
				if f, err = personalize.FormatOf(input); err != nil {
					return usageError(c, "%v", err)
				}
			} else if f != personalize.JSONL && f != personalize.CSV {
				return usageError(c, "--format must be jsonl or csv")
			}
			if st, err := os.Stat(input); err != nil {
				return inputError(err)
			} else if !st.Mode().IsRegular() {
				return inputError(fmt.Errorf("--input %s is not a regular file", input))
			}
			var p personalize.Personalizer
			switch lds.Profile(cardProfile) {
			case lds.ProfileCCCD, lds.ProfileICAO:
				p.Profile = lds.Profile(cardProfile)
			default:
				return usageError(c, "--profile must be cccd or icao")
			}
			switch lds.FaceEncoding(dg2Format) {
			case lds.Face19794, lds.Face39794:
				p.DG2Format = lds.FaceEncoding(dg2Format)
			default:
				return usageError(c, "--dg2-format must be 19794 or 39794")
			}
			if !dryRun {
				if dsCert == "" || (dsKey == "") == (dsPKCS11 == "") {
					return usageError(c, "--ds-cert and one of --ds-key or --ds-pkcs11 are required")
				}
				if len(readers) == 0 {
					// No --reader, CCCD_READER or config: the only PC/SC
					// reader there is (cardSource says which).
					readers = []string{""}
				}
				certs, err := pki.LoadCertificates(dsCert)
				if err != nil || len(certs) == 0 {
					return inputError(fmt.Errorf("--ds-cert %s: %v", dsCert, err))
				}
				var signer crypto.Signer
				if dsPKCS11 != "" {
					s, closeHSM, err := personalize.OpenPKCS11Signer(dsPKCS11, pinFile)
					if err != nil {
						return inputError(fmt.Errorf("--ds-pkcs11: %w", err))
					}
					defer closeHSM()
					signer = s
				} else if signer, err = pki.LoadSigner(dsKey); err != nil {
					return inputError(fmt.Errorf("--ds-key: %w", err))
				}
				if err := personalize.CheckSigner(certs[0], signer); err != nil {
					return inputError(err)
				}
				p.DSCert, p.DSSigner, p.PSS = certs[0], signer, pss
				if eacDir != "" {
					if p.EAC, err = loadEAC(eacDir); err != nil {
						return inputError(err)
					}
				}
			}
			// The station key signs the journal's checkpoints; loaded as
			// the Document Signer's is, and never copied.
			var stKey crypto.Signer
			var stCert []byte
			switch {
			case stationKey != "" && stationPKCS11 != "":
				return usageError(c, "--station-key and --station-pkcs11 exclude each other")
			case (stationKey != "" || stationPKCS11 != "") != (stationCert != ""):
				return usageError(c, "--station-cert goes with --station-key or --station-pkcs11 (the station key signs the journal's checkpoints)")
			case checkpointEvery < 0:
				return usageError(c, "--checkpoint-every must be 0 (only at start and stop) or more")
			case c.Flags().Changed("checkpoint-every") && stationCert == "":
				return usageError(c, "--checkpoint-every needs a station key (--station-key or --station-pkcs11, with --station-cert)")
			case stationCert != "" && !dryRun:
				cert, err := pki.LoadCertificate(stationCert)
				if err != nil {
					return inputError(fmt.Errorf("--station-cert: %w", err))
				}
				if stationPKCS11 != "" {
					s, closeHSM, err := personalize.OpenPKCS11Signer(stationPKCS11, stationPinFile)
					if err != nil {
						return inputError(fmt.Errorf("--station-pkcs11: %w", err))
					}
					defer closeHSM()
					stKey = s
				} else if stKey, err = pki.LoadSigner(stationKey); err != nil {
					return inputError(fmt.Errorf("--station-key: %w", err))
				}
				if err := journal.CheckStationKey(cert.Raw, stKey); err != nil {
					return inputError(err)
				}
				stCert = cert.Raw
			}
			if journalTarget == "" {
				journalTarget = input + ".journal.db"
			}
			if operator == "" {
				if u, err := user.Current(); err == nil {
					operator = u.Username
				}
			}

			// Ctrl-C / SIGTERM: the first stops taking records (the
			// cards in hand are finished), the second gives those up
			// before LOCK. Either way the summary and the resume
			// command are printed.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stop := make(chan struct{})
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)

			errw := c.ErrOrStderr()
			pr := &stationPrinter{w: errw}
			go func() {
				n := 0
				for range sigs {
					n++
					if n == 1 {
						pr.say("stopping: the cards in hand are finished, then the summary (Ctrl-C again to give them up before they are locked)")
						close(stop)
					} else {
						pr.say("stopping now: the cards in hand are given up before LOCK")
						cancel()
						return
					}
				}
			}()

			j, err := journal.Open(ctx, journalTarget, journal.Options{Lease: lease})
			if err != nil {
				return ioError(err)
			}
			defer j.Close()
			p.QROut = qrOut
			b := &personalize.Batch{Input: input, Format: f, Personalizer: &p, Journal: j, Name: batchName, Station: station, Operator: operator,
				AllowExpired: allowExpired, SkipInvalid: skipInvalid, DryRun: dryRun, Resume: resume, Stop: stop,
				StationKey: stKey, StationCert: stCert, CheckpointEvery: checkpointEvery}
			finishBar := func() {}
			if ef, ok := errw.(*os.File); ok && term.IsTerminal(int(ef.Fd())) && !dryRun && !asJSON {
				// On a terminal: a progress bar (done/failed, rate, ETA);
				// every other line (prompts, problems) prints above it.
				bar := newProgressBar(ef)
				pr.setBar(bar)
				finishBar = func() { bar.finish(); pr.setBar(nil) }
				b.Progress = func(todo, done, failed int) { bar.update(todo, done, failed); pr.barShown() }
			}
			b.Report = func(n personalize.Notice) {
				if n.Kind != personalize.NoticeDone || !pr.hasBar() {
					pr.say(n.String())
				}
			}
			if qrOut != "" {
				b.Manifest = filepath.Join(qrOut, "manifest.csv")
				os.MkdirAll(qrOut, 0o755)
			}
			var srcs []personalize.CardSource
			if !dryRun {
				for _, r := range readers {
					src, err := cardSource(c, r, pr, stop, testcards.Profile(cardProfile))
					if err != nil {
						return err
					}
					srcs = append(srcs, src)
				}
			}
			sum, err := b.Run(ctx, srcs...)
			finishBar()
			out := c.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				enc.Encode(sum)
			} else if sum != nil {
				fmt.Fprintf(out, "%d records: %d valid, %d invalid, %d warnings\n", sum.Records, sum.Valid, sum.Invalid, sum.Warnings)
				if !dryRun && !errors.Is(err, personalize.ErrInvalidInput) {
					fmt.Fprintf(out, "%d cards done, %d already done, %d failed (%.1f cards/s)\n", sum.Done, sum.AlreadyDone, sum.Failed, sum.CardsPerSec)
					if sum.Spoiled+sum.NotBlank+sum.Busy+sum.InDoubt+sum.Lost > 0 {
						fmt.Fprintf(out, "%d spoiled, %d cards refused as not blank, %d records held by other stations, %d in doubt on other stations, %d given up to other stations\n",
							sum.Spoiled, sum.NotBlank, sum.Busy, sum.InDoubt, sum.Lost)
					}
					fmt.Fprintf(out, "journal: %s (batch %s)\n", j.Where(), sum.Batch)
					if qrOut != "" {
						fmt.Fprintf(out, "QR payloads and images: %s (manifest: %s)\n", qrOut, sum.Manifest)
					}
				}
			}
			var je *personalize.JournalError
			if sum != nil && !dryRun && (sum.Unfinished() || errors.As(err, &je)) {
				fmt.Fprintf(errw, "to resume: %s\n", resumeCommand())
			}
			var ue *personalize.UsageError
			var ence *personalize.EncodingError
			switch {
			case errors.Is(err, personalize.ErrInvalidInput), errors.Is(err, personalize.ErrHeader), errors.As(err, &ence):
				return inputError(err)
			case errors.As(err, &ue):
				return usageError(c, "%v", err)
			case err != nil:
				return ioError(err)
			case sum.Invalid > 0 && dryRun:
				return inputError(fmt.Errorf("%d invalid records", sum.Invalid))
			case sum.Stopped:
				return ioError(fmt.Errorf("stopped by the operator with records left to do; see the journal (cccd journal show --journal %s)", j.Where()))
			case sum.Failed > 0:
				return ioError(fmt.Errorf("%d cards failed; see the journal (cccd journal show --journal %s) and run again with --resume", sum.Failed, j.Where()))
			case sum.QRFailed > 0:
				return ioError(fmt.Errorf("%d cards are done but their QR payloads could not be written under %s", sum.QRFailed, qrOut))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&input, "input", "", "citizen records, .jsonl or .csv")
	fl.StringVar(&format, "format", "", "jsonl or csv (default: from the extension)")
	fl.StringVar(&dsCert, "ds-cert", "", "Document Signer certificate (PEM or DER)")
	fl.StringVar(&dsKey, "ds-key", "", "Document Signer private key (PEM; must not be readable by others)")
	fl.StringVar(&dsPKCS11, "ds-pkcs11", "", "Document Signer key in an HSM: RFC 7512 URI, e.g. 'pkcs11:token=DS;object=ds?module-path=/usr/lib/softhsm/libsofthsm2.so'")
	fl.StringVar(&pinFile, "pin-file", "", "file holding the HSM PIN (or set CCCD_PKCS11_PIN; never a flag value)")
	fl.StringVar(&stationKey, "station-key", "", "station key that signs the journal's checkpoints (PEM; must not be readable by others)")
	fl.StringVar(&stationPKCS11, "station-pkcs11", "", "station key in an HSM: RFC 7512 URI (as --ds-pkcs11)")
	fl.StringVar(&stationCert, "station-cert", "", "the station key's certificate (PEM or DER; 'cccd journal keygen' makes one)")
	fl.StringVar(&stationPinFile, "station-pin-file", "", "file holding the station key's HSM PIN (or pin-source in the URI, or CCCD_PKCS11_PIN)")
	fl.IntVar(&checkpointEvery, "checkpoint-every", 100, "sign a checkpoint every N cards done by the station (0: only at its start and stop)")
	fl.StringArrayVarP(&readers, "reader", "r", nil, "emu:DIR or a PC/SC reader (repeatable: one station each)")
	fl.StringVar(&journalTarget, "journal", "", "SQLite journal file (default: FILE.journal.db) or postgres://user@host/db for stations on several machines")
	fl.StringVar(&batchName, "batch", "", "the batch's name in the journal (default: the input file's name); stations of one batch share its records")
	fl.StringVar(&station, "station", "", "this station's name in the journal (default: the host name)")
	fl.StringVar(&operator, "operator", "", "the operator's name, recorded with every card (default: the login name)")
	fl.DurationVar(&lease, "lease", journal.DefaultLease, "how long a silent station keeps its claim before another station takes the record over")
	fl.StringVar(&qrOut, "qr-out", "", "directory for each card's QR payload and PNG, and manifest.csv")
	fl.BoolVar(&resume, "resume", false, "continue a batch: skip finished records, finish or check half-done cards")
	fl.BoolVar(&dryRun, "dry-run", false, "only validate the input")
	fl.BoolVar(&skipInvalid, "skip-invalid", false, "personalize the valid records even if some are invalid")
	fl.BoolVar(&allowExpired, "allow-expired", false, "personalize a card that is expired on the day it is made (a warning instead of an error)")
	fl.BoolVar(&pss, "pss", false, "sign EF.SOD with RSA-PSS (RSA Document Signer keys)")
	fl.StringVar(&cardProfile, "profile", string(lds.ProfileCCCD), "card layout: cccd (as real CCCDs: TA/CA/PACE in EF.CardAccess and DG14, DG3, DG13 field 16) or icao (plain ICAO 9303)")
	fl.StringVar(&dg2Format, "dg2-format", string(lds.Face19794), "face encoding in DG2: 19794 (ISO/IEC 19794-5, as the CCCD) or 39794 (ISO/IEC 39794-5)")
	fl.StringVar(&eacDir, "eac", "", "EAC: write DIR/cvca.cvcert as every chip's trust point (and read DG3 back with DIR's inspection system); DIR as 'cccd pki eac init' makes it")
	fl.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	registerTrace(cmd)
	register(cmd)
}

// resumeCommand is the command line that continues this run: the same
// arguments, with --resume.
func resumeCommand() string {
	args := os.Args[1:]
	var b strings.Builder
	b.WriteString("cccd")
	has := false
	for _, a := range args {
		if a == "--resume" || a == "--resume=true" {
			has = true
		}
		b.WriteString(" " + shellQuote(a))
	}
	if !has {
		b.WriteString(" --resume")
	}
	return b.String()
}

// shellQuote quotes an argument for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// stationPrinter is where the station's lines go: above the progress bar
// while one is drawn (mpb prints writes above its bars), else plain lines.
// Prompts to the operator go through it too, so that the bar never erases
// them. Before the bar is drawn (validation) lines go straight out: mpb
// drops what is written to it while it has no bar.
type stationPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	bar   *progressBar
	shown bool
}

func (p *stationPrinter) say(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && p.shown {
		p.bar.println(s)
		return
	}
	fmt.Fprintln(p.w, s)
}

func (p *stationPrinter) hasBar() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bar != nil && p.shown
}

func (p *stationPrinter) setBar(b *progressBar) {
	p.mu.Lock()
	p.bar, p.shown = b, false
	p.mu.Unlock()
}

func (p *stationPrinter) barShown() { p.mu.Lock(); p.shown = p.bar != nil; p.mu.Unlock() }

// cardSource builds the station of one --reader value.
func cardSource(c *cobra.Command, r string, pr *stationPrinter, stop <-chan struct{}, profile testcards.Profile) (personalize.CardSource, error) {
	if dir, ok := strings.CutPrefix(r, "emu:"); ok {
		if dir == "" {
			return nil, usageError(c, "--reader emu:DIR needs a directory for the card images")
		}
		return &emuDirSource{dir: dir, card: stationCard(c, pr), profile: profile}, nil
	}
	ctx, err := pcsc.Open()
	if err != nil {
		return nil, ioError(err)
	}
	name, err := resolveReader(c, ctx, r, false)
	if err != nil {
		ctx.Close()
		return nil, err
	}
	s := &pcscSource{ctx: ctx, reader: name, pr: pr, card: stationCard(c, pr)}
	go func() {
		// A station waiting for a card must hear the stop.
		<-stop
		ctx.Cancel()
	}()
	return s, nil
}

// stationCard makes a station's Cards, traced (--trace) through the
// station printer, so that trace lines stay above the progress bar, each
// prefixed with the card's reader.
func stationCard(c *cobra.Command, pr *stationPrinter) func(apdu.Transport, string) *apdu.Card {
	return func(t apdu.Transport, reader string) *apdu.Card {
		return newCard(c, t, sayWriter{pr}, "["+reader+"] ")
	}
}

// sayWriter writes whole trace blocks as station lines.
type sayWriter struct{ pr *stationPrinter }

func (w sayWriter) Write(b []byte) (int, error) {
	w.pr.say(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// emuDirSource makes one emulated blank card per record. A card refused
// as not blank, or spoiled, is set aside (renamed), as an operator takes
// it off the line.
type emuDirSource struct {
	dir     string
	card    func(t apdu.Transport, reader string) *apdu.Card
	profile testcards.Profile
}

func (s *emuDirSource) Reader() string { return "emu:" + s.dir }

func (s *emuDirSource) Next(id string, prior *journal.Attempt) (personalize.Station, func(personalize.Disposition) error, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return personalize.Station{}, nil, err
	}
	path := filepath.Join(s.dir, id+".card")
	if _, err := os.Stat(path); err != nil {
		if err := testcards.NewBlankImage(s.profile).Save(path); err != nil {
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
		suffix := map[personalize.Disposition]string{personalize.CardRefused: ".not-blank", personalize.CardSpoiled: ".spoiled"}[d]
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
	return personalize.Station{Card: s.card(e, s.Reader()), Reader: s.Reader(), Chip: "emu:" + path, ATR: e.ATR()}, release, nil
}

// pcscSource asks the operator for a blank card per record, detected by
// card events, and holds it exclusively while it is written.
type pcscSource struct {
	ctx    *pcsc.Context
	reader string
	pr     *stationPrinter
	card   func(t apdu.Transport, reader string) *apdu.Card
}

func (s *pcscSource) Reader() string { return s.reader }

func (s *pcscSource) Next(id string, prior *journal.Attempt) (personalize.Station, func(personalize.Disposition) error, error) {
	if prior != nil {
		s.pr.say(fmt.Sprintf("%s: this station was writing a card for this record when it stopped (attempt %d): put that card back, or a blank card if it was never locked", s.reader, prior.Number))
	} else {
		s.pr.say(fmt.Sprintf("insert a blank card into %s", s.reader))
	}
	if err := s.ctx.WaitForCard(s.reader, 0); err != nil {
		return personalize.Station{}, nil, err
	}
	card, err := s.ctx.ConnectExclusive(s.reader)
	if err != nil {
		return personalize.Station{}, nil, err
	}
	release := func(d personalize.Disposition) error {
		card.Close()
		switch d {
		case personalize.CardRefused:
			s.pr.say(fmt.Sprintf("not a blank card: remove it from %s", s.reader))
		case personalize.CardSpoiled:
			s.pr.say(fmt.Sprintf("spoiled card: remove it from %s and set it aside for destruction", s.reader))
		default:
			s.pr.say(fmt.Sprintf("remove the card from %s", s.reader))
		}
		return s.ctx.WaitForRemoval(s.reader, 0)
	}
	return personalize.Station{Card: s.card(card, s.reader), Reader: s.reader, ATR: card.ATR()}, release, nil
}
