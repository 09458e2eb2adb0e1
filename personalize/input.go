// Package personalize turns batches of citizen records into personalized,
// locked chips: validate every record first, build and sign each card's
// data, write it with the personalization commands, read it back as a
// counter would, lock it, and journal every step in SQLite so that a crash
// at any moment leaves each record in one known state.
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
	"strings"
	"unicode/utf8"

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

// csvColumns are the CSV header names: the JSON names of citizen.Record.
var csvColumns = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeOf(citizen.Record{})
	for i := 0; i < t.NumField(); i++ {
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
// Err set and reading goes on; fn's error stops the reading.
func ReadRecords(r io.Reader, f Format, fn func(Input) error) error {
	if f == CSV {
		return readCSV(r, fn)
	}
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
	if !utf8.Valid(b) {
		in.Err = errors.New("the line is not valid UTF-8 (save the file as UTF-8)")
		return in, true
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.Record); err != nil {
		in.Err = fmt.Errorf("not a JSON citizen record: %v", err)
	}
	return in, true
}

func readCSV(r io.Reader, fn func(Input) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%w: cannot read line 1: %v", ErrHeader, err)
	}
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
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		in := Input{Line: line}
		switch {
		case err != nil:
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err != csv.ErrFieldCount {
				in.Line, in.Err = pe.Line, fmt.Errorf("CSV syntax: %v", pe.Err)
			} else {
				in.Err = err
			}
		case len(rec) != len(header):
			in.Err = fmt.Errorf("%d columns, the header has %d", len(rec), len(header))
		default:
			v := reflect.ValueOf(&in.Record).Elem()
			for i, val := range rec {
				if !utf8.ValidString(val) {
					in.Err = fmt.Errorf("column %q is not valid UTF-8 (save the file as UTF-8)", header[i])
					break
				}
				v.Field(cols[i]).SetString(strings.TrimSpace(val))
			}
		}
		if ferr := fn(in); ferr != nil {
			return ferr
		}
	}
}
