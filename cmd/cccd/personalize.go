package main

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
)

func init() {
	var input, format, dsCert, dsKey, dsPKCS11, pinFile, journal, qrOut string
	var readers []string
	var resume, dryRun, skipInvalid, asJSON, pss bool
	cmd := &cobra.Command{
		Use:   "personalize --input FILE --ds-cert C --ds-key K --reader R...",
		Short: "Personalize a batch of blank cards from citizen records",
		Long: `Personalize blank cards, one citizen record each, the way a factory line
does it:

 1. validate the whole input first (--dry-run stops here): ID number
    structure, dates, MRZ-representable names, photo present and decodable,
    no duplicate ID numbers in the file or the journal. Each bad record is
    reported as "line N: error: FIELD: reason"; without --skip-invalid the
    batch stops (exit 2) before any card is touched;
 2. for each record: build the chip's files (EF.COM, DG1, DG2, DG13, DG14,
    DG15 with a fresh Active Authentication key, EF.CardAccess for PACE),
    sign EF.SOD with the Document Signer, write them with the
    personalization commands, read the card back through PACE (CAN) and BAC
    (MRZ) and check it as a counter would, then lock it;
 3. write each card's QR payload (.txt) and image (.png) under --qr-out and
    a manifest.csv (line, ID number, card, QR file, time).

The SQLite journal (--journal, default FILE.journal.db) records every step
before and after. After a crash, run again with --resume: finished records
are skipped, a half-written card is finished, a locked card is checked and
either accepted or reported as spoiled — no record ends on two cards.

Signing key: --ds-key FILE (PEM PKCS#8/SEC1/PKCS#1, refused if readable by
group or others) or --ds-pkcs11 URI for a key in an HSM (RFC 7512; the PIN
from the URI's pin-source, --pin-file or $CCCD_PKCS11_PIN). The certificate
must match the key; this is checked before anything else.

Readers: --reader emu:DIR creates and personalizes emulated cards
DIR/<id-number>.card (for QA and demos); a PC/SC reader name/index makes the
operator insert a blank card for each record and remove it when done. Give
--reader several times for parallel stations: each takes the next record
as soon as its card is done.

Input: JSONL (one citizen record per line) or CSV with a header row of the
same field names; see README "Input schema" or 'cccd testcards sample'.

Examples:
  cccd personalize --input records.jsonl --ds-cert pki/ds.pem --ds-key pki/ds.key --reader emu:cards --qr-out qr
  cccd personalize --input batch.csv --ds-cert ds.pem --ds-key ds.key --dry-run
  cccd personalize --input records.jsonl --ds-cert ds.pem --ds-key ds.key --reader 0 --resume`,
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
			if _, err := os.Stat(input); err != nil {
				return inputError(err)
			}
			var p personalize.Personalizer
			if !dryRun {
				if dsCert == "" || (dsKey == "") == (dsPKCS11 == "") {
					return usageError(c, "--ds-cert and one of --ds-key or --ds-pkcs11 are required")
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
				if len(readers) == 0 {
					return usageError(c, "--reader is required (emu:DIR for emulated cards, or a PC/SC reader)")
				}
			}
			if journal == "" {
				journal = input + ".journal.db"
			}
			j, err := personalize.OpenJournal(journal)
			if err != nil {
				return ioError(err)
			}
			defer j.Close()
			p.Journal, p.QROut = j, qrOut
			errw := c.ErrOrStderr()
			finishBar := func() {}
			b := &personalize.Batch{Input: input, Format: f, Personalizer: &p, SkipInvalid: skipInvalid, DryRun: dryRun, Resume: resume,
				Report: func(n personalize.Notice) { fmt.Fprintln(errw, n) }}
			if ef, ok := errw.(*os.File); ok && term.IsTerminal(int(ef.Fd())) && !dryRun && !asJSON {
				// On a terminal: a progress bar (done/failed, rate, ETA);
				// only problems print as lines.
				bar := newProgressBar(ef)
				finishBar = bar.finish
				b.Progress = bar.update
				b.Report = func(n personalize.Notice) {
					if n.Kind != personalize.NoticeDone {
						bar.println(n.String())
					}
				}
			}
			if qrOut != "" {
				b.Manifest = filepath.Join(qrOut, "manifest.csv")
				os.MkdirAll(qrOut, 0o755)
			}
			var srcs []personalize.CardSource
			if !dryRun {
				for _, r := range readers {
					src, err := cardSource(c, r)
					if err != nil {
						return err
					}
					srcs = append(srcs, src)
				}
			}
			sum, err := b.Run(srcs...)
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
					fmt.Fprintf(out, "journal: %s\n", journal)
					if qrOut != "" {
						fmt.Fprintf(out, "QR payloads and images: %s (manifest: %s)\n", qrOut, sum.Manifest)
					}
				}
			}
			switch {
			case errors.Is(err, personalize.ErrInvalidInput), errors.Is(err, personalize.ErrHeader):
				return inputError(err)
			case err != nil:
				return ioError(err)
			case sum.Invalid > 0 && dryRun:
				return inputError(fmt.Errorf("%d invalid records", sum.Invalid))
			case sum.Failed > 0:
				return ioError(fmt.Errorf("%d cards failed; see the journal (cccd journal show --journal %s) and run again with --resume", sum.Failed, journal))
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
	fl.StringArrayVarP(&readers, "reader", "r", nil, "emu:DIR or a PC/SC reader (repeatable)")
	fl.StringVar(&journal, "journal", "", "SQLite journal (default: FILE.journal.db)")
	fl.StringVar(&qrOut, "qr-out", "", "directory for each card's QR payload and PNG, and manifest.csv")
	fl.BoolVar(&resume, "resume", false, "continue a batch: skip finished records, finish or check half-done cards")
	fl.BoolVar(&dryRun, "dry-run", false, "only validate the input")
	fl.BoolVar(&skipInvalid, "skip-invalid", false, "personalize the valid records even if some are invalid")
	fl.BoolVar(&pss, "pss", false, "sign EF.SOD with RSA-PSS (RSA Document Signer keys)")
	fl.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	register(cmd)
}

// cardSource builds the station of one --reader value.
func cardSource(c *cobra.Command, r string) (personalize.CardSource, error) {
	if dir, ok := strings.CutPrefix(r, "emu:"); ok {
		if dir == "" {
			return nil, usageError(c, "--reader emu:DIR needs a directory for the card images")
		}
		return &emuDirSource{dir: dir}, nil
	}
	ctx, err := pcsc.Open()
	if err != nil {
		return nil, ioError(err)
	}
	name, err := ctx.Resolve(r)
	if err != nil {
		return nil, usageError(c, "--reader %s: %v", r, err)
	}
	return &pcscSource{ctx: ctx, reader: name, say: func(s string) { fmt.Fprintln(c.ErrOrStderr(), s) }}, nil
}

// emuDirSource makes one emulated blank card per record.
type emuDirSource struct{ dir string }

func (s *emuDirSource) Next(id string, resume bool) (personalize.Station, func() error, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return personalize.Station{}, nil, err
	}
	path := filepath.Join(s.dir, id+".card")
	if _, err := os.Stat(path); err == nil {
		if !resume {
			return personalize.Station{}, nil, fmt.Errorf("card image %s exists already: run with --resume to continue the batch", path)
		}
	} else if err := testcards.NewBlankImage(testcards.ProfileCCCD).Save(path); err != nil {
		return personalize.Station{}, nil, err
	}
	e, err := testcards.Open(path)
	if err != nil {
		return personalize.Station{}, nil, err
	}
	return personalize.Station{Card: apdu.NewCard(e), Reader: "emu:" + s.dir, Chip: "emu:" + path, ATR: e.ATR()}, e.Close, nil
}

// pcscSource asks the operator for a blank card per record, detected by
// card events.
type pcscSource struct {
	ctx    *pcsc.Context
	reader string
	say    func(string)
}

func (s *pcscSource) Next(id string, resume bool) (personalize.Station, func() error, error) {
	s.say(fmt.Sprintf("insert a blank card into %s", s.reader))
	if err := s.ctx.WaitForCard(s.reader, 0); err != nil {
		return personalize.Station{}, nil, err
	}
	card, err := s.ctx.Connect(s.reader)
	if err != nil {
		return personalize.Station{}, nil, err
	}
	release := func() error {
		card.Close()
		s.say(fmt.Sprintf("remove the card from %s", s.reader))
		return s.ctx.WaitForRemoval(s.reader, 0)
	}
	return personalize.Station{Card: apdu.NewCard(card), Reader: s.reader, ATR: card.ATR()}, release, nil
}
