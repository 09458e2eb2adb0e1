package personalize

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/cccd-vn/cccd/citizen"
)

// Format of an input file.
type Format string

const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
)

// FormatOf picks the format from a file name's extension.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		return JSONL, nil
	case ".csv":
		return CSV, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format from the extension; use .jsonl or .csv, or --format", path)
}

// Input is one record of the batch with its line number (1-based; for
// CSV the header is line 1). Err is set when the line does not even parse.
type Input struct {
	Line   int
	Record citizen.Record
	Err    error
}

// csvColumns are the CSV header names: the JSON names of citizen.Record's
// text fields (a list, such as fingerprints, has no column).
var csvColumns = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeOf(citizen.Record{})
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Type.Kind() != reflect.String {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

// ErrHeader reports a CSV header that cannot be used; the whole file is
// refused (every line would be misread).
var ErrHeader = errors.New("CSV header")

// ReadRecords streams the records of r to fn, one at a time: memory stays
// flat whatever the file size. A line that does not parse is passed with
// Err set and reading goes on; fn's error stops the reading. A file that is
// not UTF-8 is refused whole with an *EncodingError (every name in it
// would be wrong). Each record comes out normalised (normalize).
func ReadRecords(r io.Reader, f Format, fn func(Input) error) error {
	u := newUTF8Reader(r)
	norm := func(in Input) error {
		if in.Err == nil {
			normalize(&in.Record)
		}
		return fn(in)
	}
	var err error
	if f == CSV {
		err = readCSV(u, norm)
	} else {
		err = readJSONL(u, norm)
	}
	if u.err != nil {
		// The reader's own error explains any parse error it caused.
		return u.err
	}
	return err
}

func readJSONL(r io.Reader, fn func(Input) error) error {
	br := bufio.NewReaderSize(r, 64*1024)
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			if in, ok := parseJSONLine(line, b); ok {
				if ferr := fn(in); ferr != nil {
					return ferr
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func parseJSONLine(line int, b []byte) (Input, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return Input{}, false
	}
	in := Input{Line: line}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.Record); err != nil {
		in.Err = fmt.Errorf("not a JSON citizen record: %v", jsonReason(err))
	} else if dec.More() {
		in.Err = errors.New("not a JSON citizen record: more than one object on the line")
	}
	return in, true
}

// jsonReason says what is wrong with a line without quoting its content
// (a syntax error's message names the offending character only).
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be a %s", te.Field, te.Type)
	}
	return err.Error()
}

func readCSV(r io.Reader, fn func(Input) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("%w: the file is empty", ErrHeader)
		}
		return fmt.Errorf("%w: cannot read line 1: %v", ErrHeader, csvReason(err))
	}
	header = append([]string(nil), header...) // ReuseRecord reuses it
	cols := make([]int, len(header))
	have := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		idx, ok := csvColumns[h]
		if !ok {
			return fmt.Errorf("%w: line 1, column %d: unknown column %q (columns are the JSON field names, e.g. id_number, full_name, date_of_birth)", ErrHeader, i+1, h)
		}
		if have[h] {
			return fmt.Errorf("%w: line 1: column %q appears twice", ErrHeader, h)
		}
		have[h] = true
		cols[i] = idx
	}
	for _, req := range []string{"id_number", "full_name", "date_of_birth", "sex", "photo"} {
		if !have[req] {
			return fmt.Errorf("%w: line 1: the required column %q is missing", ErrHeader, req)
		}
	}
	lastBad := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var in Input
		switch {
		case err != nil:
			// FieldPos is only defined for a record Read returned: after
			// a syntax error the line comes from the error itself.
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return err // the file could not be read: stop
			}
			in.Line, in.Err = pe.StartLine, fmt.Errorf("CSV syntax: %v", csvReason(err))
			if pe.Err == csv.ErrFieldCount && len(rec) > 0 {
				in.Err = fmt.Errorf("%d columns, the header has %d", len(rec), len(header))
			}
			if in.Line == lastBad {
				return fmt.Errorf("line %d: %v", in.Line, in.Err) // no progress: stop
			}
			lastBad = in.Line
		case len(rec) != len(header):
			in.Line, _ = cr.FieldPos(0)
			in.Err = fmt.Errorf("%d columns, the header has %d", len(rec), len(header))
		default:
			in.Line, _ = cr.FieldPos(0)
			v := reflect.ValueOf(&in.Record).Elem()
			for i, val := range rec {
				v.Field(cols[i]).SetString(strings.TrimSpace(val))
			}
		}
		if ferr := fn(in); ferr != nil {
			return ferr
		}
	}
}

// csvReason is a CSV parse error without the file name and line (the
// caller gives the line), never quoting the field.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%v (column %d)", pe.Err, pe.Column)
	}
	return err.Error()
}

// dmy is a date written day/month/year, as Vietnamese forms write it.
var dmy = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)

// normalize puts a record's text in the one form the card takes: every
// field NFC (text typed on a Mac or copied from a PDF often comes
// decomposed, and DG13, the QR code and the MRZ transliteration must not
// depend on it; "Nữ" in NFD is then the sex it spells), and dates given
// as dd/mm/yyyy rewritten as YYYY-MM-DD. A date that is not a real one
// stays for validation to refuse.
func normalize(r *citizen.Record) {
	v := reflect.ValueOf(r).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.String {
			f.SetString(strings.TrimSpace(norm.NFC.String(f.String())))
		}
	}
	for _, d := range []*string{&r.DateOfBirth, &r.DateOfIssue, &r.DateOfExpiry} {
		if m := dmy.FindStringSubmatch(*d); m != nil {
			*d = m[3] + "-" + pad2(m[2]) + "-" + pad2(m[1])
		}
	}
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}
