package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/citizen"
)

// idProblem is one finding in `cccd id check --json`.
type idProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// Kind is "malformed" (not 12 digits: an error everywhere) or
	// "mismatch" (the structure PPP G YY disagrees: a warning in
	// personalize and verify), the words of 'cccd qr parse'.
	Kind string `json:"kind"`
}

// idReport is the JSON object of `cccd id check --json` (stable names).
type idReport struct {
	Number       string            `json:"number"`
	Kind         string            `json:"kind"` // personal_id or old_id
	Valid        bool              `json:"valid"`
	Province     *citizen.Province `json:"province,omitempty"`
	CenturyDigit *int              `json:"century_digit,omitempty"`
	Century      string            `json:"century,omitempty"` // e.g. 1900-1999
	Sex          string            `json:"sex,omitempty"`     // M or F
	BirthYear    int               `json:"birth_year,omitempty"`
	Problems     []idProblem       `json:"problems"`
	// Verdict is "valid", "structure_mismatch" or "invalid".
	Verdict string `json:"verdict"`
}

func newIDCmd() *cobra.Command {
	idCmd := &cobra.Command{
		Use:   "id",
		Short: "Check Vietnamese personal ID numbers",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageError(c, "missing subcommand: use 'cccd id check NUMBER'")
		},
	}
	var dob, sex string
	var old, asJSON bool
	check := &cobra.Command{
		Use:   "check NUMBER",
		Short: "Check a 12-digit personal ID number (or an old 9-digit CMND number)",
		Long: `Check a 12-digit personal ID number (số định danh cá nhân) against its
structure PPP G YY NNNNNN and report what it encodes:

  PPP     province/city of birth registration (001-096; 101-295: abroad)
  G       century of birth and sex: 0/1 1900-1999, 2/3 2000-2099, ...
          8/9 2300-2399; even male, odd female
  YY      last two digits of the birth year
  NNNNNN  serial (its last six digits are the card's CAN: keep it private)

With --dob and --sex the digits must also agree with the date of birth and
sex. With --old the number is checked as an old People's Identity Card (CMND)
number instead: 9 digits (12-digit CMND numbers are accepted too).

Two kinds of finding, named as 'cccd qr parse' names them:

  INVALID             malformed: not 12 digits (not 9 with --old). An
                      error everywhere: personalize refuses the record,
                      verify fails consistency.id_structure.
  STRUCTURE MISMATCH  the digits disagree with the structure: an unknown
                      province code, or the century/sex digit or the birth
                      year against --dob and --sex. The structure comes
                      from a circular that expired on 1 July 2024, so
                      personalize and verify only warn about it; judging
                      the structure is this command's job, so here it
                      fails.

Exit codes: 0 valid, 1 invalid or structure mismatch (the reason is
printed), 2 bad usage (e.g. --dob not a date, --sex not Nam/Nữ/M/F).

Examples:
  cccd id check 001099012345
  cccd id check 079190012345 --dob 1990-08-15 --sex Nữ
  cccd id check 025123456 --old
  cccd id check 001099012345 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var d time.Time
			var s citizen.Sex
			var err error
			if dob != "" {
				if d, err = citizen.ParseDate("--dob", dob); err != nil {
					return usageError(c, "%v", err)
				}
			}
			if sex != "" {
				if s, err = citizen.ParseSex(sex); err != nil {
					return usageError(c, "--sex %q: use Nam, Nữ, M or F", sex)
				}
			}
			if old && (dob != "" || sex != "") {
				return usageError(c, "--old takes no --dob or --sex: an old CMND number encodes neither")
			}
			rep := checkID(args[0], d, s, old)
			out := c.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(rep); err != nil {
					return ioError(err)
				}
			} else {
				printIDReport(out, rep)
			}
			switch rep.Verdict {
			case "invalid":
				return failedError(errors.New("invalid ID number: " + rep.Problems[0].Message))
			case "structure_mismatch":
				return failedError(errors.New("ID number structure mismatch: " + rep.Problems[0].Message))
			}
			return nil
		},
	}
	check.Flags().StringVar(&dob, "dob", "", "date of birth YYYY-MM-DD the number must agree with")
	check.Flags().StringVar(&sex, "sex", "", "sex the number must agree with: Nam, Nữ, M or F")
	check.Flags().BoolVar(&old, "old", false, "check an old 9-digit CMND number instead")
	check.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	idCmd.AddCommand(check)
	return idCmd
}

func init() { register(newIDCmd()) }

func checkID(number string, dob time.Time, sex citizen.Sex, old bool) idReport {
	rep := idReport{Number: number, Kind: "personal_id", Problems: []idProblem{}}
	if old {
		rep.Kind = "old_id"
		if err := citizen.CheckOldID(number); err != nil {
			rep.Problems = append(rep.Problems, idProblem{Field: "old_id_number", Message: err.Error(), Kind: "malformed"})
		}
		rep.Valid = len(rep.Problems) == 0
		rep.Verdict = verdictOf(rep.Problems)
		return rep
	}
	id, chk := citizen.CheckID(number, dob, sex)
	for _, p := range chk.Problems {
		kind := "mismatch"
		if errors.Is(p, citizen.ErrIDFormat) {
			kind = "malformed"
		}
		rep.Problems = append(rep.Problems, idProblem{Field: p.Field, Message: p.Error(), Kind: kind})
	}
	rep.Valid = chk.OK()
	rep.Verdict = verdictOf(rep.Problems)
	if id.Number == "" {
		return rep
	}
	if id.KnownProvince {
		p := id.Province
		rep.Province = &p
	} else {
		rep.Province = &citizen.Province{Code: id.Province.Code}
	}
	g := id.CenturyDigit
	rep.CenturyDigit = &g
	first := 1900 + 100*(g/2)
	rep.Century = fmt.Sprintf("%d-%d", first, first+99)
	rep.Sex = id.Sex.MRZ()
	rep.BirthYear = id.BirthYear
	return rep
}

// verdictOf: invalid when a problem is malformed, else structure_mismatch
// when there is any, else valid.
func verdictOf(problems []idProblem) string {
	v := "valid"
	for _, p := range problems {
		if p.Kind == "malformed" {
			return "invalid"
		}
		v = "structure_mismatch"
	}
	return v
}

func printIDReport(w io.Writer, r idReport) {
	verdict := map[string]string{"valid": "valid", "invalid": "INVALID", "structure_mismatch": "STRUCTURE MISMATCH"}[r.Verdict]
	if r.Kind == "old_id" {
		fmt.Fprintf(w, "old ID number (CMND): %s\n", verdict)
	} else {
		fmt.Fprintf(w, "personal ID number: %s\n", verdict)
	}
	if r.Province != nil {
		name := r.Province.Name
		if name == "" {
			name = "unknown code"
		}
		fmt.Fprintf(w, "  province:   %s %s\n", r.Province.Code, name)
		sex := "male (Nam)"
		if r.Sex == "F" {
			sex = "female (Nữ)"
		}
		fmt.Fprintf(w, "  century:    %s (digit %d)\n", r.Century, *r.CenturyDigit)
		fmt.Fprintf(w, "  sex:        %s\n", sex)
		fmt.Fprintf(w, "  birth year: %d\n", r.BirthYear)
	}
	for _, p := range r.Problems {
		label := "problem:"
		if p.Kind == "mismatch" {
			label = "mismatch:"
		}
		fmt.Fprintf(w, "  %-11s %s\n", label, p.Message)
	}
	if r.Verdict == "structure_mismatch" {
		fmt.Fprintln(w, "  note:       personalize and verify only warn about a structure mismatch (its circular expired on 1 July 2024)")
	}
}
