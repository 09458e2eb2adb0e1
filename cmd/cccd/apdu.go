package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/verify"
)

func init() {
	var reader, script, open string
	var failOnError, noPACE bool
	cmd := &cobra.Command{
		Use:   "apdu [--reader R] (HEX... | --script FILE|-) [--open SECRET]",
		Short: "Send raw command APDUs (or a script of them) to a card and print the responses",
		Long: `Send command APDUs, written in hex, to the card in a reader, one after
the other, and print each response's data and status word.

GET RESPONSE after 61xx and the resend after 6Cxx are done for you, so
the data shown is the whole response. Spaces and colons in the hex are
ignored; quote an APDU that contains spaces.

Scripts: --script FILE (- for standard input) runs one APDU per line:

  # '#' starts a comment; blank and comment-only lines are skipped
  00A4040C07A0000002471001      # 9000
  00 B0 9E 00 04                # 9000  EF.COM's tag and length
  00B0000000                    # 6282|9000   either status word
  00B1000000                    # 6XXX        X (or ?) is any hex digit
  0084000008                    # no expectation: any status word

After an APDU, the first word of its comment is the expected status word
when it has that shape (4 hex digits, X for any digit, alternatives joined
by | or ,); the rest of the comment is free text. The script is read whole
and checked before the card is touched (a bad line is exit 2, naming it);
the first status word that does not match stops it with exit 1.

Secure session: --open SECRET runs access control first — PACE, or BAC
with the MRZ (--no-pace forces BAC) — and selects the eMRTD application,
then sends the APDUs inside secure messaging: you write and see the plain
commands and responses, as the chip's applet sees them. SECRET is
can:CAN, mrz:MRZ (the full MRZ), mrz:DOCNUMBER/YYMMDD/YYMMDD (document
number, birth, expiry), qr:PAYLOAD, or anything 'cccd verify
--secret-stdin' reads; @FILE reads it from a file and - from standard
input, so that it shows neither in ps nor in the shell history.

--trace logs every exchange on stderr with its time, data replaced by its
length (inside secure messaging: the plain command beside the protected
APDU's size); --trace-data shows every byte.

Examples:
  cccd apdu --reader "Virtual PCD 00 00" 00A4040C07A0000002471001
  cccd apdu --reader 0 00A4040C07A0000002471001 00A4020C02011E 00B0000004
  cccd apdu --reader emu:card.img --trace "00 84 00 00 08"
  cccd apdu --reader 0 --script probe.apdu --open can:123456
  printf '00B0810004 # 9000\n' | cccd apdu --script - --open @can.txt --trace

Output, one line per APDU (with --script: "line N: " first):
  SW 9000 (success)
  SW 9000 data 60145F0104303130375F3606303430303030 (18 bytes)

Exit status: 0 when every APDU was exchanged (whatever its status word;
with --fail-on-error a status other than 9000 stops with 1), 1 for a
status word a script did not expect, 2 for a malformed APDU, script or
secret, 3 when the reader or card fails or the secret does not open it.`,
		RunE: func(c *cobra.Command, args []string) error {
			var lines []scriptLine
			switch {
			case script != "" && len(args) > 0:
				return usageError(c, "give APDUs either as arguments or with --script, not both")
			case script != "":
				if script == "-" && open == "-" {
					return usageError(c, "--script - and --open - cannot both read standard input; put the secret in a file (--open @FILE)")
				}
				var err error
				if lines, err = readScript(c, script); err != nil {
					return err
				}
			case len(args) == 0:
				return usageError(c, "give at least one APDU in hex, e.g. 00A4040C07A0000002471001, or --script FILE")
			default:
				for i, a := range args {
					cmd, err := parseAPDUHex(a)
					if err != nil {
						return usageError(c, "APDU %d %v", i+1, err)
					}
					lines = append(lines, scriptLine{cmd: cmd})
				}
			}
			var sec lds.Secret
			if open != "" {
				var err error
				if sec, err = openSecret(c, open); err != nil {
					return err
				}
			} else if noPACE {
				return usageError(c, "--no-pace goes with --open (BAC with the MRZ)")
			}
			card, err := openReader(c, reader)
			if err != nil {
				return err
			}
			defer card.Close()
			if open != "" {
				res, err := chip.Open(card.Card, sec, chip.OpenOptions{NoPACE: noPACE})
				if err != nil {
					return openError(err)
				}
				fmt.Fprintf(c.ErrOrStderr(), "cccd: secure session open: %s with the %s; eMRTD application selected\n", res.Method, res.Password)
				if res.Fallback != "" {
					fmt.Fprintf(c.ErrOrStderr(), "cccd: note: %s\n", res.Fallback)
				}
			}
			out := c.OutOrStdout()
			for _, l := range lines {
				r, err := card.Transmit(l.cmd)
				if err != nil {
					if l.line > 0 {
						return ioError(fmt.Errorf("line %d: %w", l.line, err))
					}
					return ioError(err)
				}
				if l.line > 0 {
					fmt.Fprintf(out, "line %d: ", l.line)
				}
				if len(r.Data) == 0 {
					fmt.Fprintf(out, "SW %s (%s)\n", r.SW, r.SW.Meaning())
				} else {
					fmt.Fprintf(out, "SW %s data %X (%d bytes)\n", r.SW, r.Data, len(r.Data))
				}
				if len(l.expect) > 0 && !l.matches(r.SW) {
					return failedError(fmt.Errorf("line %d: %s (%02X %02X %02X %02X) answered SW %s (%s), expected %s",
						l.line, l.cmd.Name(), l.cmd.CLA, l.cmd.INS, l.cmd.P1, l.cmd.P2, r.SW, r.SW.Meaning(), l.text))
				}
				if failOnError && len(l.expect) == 0 && !r.OK() {
					if l.line > 0 {
						return failedError(fmt.Errorf("line %d: %w", l.line, r.Err(l.cmd)))
					}
					return failedError(r.Err(l.cmd))
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&reader, "reader", "r", "", readerHelp)
	cmd.Flags().StringVar(&script, "script", "", "run the APDUs of FILE (- for standard input), one per line, '# SW' the expected status word")
	cmd.Flags().StringVar(&open, "open", "", "open a secure session first: can:CAN, mrz:MRZ, mrz:DOC/YYMMDD/YYMMDD, qr:PAYLOAD, @FILE or - (standard input)")
	cmd.Flags().BoolVar(&noPACE, "no-pace", false, "with --open: BAC with the MRZ even if the chip offers PACE")
	cmd.Flags().BoolVar(&failOnError, "fail-on-error", false, "stop with exit status 1 at the first status word other than 9000 (script lines with an expectation follow it instead)")
	registerTrace(cmd)
	register(cmd)
}

func (l scriptLine) matches(sw apdu.SW) bool {
	for _, p := range l.expect {
		if p.matches(sw) {
			return true
		}
	}
	return false
}

// readScript reads and checks a whole script before the card is touched.
func readScript(c *cobra.Command, path string) ([]scriptLine, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = c.InOrStdin(), "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, inputError(fmt.Errorf("--script: %w", err))
		}
		defer f.Close()
		r = f
	}
	lines, err := parseScript(io.LimitReader(r, 16<<20), name)
	if err != nil {
		return nil, inputError(err)
	}
	return lines, nil
}

// openSecret reads --open: can:, mrz:, qr:, @FILE, - or a bare secret. Its
// errors name the form, never the value.
func openSecret(c *cobra.Command, spec string) (lds.Secret, error) {
	text := spec
	switch {
	case spec == "-":
		b, err := io.ReadAll(io.LimitReader(c.InOrStdin(), 64<<10))
		if err != nil {
			return lds.Secret{}, ioError(fmt.Errorf("--open -: %w", err))
		}
		text = string(b)
	case strings.HasPrefix(spec, "@"):
		b, err := os.ReadFile(spec[1:])
		if err != nil {
			return lds.Secret{}, inputError(fmt.Errorf("--open: %w", err))
		}
		text = string(b)
	}
	text = strings.TrimSpace(text)
	kind, rest, _ := strings.Cut(text, ":")
	var in verify.Input
	var err error
	switch strings.ToLower(kind) {
	case "can":
		in, err = verify.ParseCAN(rest)
	case "qr":
		in, err = verify.ParseQRText(rest)
	case "mrz":
		if f := strings.Split(rest, "/"); len(f) == 3 {
			return mrzFields(f)
		}
		in, err = verify.ParseMRZText(rest)
	default:
		in, err = verify.ParseSecretText(text)
	}
	if err != nil {
		return lds.Secret{}, inputError(fmt.Errorf("--open: %w", err))
	}
	return in.Secret, nil
}

// mrzFields is mrz:DOCNUMBER/YYMMDD/YYMMDD, the three fields BAC needs,
// checked before the chip is touched (errors do not quote them).
func mrzFields(f []string) (lds.Secret, error) {
	for i, what := range []string{"", "date of birth", "date of expiry"} {
		f[i] = strings.TrimSpace(f[i])
		if i == 0 {
			continue
		}
		if _, err := time.Parse("060102", f[i]); err != nil || len(f[i]) != 6 {
			return lds.Secret{}, inputError(fmt.Errorf("--open mrz:DOC/YYMMDD/YYMMDD: the %s is not a date YYMMDD", what))
		}
	}
	k := lds.Secret{DocumentNumber: strings.ToUpper(f[0]), DateOfBirth: f[1], DateOfExpiry: f[2]}
	if _, err := k.MRZInformation(); err != nil {
		return lds.Secret{}, inputError(fmt.Errorf("--open mrz:DOC/YYMMDD/YYMMDD: %w", err))
	}
	return k, nil
}
