package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/verify"
)

func init() {
	var reader, trustDir, photoOut string
	var asJSON, watch, noPACE, requireCRL bool
	var timeout time.Duration
	var sf secretFlags
	cmd := &cobra.Command{
		Use:   "verify --reader R SECRET --trust DIR",
		Short: "Verify a card: open, read, authenticate, cross-check, verdict",
		Long: `Run the ICAO 9303 inspection procedure on the card in a reader and print
each check on its own line, the holder's data and a verdict:

  GENUINE       every applicable check passed (exit 0)
  NOT VERIFIED  a check failed; each failed check is named (exit 1)

Reader, card or secret trouble concludes nothing (exit 3): a wrong MRZ/CAN
is "access denied", a card pulled off the reader, one that stops answering
(--timeout, default 30s) or answers beyond any genuine card's needs
(bounded APDUs, GET RESPONSE rounds, file sizes) is "put the card back and
try again" — never a forgery.

The verdict names its reason: forged (a hash, the signature, the chain or
the signed access control do not hold), cloned (the chip does not hold the
keys of DG14/DG15), inconsistent (MRZ, DG1, DG13 and the QR disagree),
expired (an authentic document out of date).

` + secretHelp + `

Checks: passive authentication (EF.SOD signature, Document Signer issued by a
CSCA of the trust store, validity, revocation, every data group EF.SOD lists
read and hashed — a withheld one fails, DG3/DG4 behind EAC are reported —,
the CSCA's country = the issuing state, EF.COM and EF.CardAccess against the
signed DG14), clone detection (chip authentication with the key of DG14 and
active authentication with the key of DG15, on a fresh random challenge,
whenever EF.SOD lists them), consistency (MRZ entered vs DG1, DG1 vs DG13,
QR vs DG13, the ID number's structure, expiry).

--trust DIR holds CSCA certificates (PEM/DER), master lists (.ml) and CRLs;
manage it with 'cccd trust'. --photo-out FILE saves the face (JPEG as is;
JPEG 2000 converted to FILE with a .png extension when opj_decompress is
installed, else saved with a .jp2 extension). --watch is
counter mode: wait for a card, verify, print, wait for its removal, repeat.

Examples:
  cccd verify --reader 0 --can 123456 --trust trust/
  cccd verify --reader emu:card.json --mrz "$(cat mrz.txt)" --trust trust/ --json
  cccd verify --reader "PICC" --qr-image qr.jpg --trust trust/ --photo-out face.jpg
  cccd verify --reader 0 --can 123456 --trust trust/ --watch`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			in, err := sf.input(c)
			if err != nil {
				return err
			}
			if trustDir == "" {
				return usageError(c, "--trust DIR is required: the CSCA certificates, master lists and CRLs to trust")
			}
			ts, err := verify.LoadTrustStore(trustDir)
			if err != nil {
				return inputError(err)
			}
			for _, p := range ts.Problems {
				fmt.Fprintf(c.ErrOrStderr(), "cccd: trust store: skipped %s\n", p)
			}
			if err := ts.Usable(); err != nil {
				// Every genuine card would fail: a set-up error, found
				// before any card is touched.
				return inputError(err)
			}
			if timeout < 0 {
				return usageError(c, "--timeout must be positive (e.g. 30s)")
			}
			opt := verify.Options{Trust: ts, NoPACE: noPACE, RequireCRL: requireCRL, Timeout: timeout}
			if watch {
				return watchVerify(c, reader, in, opt, asJSON, photoOut)
			}
			card, err := openReader(c, reader)
			if err != nil {
				return err
			}
			defer card.Close()
			rep, err := verify.Inspect(card.Card, in, opt)
			if err != nil {
				return openError(err)
			}
			rep.Reader = card.Reader
			return printVerify(c, rep, asJSON, photoOut)
		},
	}
	cmd.Flags().StringVarP(&reader, "reader", "r", "", readerHelp)
	cmd.Flags().StringVar(&trustDir, "trust", "", "trust store directory")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object (see README)")
	cmd.Flags().StringVar(&photoOut, "photo-out", "", "save the holder's face image to FILE")
	cmd.Flags().BoolVar(&watch, "watch", false, "counter mode: verify every card put on the reader until interrupted")
	cmd.Flags().BoolVar(&noPACE, "no-pace", false, "open with BAC even if the chip offers PACE")
	cmd.Flags().BoolVar(&requireCRL, "require-crl", false, "fail when no current CRL of the CSCA is in the trust store (default: a warning, revocation unknown)")
	cmd.Flags().DurationVar(&timeout, "timeout", verify.DefaultTimeout, "time budget per card: a card still not read by then concludes nothing (exit 3)")
	sf.register(cmd)
	register(cmd)
}

func printVerify(c *cobra.Command, rep *verify.Report, asJSON bool, photoOut string) error {
	out := c.OutOrStdout()
	if photoOut != "" && len(rep.Photo) > 0 {
		path, err := savePhoto(rep, photoOut)
		if err != nil {
			return ioError(err)
		}
		fmt.Fprintf(c.ErrOrStderr(), "cccd: face image saved to %s\n", path)
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return ioError(err)
		}
	} else {
		writeReport(out, rep)
	}
	if !rep.IsGenuine() {
		return withCode(ExitFailed, errors.New(rep.Summary()))
	}
	return nil
}

func writeReport(w io.Writer, rep *verify.Report) {
	fmt.Fprintf(w, "Card in %s, opened with %s (%s)\n", rep.Reader, rep.Access.Method, rep.Access.Password)
	if rep.Access.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", rep.Access.Note)
	}
	for _, f := range rep.Files {
		if f.Note != "" {
			fmt.Fprintf(w, "  note: %s: %s\n", f.Name, f.Note)
		}
	}
	fmt.Fprintln(w)
	for _, ch := range rep.Checks {
		fmt.Fprintf(w, "  %-4s  %-28s %s\n", strings.ToUpper(string(ch.Status)), ch.Name, ch.Detail)
	}
	if h := rep.Holder; h != nil {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  ID number     %s\n  Full name     %s\n  Date of birth %s\n  Sex           %s\n", h.IDNumber, h.FullName, h.DateOfBirth, h.Sex)
		if h.PlaceOfResidence != "" {
			fmt.Fprintf(w, "  Residence     %s\n", h.PlaceOfResidence)
		}
		if h.DateOfExpiry != "" {
			fmt.Fprintf(w, "  Valid until   %s\n", h.DateOfExpiry)
		}
	}
	st := rep.Stats
	fmt.Fprintf(w, "\n  %d APDUs, %d bytes; access %.0f ms, reading %.0f ms, checks %.0f ms\n", st.APDUs, st.BytesSent+st.BytesReceived, st.AccessMS, st.ReadMS, st.ChecksMS)
	fmt.Fprintf(w, "\n%s\n", rep.Summary())
}

// savePhoto writes the face image: JPEG as is; JPEG 2000 (what many
// chips store, ISO/IEC 19794-5) converted to PNG with opj_decompress when
// it is installed, since few viewers open it, else saved as .jp2. It
// returns the path written, whose extension may differ from the one asked.
func savePhoto(rep *verify.Report, path string) (string, error) {
	if rep.PhotoType == "jpeg" || rep.PhotoType == "" {
		return path, os.WriteFile(path, rep.Photo, 0o600)
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	if tool, err := exec.LookPath("opj_decompress"); err == nil {
		tmp, err := os.CreateTemp("", "cccd-face-*."+rep.PhotoType)
		if err != nil {
			return "", err
		}
		defer os.Remove(tmp.Name())
		_, werr := tmp.Write(rep.Photo)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", werr
		}
		png := base + ".png"
		if out, err := exec.Command(tool, "-i", tmp.Name(), "-o", png).CombinedOutput(); err != nil {
			return "", fmt.Errorf("converting the JPEG 2000 face with opj_decompress: %v: %s", err, out)
		}
		return png, nil
	}
	jp2 := base + "." + rep.PhotoType
	return jp2, os.WriteFile(jp2, rep.Photo, 0o600)
}

// watchVerify is counter mode on a PC/SC reader: it runs until
// interrupted (Ctrl-C, SIGTERM), then says how many cards it saw and exits
// 0, since an interrupt is how a clerk ends the day.
func watchVerify(c *cobra.Command, spec string, in verify.Input, opt verify.Options, asJSON bool, photoOut string) error {
	if strings.HasPrefix(spec, "emu:") {
		return usageError(c, "--watch needs a PC/SC reader (card insertion events); emu: images are always present")
	}
	ctx, err := pcsc.Open()
	if err != nil {
		return ioError(err)
	}
	defer ctx.Close()
	name, err := ctx.Resolve(spec)
	if err != nil {
		return usageError(c, "--reader %s: %v", spec, err)
	}
	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	go func() {
		<-stop.Done()
		ctx.Cancel() // unblocks a wait for a card or its removal
	}()
	var genuine, notVerified, noConclusion int
	errw := c.ErrOrStderr()
	wait := func(f func(string, time.Duration) error) (bool, error) {
		err := f(name, 0)
		if stop.Err() != nil {
			fmt.Fprintf(errw, "cccd: stopped after %d cards: %d genuine, %d not verified, %d without conclusion\n",
				genuine+notVerified+noConclusion, genuine, notVerified, noConclusion)
			return true, nil
		}
		if err != nil {
			return true, ioError(err)
		}
		return false, nil
	}
	for {
		fmt.Fprintf(errw, "cccd: waiting for a card in %s (Ctrl-C to stop)\n", name)
		if done, err := wait(ctx.WaitForCard); done {
			return err
		}
		card, err := openReader(c, name)
		if err == nil {
			var rep *verify.Report
			rep, err = verify.Inspect(card.Card, in, opt)
			card.Close()
			if err == nil {
				rep.Reader = name
				perr := printVerify(c, rep, asJSON, photoOut)
				switch {
				case perr == nil:
					genuine++
				case exitCode(perr) == ExitFailed:
					notVerified++
				default:
					return perr
				}
			}
		}
		if err != nil {
			noConclusion++
			fmt.Fprintf(errw, "cccd: %v\n", openError(err))
		}
		fmt.Fprintf(errw, "cccd: remove the card\n")
		if done, err := wait(ctx.WaitForRemoval); done {
			return err
		}
	}
}
