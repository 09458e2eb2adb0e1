package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/qr"
)

func init() { register(newQRCmd()) }

func newQRCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "qr",
		Short: "Encode, decode and parse the QR code printed on the card",
		Long: `The QR code on the card body holds one line of UTF-8, fields separated by '|':

  ID number|old ID number|full name|date of birth ddmmyyyy|Nam/Nữ|place of residence|date of issue ddmmyyyy

Cards issued from 2024-07-01 (identity card, 2023 law) may add the date of
expiry and the place of birth registration; unknown trailing fields are kept.

Subcommands:
  encode   render a payload (from a citizen record or a text) to PNG, SVG or the terminal
  decode   read the QR code from photos or scans (PNG, JPEG)
  parse    check a payload and show its fields`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageError(c, "missing subcommand: encode, decode or parse")
		},
	}
	cmd.AddCommand(newQREncodeCmd(), newQRDecodeCmd(), newQRParseCmd())
	return cmd
}

func newQREncodeCmd() *cobra.Command {
	var record, text, out, level, layout string
	var size, quiet int
	c := &cobra.Command{
		Use:   "encode (--record FILE.json | --text T) [--out FILE.png|FILE.svg|-]",
		Short: "Render a card QR payload to PNG, SVG or the terminal",
		Long: `Render the QR payload of a citizen record (or a given text) as the card body
printer takes it: byte mode, UTF-8 with diacritics intact, no ECI.

--record FILE.json (or - for standard input) is one JSON object, a citizen
record; dates are "YYYY-MM-DD", text is UTF-8:

  id_number            12-digit personal ID number          (required)
  old_id_number        old 9-digit CMND number, may be empty
  full_name            full name with diacritics             (required)
  date_of_birth        YYYY-MM-DD                            (required)
  sex                  Nam / Nữ (or M / F)                    (required)
  place_of_residence   nơi thường trú
  date_of_issue        YYYY-MM-DD                            (required here)
  cancelled_id_numbers 12-digit numbers, comma-separated (2024 card)
  father_name, mother_name
                       in the 2024 card's QR for a child (under 14)
  date_of_expiry, nationality, ethnicity, religion, place_of_origin,
  identifying_features, spouse_name, photo, can, dg13_field16
                       accepted (the personalization record), not in the QR

The layout follows the date of issue: a card issued from 2024-07-01 is the
"Căn cước" card, whose QR adds the cancelled ID numbers and, for a child,
the parents' names after the seven 2021 fields (the order is assumed: the
circular does not publish it). --layout 2021|2024 asks for one and fails
when the date of issue says otherwise.
Unknown JSON fields are an error (a typo would otherwise drop data). An ID
number whose structure disagrees with the date of birth or sex is printed
as a warning on stderr and encoded anyway.

--text T encodes T as it is (a warning if it is not a CCCD payload).

--out FILE.png or FILE.svg writes the image; --out - (the default) draws the
code on the terminal with half blocks (for a dark background).
--size is the image width in pixels (default: 8 px per module), --level the
error correction L, M, Q or H (default M), --quiet-zone the white border in
modules (default 4, the minimum of ISO/IEC 18004; 0 for none).

Exit codes: 0 written, 2 bad record/text or usage, 3 cannot write the file.

Examples:
  cccd qr encode --record citizen.json --out card-qr.png --size 600
  cccd qr encode --record citizen.json --out card-qr.svg --level Q
  cccd qr encode --text '001099012345||Nguyễn Văn A|18051999|Nam|Hà Nội|01032021'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if (record == "") == (text == "") {
				return usageError(c, "give exactly one of --record FILE.json or --text T")
			}
			lvl, err := qr.ParseLevel(level)
			if err != nil {
				return usageError(c, "--level: %v", err)
			}
			if size < 0 {
				return usageError(c, "--size must be positive")
			}
			if quiet < 0 {
				return usageError(c, "--quiet-zone must be 0 or more")
			}
			opt := qr.Options{Level: lvl, Size: size, QuietZone: quiet}
			if quiet == 0 {
				opt.QuietZone = -1
			}
			payload := text
			if layout != "" && layout != "2021" && layout != "2024" {
				return usageError(c, "--layout must be 2021 or 2024")
			}
			if record != "" {
				if payload, err = payloadOfRecord(c, record, layout); err != nil {
					return err
				}
			} else if p, err := qr.Parse(text); err != nil {
				fmt.Fprintf(c.ErrOrStderr(), "warning: the text is not a CCCD payload: %v\n", err)
			} else if chk := p.Check(); len(chk.Problems) > 0 {
				fmt.Fprintf(c.ErrOrStderr(), "warning: %v\n", chk)
			}
			var data []byte
			switch ext := strings.ToLower(filepath.Ext(out)); {
			case out == "-":
				s, err := qr.Terminal(payload, opt)
				if err != nil {
					return inputError(err)
				}
				_, err = io.WriteString(c.OutOrStdout(), s)
				return ioErrorOrNil(err)
			case ext == ".png":
				data, err = qr.PNG(payload, opt)
			case ext == ".svg":
				data, err = qr.SVG(payload, opt)
			default:
				return usageError(c, "--out %q: give a .png or .svg file, or - for the terminal", out)
			}
			if err != nil {
				if errors.Is(err, qr.ErrTooSmall) {
					return usageError(c, "--size: %v", err)
				}
				return inputError(err)
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return ioError(err)
			}
			m, _ := qr.Encode(payload, opt)
			fmt.Fprintf(c.OutOrStdout(), "wrote %s: %d×%d modules, level %v, %d bytes of payload\n",
				out, m.Modules(), m.Modules(), lvl, len(payload))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&record, "record", "", "citizen record JSON file (- for stdin)")
	f.StringVar(&text, "text", "", "payload text to encode as it is")
	f.StringVar(&out, "out", "-", "output FILE.png, FILE.svg, or - for the terminal")
	f.IntVar(&size, "size", 0, "image width in pixels (default 8 px per module)")
	f.StringVar(&level, "level", "M", "error correction level: L, M, Q or H")
	f.IntVar(&quiet, "quiet-zone", qr.DefaultQuietZone, "white border in modules")
	f.StringVar(&layout, "layout", "", "2021 or 2024 (default: from the record's date of issue)")
	return c
}

func ioErrorOrNil(err error) error {
	if err != nil {
		return ioError(err)
	}
	return nil
}

// payloadOfRecord reads a citizen record and builds its payload, printing
// ID structure warnings to stderr.
func payloadOfRecord(c *cobra.Command, path, layout string) (string, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(c.InOrStdin())
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return "", ioError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r citizen.Record
	if err := dec.Decode(&r); err != nil {
		return "", inputError(fmt.Errorf("%s: not a citizen record: %v", path, err))
	}
	_, warnings := r.Validate()
	for _, w := range warnings.Problems {
		fmt.Fprintf(c.ErrOrStderr(), "warning: %s: %v\n", path, w)
	}
	p, err := qr.FromRecord(r)
	if err != nil {
		return "", inputError(fmt.Errorf("%s: %w", path, err))
	}
	if layout != "" && p.Layout.String() != layout {
		return "", inputError(fmt.Errorf("%s: --layout %s: the date of issue %s gives the %v layout (the 2024 card is issued from 2024-07-01)", path, layout, r.DateOfIssue, p.Layout))
	}
	return p.Build()
}

// qrProblem is one finding in the JSON of qr decode / qr parse.
type qrProblem struct {
	Index   int    `json:"index"` // 1-based field position; 0 for the whole payload
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
	Kind    string `json:"kind"` // malformed, mismatch, encoding, field_count
}

func problemsOf(err error) []qrProblem {
	out := []qrProblem{}
	if err == nil {
		return out
	}
	var perr *qr.Error
	if errors.As(err, &perr) {
		for _, p := range perr.Problems {
			kind := "malformed"
			if errors.Is(p, qr.ErrMismatch) {
				kind = "mismatch"
			}
			out = append(out, qrProblem{Index: p.Index, Name: p.Name, Message: p.Error(), Kind: kind})
		}
		return out
	}
	kind := "malformed"
	switch {
	case errors.Is(err, qr.ErrEncoding):
		kind = "encoding"
	case errors.Is(err, qr.ErrFieldCount):
		kind = "field_count"
	}
	return append(out, qrProblem{Message: err.Error(), Kind: kind})
}

// parseReport is the JSON of `cccd qr parse --json`, and the payload part of
// `cccd qr decode --json`.
type parseReport struct {
	Valid    bool        `json:"valid"`
	Payload  *qr.Payload `json:"payload,omitempty"`
	Problems []qrProblem `json:"problems"`
}

func parseText(text string) (parseReport, int) {
	p, err := qr.Parse(text)
	if err != nil {
		return parseReport{Payload: p, Problems: problemsOf(err)}, ExitUsage
	}
	err = p.Validate()
	rep := parseReport{Valid: err == nil, Payload: p, Problems: problemsOf(err)}
	if err != nil {
		return rep, ExitFailed
	}
	return rep, ExitOK
}

func newQRParseCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "parse TEXT",
		Short: "Check a card QR payload and show its fields",
		Long: `Parse a card QR payload (TEXT, or - to read it from standard input) and
check it: field count, real dates, ID number of 12 digits agreeing with the
date of birth and sex (century/sex digit, birth year, province code), sex
Nam/Nữ, valid UTF-8. Every problem names the field by position and meaning.

Exit codes: 0 valid; 1 well formed but the fields disagree (e.g. the ID
number says female, the sex field Nam: the payload is not what it claims);
2 malformed payload (too few fields, not a date, not UTF-8) or bad usage.

Examples:
  cccd qr parse '079190012345|025123456|Nguyễn Thị Thu Hà|15081990|Nữ|123 Lê Lợi, Quận 1, TP Hồ Chí Minh|20042021'
  zbarimg -q --raw -Sbinary card.jpg | cccd qr parse - --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			text := args[0]
			if text == "-" {
				b, err := io.ReadAll(c.InOrStdin())
				if err != nil {
					return ioError(err)
				}
				text = string(b)
			}
			rep, code := parseText(text)
			if err := printParse(c.OutOrStdout(), rep, asJSON, ""); err != nil {
				return ioError(err)
			}
			switch code {
			case ExitUsage:
				return inputError(errors.New("malformed QR payload: " + rep.Problems[0].Message))
			case ExitFailed:
				return failedError(errors.New("QR payload fields disagree: " + rep.Problems[0].Message))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func printParse(w io.Writer, rep parseReport, asJSON bool, prefix string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	if p := rep.Payload; p != nil {
		rows := [][2]string{
			{"layout", p.Layout.String()}, {"id_number", p.IDNumber}, {"old_id_number", p.OldIDNumber},
			{"full_name", p.FullName}, {"date_of_birth", p.DateOfBirth}, {"sex", p.Sex},
			{"place_of_residence", p.PlaceOfResidence}, {"date_of_issue", p.DateOfIssue},
		}
		if len(p.CancelledIDNumbers) > 0 {
			rows = append(rows, [2]string{"cancelled_id_numbers", strings.Join(p.CancelledIDNumbers, ", ")})
		}
		switch len(p.ParentNames) {
		case 0:
		case 2:
			rows = append(rows, [2]string{"father_name", p.ParentNames[0]}, [2]string{"mother_name", p.ParentNames[1]})
		default:
			rows = append(rows, [2]string{"parent_names", strings.Join(p.ParentNames, "; ")})
		}
		for i, x := range p.Extra {
			rows = append(rows, [2]string{fmt.Sprintf("extra field %d", i+1), x})
		}
		for _, r := range rows {
			if _, err := fmt.Fprintf(w, "%s%-28s %s\n", prefix, r[0]+":", r[1]); err != nil {
				return err
			}
		}
	}
	for _, p := range rep.Problems {
		if _, err := fmt.Fprintf(w, "%sproblem: %s\n", prefix, p.Message); err != nil {
			return err
		}
	}
	return nil
}

// decodeReport is one line of `cccd qr decode --json`.
type decodeReport struct {
	File   string       `json:"file"`
	Found  bool         `json:"found"`
	Text   string       `json:"text,omitempty"`
	Pass   string       `json:"pass,omitempty"`
	Error  string       `json:"error,omitempty"`
	Parsed *parseReport `json:"parsed,omitempty"`
}

func newQRDecodeCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "decode IMAGE...",
		Short: "Read the QR code from card photos or scans",
		Long: `Find and read the QR code in each IMAGE (PNG or JPEG: a scan, a photo with
the card at any angle, the code small, blurred, low contrast or among other
things). The payload is read as UTF-8, so Vietnamese names keep their
diacritics, and then parsed as a card payload (problems are listed, and do
not change the exit code: use 'cccd qr parse' to judge a payload).

Output: for each image the payload text and its fields; with --json one JSON
object per image and line: file, found, text, pass (the decoding pass that
found it), error, parsed {valid, payload, problems}.

Exit codes (the highest one over all images):
  0  every image decoded
  2  an image is not a PNG/JPEG file, or its code is not UTF-8 (not a card QR)
  3  an image cannot be read, or no QR code was found in it (nothing was
     concluded: take a sharper picture with the whole code and its border)

Examples:
  cccd qr decode card-back.jpg
  cccd qr decode scans/*.png --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			worst := ExitOK
			var firstErr error
			for _, path := range args {
				rep, code, err := decodeOne(path)
				if code > worst {
					worst, firstErr = code, err
				}
				if err := printDecode(c.OutOrStdout(), rep, asJSON); err != nil {
					return ioError(err)
				}
			}
			if worst != ExitOK {
				if len(args) > 1 {
					firstErr = fmt.Errorf("not every image decoded; %w", firstErr)
				}
				return withCode(worst, firstErr)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per image")
	return c
}

func decodeOne(path string) (decodeReport, int, error) {
	rep := decodeReport{File: path}
	data, err := os.ReadFile(path)
	if err != nil {
		rep.Error = err.Error()
		return rep, ExitIOFailed, err
	}
	d, err := qr.DecodeImage(data)
	if err != nil {
		err = fmt.Errorf("%s: %w", path, err)
		rep.Error = err.Error()
		if errors.Is(err, qr.ErrNotFound) {
			return rep, ExitIOFailed, err
		}
		return rep, ExitUsage, err
	}
	rep.Found, rep.Text, rep.Pass = true, d.Text, d.Pass
	parsed, _ := parseText(d.Text)
	rep.Parsed = &parsed
	return rep, ExitOK, nil
}

func printDecode(w io.Writer, rep decodeReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	if !rep.Found {
		_, err := fmt.Fprintf(w, "%s: %s\n", rep.File, strings.TrimPrefix(rep.Error, rep.File+": "))
		return err
	}
	if _, err := fmt.Fprintf(w, "%s: %s\n", rep.File, rep.Text); err != nil {
		return err
	}
	return printParse(w, *rep.Parsed, false, "  ")
}
