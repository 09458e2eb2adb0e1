package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/qr"
	"github.com/cccd-vn/cccd/verify"
)

// secretFlags are the ways a clerk opens a chip, shared by read and verify.
type secretFlags struct {
	mrz, docNumber, dob, expiry, can, qrText, qrImage string
}

const secretHelp = `Open the chip with one of:
  --mrz MRZ                      the full MRZ (TD1: 3 lines of 30, newlines or
                                 spaces between lines are fine)
  --doc-number N --dob YYMMDD --expiry YYMMDD
                                 the MRZ fields BAC needs
  --can CAN                      the 6-digit card access number (PACE); on the
                                 2021 CCCD, the last 6 digits of the ID number
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
}

// input turns the flags into a verify.Input; errors are bad usage.
func (s *secretFlags) input(c *cobra.Command) (verify.Input, error) {
	n := 0
	for _, v := range []string{s.mrz, s.docNumber + s.dob + s.expiry, s.can, s.qrText, s.qrImage} {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return verify.Input{}, usageError(c, "a secret is needed to open the chip: --mrz, --doc-number/--dob/--expiry, --can, --qr-text or --qr-image")
	}
	if n > 1 {
		return verify.Input{}, usageError(c, "give only one of --mrz, --doc-number/--dob/--expiry, --can, --qr-text, --qr-image")
	}
	switch {
	case s.mrz != "":
		text := strings.Join(strings.Fields(s.mrz), "\n")
		sec, err := verify.InputFromMRZText(text)
		if err != nil {
			return sec, inputError(fmt.Errorf("--mrz: %w", err))
		}
		return sec, nil
	case s.can != "":
		if err := lds.CheckCAN(s.can); err != nil {
			return verify.Input{}, usageError(c, "--can: %v", err)
		}
		return verify.Input{Secret: lds.Secret{CAN: s.can}}, nil
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
		p, err := qr.Parse(text)
		if err != nil {
			return verify.Input{}, inputError(fmt.Errorf("QR: %w", err))
		}
		sec, err := verify.InputFromQR(p)
		if err != nil {
			return verify.Input{}, inputError(fmt.Errorf("QR: %w", err))
		}
		return sec, nil
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
	return verify.Input{Secret: k}, nil
}

// openError words a failure to open or read a chip: exit 3, nothing
// concluded; a wrong secret is said plainly.
func openError(err error) error {
	if errors.Is(err, chip.ErrAccessDenied) {
		return ioError(chip.ErrAccessDenied)
	}
	msg := strings.TrimPrefix(err.Error(), verify.ErrNoConclusion.Error()+": ")
	switch {
	case errors.Is(err, apdu.ErrTimeout):
		return ioError(fmt.Errorf("nothing concluded: the card stopped answering (time budget): put the card back and try again (%s)", msg))
	case errors.Is(err, apdu.ErrBudget), errors.Is(err, apdu.ErrResponseTooLong):
		return ioError(fmt.Errorf("nothing concluded: the card answers beyond what any genuine card needs: %s", msg))
	}
	return ioError(fmt.Errorf("nothing concluded: card removed or reader problem — put the card back and try again (%s)", msg))
}
