package personalize

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/citizen"
)

// MaxPhotoSize is the largest face image the chip's DG2 takes here.
const MaxPhotoSize = 100 * 1024

// Problem is one thing wrong with a record: its line, the field (JSON
// name) and why. Warnings do not stop the record.
type Problem struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Reason  string `json:"reason"`
	Warning bool   `json:"warning,omitempty"`
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	if p.Field == "" {
		return fmt.Sprintf("line %d: %s: %s", p.Line, kind, p.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s: %s", p.Line, kind, p.Field, p.Reason)
}

// Validator checks records one by one, remembering ID numbers to catch
// duplicates (8 bytes per record: a million lines take 8 MB).
type Validator struct {
	// BaseDir resolves relative photo paths (the input file's directory).
	BaseDir string
	// Done reports ID numbers the journal has on a locked card already.
	Done func(id string) bool
	seen map[uint64]int
}

// Check validates one input and returns its problems (none: good to go).
func (v *Validator) Check(in Input) []Problem {
	if v.seen == nil {
		v.seen = map[uint64]int{}
	}
	var out []Problem
	add := func(field, reason string, warn bool) {
		out = append(out, Problem{Line: in.Line, Field: field, Reason: reason, Warning: warn})
	}
	if in.Err != nil {
		add("", in.Err.Error(), false)
		return out
	}
	r := in.Record
	errs, warns := r.Validate()
	for _, p := range errs.Problems {
		add(p.Field, p.Reason, false)
	}
	for _, p := range warns.Problems {
		add(p.Field, p.Reason, true)
	}
	if id, err := strconv.ParseUint(r.IDNumber, 10, 64); err == nil && len(r.IDNumber) == 12 {
		if first, dup := v.seen[id]; dup {
			add("id_number", fmt.Sprintf("duplicate: the same ID number is on line %d", first), false)
		} else {
			v.seen[id] = in.Line
		}
		if v.Done != nil && v.Done(r.IDNumber) {
			add("id_number", "already personalized onto a locked card (see the journal)", false)
		}
	}
	if len(errs.Problems) == 0 {
		// The MRZ must be representable: transliteration, field widths.
		if _, err := chip.NewCCCDData(r); err != nil {
			var fe *citizen.FieldError
			if errors.As(err, &fe) {
				add(fe.Field, fe.Reason, false)
			} else {
				add("full_name", "cannot be written in the MRZ: "+err.Error(), false)
			}
		}
	}
	if r.Photo == "" {
		add("photo", "missing: every card needs the holder's face image", false)
	} else if _, err := v.LoadPhoto(r.Photo); err != nil {
		add("photo", err.Error(), false)
	}
	return out
}

// LoadPhoto reads a record's photo and checks that the chip can carry it.
func (v *Validator) LoadPhoto(path string) ([]byte, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(v.BaseDir, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("file %s does not exist", path)
		}
		return nil, err
	}
	if st.Size() > MaxPhotoSize {
		return nil, fmt.Errorf("%s is %d KB; the chip takes at most %d KB", path, st.Size()/1024, MaxPhotoSize/1024)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := chip.NewFaceImageFromPhoto(b, 0); err != nil {
		return nil, fmt.Errorf("%s is not a decodable JPEG or JPEG 2000 image: %v", path, err)
	}
	return b, nil
}
