package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/qr"
	"github.com/cccd-vn/cccd/verify"
)

// secretFlags are the ways a clerk opens a chip, shared by read and verify.
type secretFlags struct {
	mrz, docNumber, dob, expiry, can, qrText, qrImage string
	// stdin: read the secret as one line from standard input, so that it
	// shows neither in ps nor in the shell history.
	stdin bool
}

const secretHelp = `Open the chip with one of:
  --secret-stdin                 standard input: the QR payload
                                 (from a 2D scanner), the CAN, the 12-digit ID
                                 number or the MRZ — recognised by its shape;
                                 nothing secret shows in ps or the history
  --mrz MRZ                      the full MRZ (TD1: 3 lines of 30; any case,
                                 spaces or line breaks, O for 0 in digit
                                 fields are fine; check digits are checked
                                 before the chip is touched)
  --doc-number N --dob YYMMDD --expiry YYMMDD
                                 the MRZ fields BAC needs
  --can CAN                      the 6-digit card access number (PACE), spaces
                                 allowed; on the 2021 CCCD, the last 6 digits of
                                 the ID number (the whole number works too)
  --qr-text T | --qr-image IMG   the card's QR (its text, or a photo of it):
                                 PACE with the CAN it implies, BAC with the
                                 expiry computed from it`

func (s *secretFlags) register(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&s.mrz, "mrz", "", "full MRZ text")
	f.StringVar(&s.docNumber, "doc-number", "", "document number (with --dob and --expiry)")
	f.StringVar(&s.dob, "dob", "", "date of birth YYMMDD")
	f.StringVar(&s.expiry, "expiry", "", "date of expiry YYMMDD")
	f.StringVar(&s.can, "can", "", "6-digit card access number")
	f.StringVar(&s.qrText, "qr-text", "", "the card's QR payload text")
	f.StringVar(&s.qrImage, "qr-image", "", "a photo or scan of the card's QR code")
	f.BoolVar(&s.stdin, "secret-stdin", false, "read the secret (QR payload, CAN, ID number or MRZ) from standard input")
}

// given counts the secrets given on the command line.
func (s *secretFlags) given() int {
	n := 0
	for _, v := range []string{s.mrz, s.docNumber + s.dob + s.expiry, s.can, s.qrText, s.qrImage} {
		if v != "" {
			n++
		}
	}
	if s.stdin {
		n++
	}
	return n
}

// input turns the flags into a verify.Input; errors are bad usage.
func (s *secretFlags) input(c *cobra.Command) (verify.Input, error) {
	n := s.given()
	if n == 0 {
		return verify.Input{}, usageError(c, "a secret is needed to open the chip: --secret-stdin, --mrz, --doc-number/--dob/--expiry, --can, --qr-text or --qr-image")
	}
	if n > 1 {
		return verify.Input{}, usageError(c, "give only one of --secret-stdin, --mrz, --doc-number/--dob/--expiry, --can, --qr-text, --qr-image")
	}
	switch {
	case s.stdin:
		// All of the input (bounded): an MRZ comes in three lines.
		b, err := io.ReadAll(io.LimitReader(c.InOrStdin(), 64<<10))
		if err != nil || strings.TrimSpace(string(b)) == "" {
			return verify.Input{}, usageError(c, "--secret-stdin: nothing on standard input")
		}
		in, err := verify.ParseSecretText(string(b))
		if err != nil {
			return in, inputError(fmt.Errorf("--secret-stdin: %w", err))
		}
		return in, nil
	case s.mrz != "":
		in, err := verify.ParseMRZText(s.mrz)
		if err != nil {
			return in, inputError(fmt.Errorf("--mrz: %w", err))
		}
		return in, nil
	case s.can != "":
		in, err := verify.ParseCAN(s.can)
		if err != nil {
			return in, usageError(c, "--can: %v", err)
		}
		return in, nil
	case s.qrText != "" || s.qrImage != "":
		text := s.qrText
		if s.qrImage != "" {
			b, err := os.ReadFile(s.qrImage)
			if err != nil {
				return verify.Input{}, inputError(fmt.Errorf("--qr-image: %w", err))
			}
			d, err := qr.DecodeImage(b)
			if err != nil {
				if qr.IsNotFound(err) {
					return verify.Input{}, inputError(fmt.Errorf("--qr-image %s: no QR code found; take a sharper, closer photo", s.qrImage))
				}
				return verify.Input{}, inputError(fmt.Errorf("--qr-image %s: %w", s.qrImage, err))
			}
			text = d.Text
		}
		in, err := verify.ParseQRText(text)
		if err != nil {
			return in, inputError(fmt.Errorf("QR: %w", err))
		}
		return in, nil
	}
	if s.docNumber == "" || s.dob == "" || s.expiry == "" {
		return verify.Input{}, usageError(c, "--doc-number, --dob and --expiry go together")
	}
	// MRZ dates are YYMMDD (ICAO 9303-3 §4.6); a typo here would only
	// show up as "access denied" after a round trip to the card.
	for _, d := range []struct{ flag, v string }{{"--dob", s.dob}, {"--expiry", s.expiry}} {
		if _, err := time.Parse("060102", d.v); err != nil || len(d.v) != 6 {
			return verify.Input{}, usageError(c, "%s %q is not a date YYMMDD (e.g. 990518 for 18 May 1999)", d.flag, d.v)
		}
	}
	k := lds.Secret{DocumentNumber: strings.ToUpper(s.docNumber), DateOfBirth: s.dob, DateOfExpiry: s.expiry}
	if _, err := k.MRZInformation(); err != nil {
		return verify.Input{}, usageError(c, "%v", err)
	}
	return verify.Input{Secret: k, Kind: verify.KindMRZData}, nil
}

// describedError is an inspection error in the words of
// verify.DescribeError, which both the message and the --json object use.
type describedError struct {
	info  verify.ErrorInfo
	cause error
}

func (e *describedError) Error() string { return e.info.Message }
func (e *describedError) Unwrap() error { return e.cause }

// openError words a failure to open or read a chip: exit 3, nothing
// concluded; a wrong secret is said plainly.
func openError(err error) error {
	return ioError(&describedError{info: verify.DescribeError(err), cause: err})
}
