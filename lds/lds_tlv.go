package lds

import (
	"errors"

	"github.com/cccd-vn/cccd/apdu"
)

// The LDS files use BER-TLV with ICAO's multi-byte application tags (5F1F,
// 7F61, …; ICAO 9303-10 §4.4), which cryptobyte cannot read. The data-group
// codecs read and write them with package apdu's BER-TLV reader and
// encoder, through these small adapters.

// errLDSTruncated is returned when a TLV runs past the end of its input.
var errLDSTruncated = errors.New("malformed BER-TLV: truncated or bad length")

// ldsReader walks a sequence of TLVs.
type ldsReader apdu.TLVReader

// empty reports whether everything was consumed.
func (r *ldsReader) empty() bool { return len(*r) == 0 }

// readTLV reads one TLV: its tag and value (ISO 7816-4 §5.2.2).
func (r *ldsReader) readTLV() (tag uint32, value []byte, ok bool) {
	var t apdu.Tag
	var v apdu.TLVReader
	if !(*apdu.TLVReader)(r).ReadAny(&t, &v) {
		return 0, nil, false
	}
	return uint32(t), v, true
}

// readExpected reads one TLV that must carry tag.
func (r *ldsReader) readExpected(tag uint32) ([]byte, bool) {
	var v apdu.TLVReader
	if !(*apdu.TLVReader)(r).Read(apdu.Tag(tag), &v) {
		return nil, false
	}
	return v, true
}

// ldsAppendTag appends a tag of 1 to 4 bytes.
func ldsAppendTag(dst []byte, tag uint32) []byte { return append(dst, apdu.Tag(tag).Bytes()...) }

// ldsAppendLength appends a minimal BER length.
func ldsAppendLength(dst []byte, n int) []byte { return append(dst, apdu.EncodeLength(n)...) }

// ldsAppendTLV appends tag, minimal length and value.
func ldsAppendTLV(dst []byte, tag uint32, value []byte) []byte {
	return append(dst, apdu.EncodeTLV(apdu.Tag(tag), value)...)
}

// ldsUnwrap reads a whole file that must be exactly one TLV with tag and
// returns its value.
func ldsUnwrap(b []byte, tag uint32, name string) ([]byte, error) {
	r := ldsReader(b)
	t, v, ok := r.readTLV()
	if !ok {
		return nil, &FileError{File: name, Reason: errLDSTruncated.Error()}
	}
	if t != tag {
		return nil, &FileError{File: name, Reason: "tag is " + ldsHexTag(t) + ", expected " + ldsHexTag(tag)}
	}
	if !r.empty() {
		return nil, &FileError{File: name, Reason: "trailing bytes after the file's TLV"}
	}
	return v, nil
}

func ldsHexTag(t uint32) string {
	const hexd = "0123456789ABCDEF"
	var b []byte
	for _, c := range ldsAppendTag(nil, t) {
		b = append(b, hexd[c>>4], hexd[c&15])
	}
	return string(b)
}

// FileError reports an LDS file that cannot be parsed. File names the file
// ("DG1", "EF.SOD", …) and Reason says what is wrong with it; the text never
// carries personal data.
type FileError struct {
	File   string
	Reason string
}

func (e *FileError) Error() string { return e.File + ": " + e.Reason }

func ldsErr(file, reason string) error { return &FileError{File: file, Reason: reason} }
