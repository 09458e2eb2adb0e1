package personalize

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
)

// MaxPhotoSize is the largest face image the chip's DG2 takes here.
const MaxPhotoSize = 100 * 1024

// photoHeaderBytes is how much of a photo validation reads: enough for the
// JPEG frame header or the JPEG 2000 image header of any real photo.
const photoHeaderBytes = 64 * 1024

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
// duplicates (8 bytes per record outside the Go heap: a million lines take
// 8 MB; see idLog). Duplicates are known when the whole file has been
// checked: Duplicates reports them.
type Validator struct {
	// BaseDir resolves relative photo paths (the input file's directory).
	BaseDir string
	// Done reports ID numbers the journal has on a locked card already.
	Done func(id string) (bool, error)
	// done is the journal's set of ID numbers on locked cards, loaded
	// once (SetDone); it replaces a lookup per record.
	done *idSet
	ids  idLog
	// Now is the day the cards are made (time.Now when zero): a card
	// whose expiry is not after it would leave the factory expired.
	Now time.Time
	// AllowExpired makes an expired-on-issue card a warning.
	AllowExpired bool
	// err is the first journal error of Done: validation cannot say
	// what is done, so the batch stops.
	err error
}

// Check validates one input and returns its problems and, when none is an
// error, the validated holder. The photo is checked from its header.
func (v *Validator) Check(in Input) (*citizen.Holder, []Problem) {
	var out []Problem
	add := func(field, reason string, warn bool) {
		out = append(out, Problem{Line: in.Line, Field: field, Reason: reason, Warning: warn})
	}
	if in.Err != nil {
		add("", in.Err.Error(), false)
		return nil, out
	}
	r := in.Record
	h, errs, warns := citizen.NewHolder(r)
	for _, p := range errs.Problems {
		add(p.Field, p.Reason, false)
	}
	for _, p := range warns.Problems {
		add(p.Field, p.Reason, true)
	}
	if id, err := strconv.ParseUint(r.IDNumber, 10, 64); err == nil && len(r.IDNumber) == 12 {
		if err := v.ids.add(id, in.Line); err != nil {
			add("", err.Error(), false)
			h = nil
		}
		if v.done != nil {
			if v.done.contains(id) {
				add("id_number", "already personalized onto a locked card (see the journal)", false)
				h = nil
			}
		} else if v.Done != nil {
			done, err := v.Done(r.IDNumber)
			if err != nil && v.err == nil {
				v.err = err
			}
			if done {
				add("id_number", "already personalized onto a locked card (see the journal)", false)
				h = nil
			}
		}
	}
	if h != nil && !h.Expiry.Lifetime {
		now := v.Now
		if now.IsZero() {
			now = time.Now()
		}
		// The expiry is a date; the card is valid through it.
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		if h.Expiry.Date.Before(today) {
			field := "date_of_expiry"
			if r.DateOfExpiry == "" {
				field = "date_of_issue"
			}
			if v.AllowExpired {
				add(field, "the card is already expired on the day it is made (allowed by --allow-expired)", true)
			} else {
				add(field, "the card would be expired on the day it is made (its expiry is past; check date_of_issue and date_of_expiry, or pass --allow-expired)", false)
				h = nil
			}
		}
	}
	if h != nil {
		// The MRZ must be representable: transliteration, field widths
		// (DG13 takes any UTF-8 the holder passed with).
		if _, err := lds.NewCCCDMRZFor(h); err != nil {
			var fe *citizen.FieldError
			if errors.As(err, &fe) {
				add(fe.Field, fe.Reason, false)
			} else {
				add("full_name", "cannot be written in the MRZ: "+err.Error(), false)
			}
			h = nil
		}
	}
	if r.Photo == "" {
		add("photo", "missing: every card needs the holder's face image", false)
		h = nil
	} else if err := v.CheckPhoto(r.Photo); err != nil {
		add("photo", err.Error(), false)
		h = nil
	}
	if err := v.CheckFingerprints(r.Fingerprints); err != nil {
		add("fingerprints", err.Error(), false)
		h = nil
	}
	return h, out
}

// Fingerprint limits: one image and all of them, so that DG3 stays well
// under what a reader takes from a file (chip.MaxFileSize).
const (
	MaxFingerprintSize   = 100 * 1024
	MaxFingerprintsTotal = 400 * 1024
)

// CheckFingerprints checks a record's finger images from their headers:
// at most ten, each finger once, each a regular PNG or JPEG 2000 file
// under the size caps.
func (v *Validator) CheckFingerprints(fps []citizen.Fingerprint) error {
	_, err := v.fingerprints(fps, false)
	return err
}

// LoadFingerprints reads a record's finger images for DG3.
func (v *Validator) LoadFingerprints(fps []citizen.Fingerprint) ([]lds.FingerInput, error) {
	return v.fingerprints(fps, true)
}

func (v *Validator) fingerprints(fps []citizen.Fingerprint, load bool) ([]lds.FingerInput, error) {
	if len(fps) > 10 {
		return nil, fmt.Errorf("%d images: a holder has ten fingers", len(fps))
	}
	seen := map[byte]bool{}
	var out []lds.FingerInput
	total := int64(0)
	for i, fp := range fps {
		pos, err := lds.ParseFingerPosition(fp.Finger)
		if err != nil {
			return nil, fmt.Errorf("[%d].finger: %v", i, err)
		}
		if seen[pos] {
			return nil, fmt.Errorf("[%d].finger: %s is given twice", i, lds.FingerPositionName(pos))
		}
		seen[pos] = true
		if strings.TrimSpace(fp.Image) == "" {
			return nil, fmt.Errorf("[%d].image: missing (the %s image file)", i, lds.FingerPositionName(pos))
		}
		path := v.photoPath(strings.TrimSpace(fp.Image))
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("[%d].image: file %s does not exist", i, path)
		case err != nil:
			return nil, fmt.Errorf("[%d].image: %v", i, err)
		case !st.Mode().IsRegular():
			return nil, fmt.Errorf("[%d].image: %s is not a regular file", i, path)
		case st.Size() > MaxFingerprintSize:
			return nil, fmt.Errorf("[%d].image: %s is %d KB; a finger image takes at most %d KB", i, path, st.Size()/1024, MaxFingerprintSize/1024)
		}
		if total += st.Size(); total > MaxFingerprintsTotal {
			return nil, fmt.Errorf("the finger images make %d KB; DG3 takes at most %d KB", total/1024, MaxFingerprintsTotal/1024)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("[%d].image: %v", i, err)
		}
		limit := int64(photoHeaderBytes)
		if load {
			limit = MaxFingerprintSize + 1
		}
		b, err := io.ReadAll(io.LimitReader(f, limit))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("[%d].image: %v", i, err)
		}
		if len(b) > MaxFingerprintSize {
			return nil, fmt.Errorf("[%d].image: %s grew past %d KB while read", i, path, MaxFingerprintSize/1024)
		}
		if _, _, _, err := lds.FingerImageSize(b); err != nil {
			return nil, fmt.Errorf("[%d].image: %s: %v", i, path, err)
		}
		out = append(out, lds.FingerInput{Position: pos, Image: b})
	}
	return out, nil
}

func (v *Validator) photoPath(path string) string {
	if !filepath.IsAbs(path) {
		return filepath.Join(v.BaseDir, path)
	}
	return path
}

// openPhoto opens a photo that must be a regular file under the size cap
// (a device or a FIFO would never end).
func (v *Validator) openPhoto(path string) (*os.File, int64, error) {
	path = v.photoPath(path)
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, fmt.Errorf("file %s does not exist", path)
		}
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > MaxPhotoSize {
		return nil, 0, fmt.Errorf("%s is %d KB; the chip takes at most %d KB", path, st.Size()/1024, MaxPhotoSize/1024)
	}
	f, err := os.Open(path)
	return f, st.Size(), err
}

// SetDone gives the ID numbers the journal has on locked cards, once.
func (v *Validator) SetDone(ids []uint64) error {
	set, err := newIDSet(ids)
	if err != nil {
		return err
	}
	v.done = set
	return nil
}

// Duplicates reports, once every record was checked, each line whose ID
// number an earlier line has, with that line; the memory is then given
// back.
func (v *Validator) Duplicates() []Problem {
	var out []Problem
	v.ids.duplicates(func(line, first int) {
		out = append(out, Problem{Line: line, Field: "id_number", Reason: fmt.Sprintf("duplicate: the same ID number is on line %d", first)})
	})
	v.ids.free()
	if v.done != nil {
		v.done.free()
	}
	slices.SortFunc(out, func(a, b Problem) int { return a.Line - b.Line })
	return out
}

// CheckPhoto checks a record's photo from its header: a regular file under
// the size cap whose JPEG or JPEG 2000 header gives its size.
func (v *Validator) CheckPhoto(path string) error {
	f, size, err := v.openPhoto(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// The frame header of a JPEG is within its first kilobytes unless
	// large metadata precede it: read 4 KB, then up to 64 KB, then all.
	head, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return err
	}
	_, _, err = lds.PhotoSize(head)
	if err != nil && size > 4096 {
		more, rerr := io.ReadAll(io.LimitReader(f, photoHeaderBytes-4096))
		if rerr != nil {
			return rerr
		}
		head = append(head, more...)
		_, _, err = lds.PhotoSize(head)
	}
	if err != nil && size > photoHeaderBytes {
		// Large metadata before the frame header: read the rest.
		rest, rerr := io.ReadAll(io.LimitReader(f, size))
		if rerr != nil {
			return rerr
		}
		_, _, err = lds.PhotoSize(append(head, rest...))
	}
	if err != nil {
		return fmt.Errorf("%s is not a decodable JPEG or JPEG 2000 image: %v", v.photoPath(path), err)
	}
	return nil
}

// LoadPhoto reads a record's photo for its card: the whole file, its size
// from the header.
func (v *Validator) LoadPhoto(path string) (*lds.FaceImage, error) {
	f, size, err := v.openPhoto(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, size+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxPhotoSize {
		return nil, fmt.Errorf("%s grew past %d KB while read", v.photoPath(path), MaxPhotoSize/1024)
	}
	face, err := lds.NewFaceImageFromPhoto(b, lds.GenderUnspecified)
	if err != nil {
		return nil, fmt.Errorf("%s is not a decodable JPEG or JPEG 2000 image: %v", v.photoPath(path), err)
	}
	return face, nil
}
