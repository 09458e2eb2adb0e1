package chip

import "errors"

// The LDS files use BER-TLV with ICAO's multi-byte application tags (5F1F,
// 7F61, …; ICAO 9303-10 §4.4), which cryptobyte cannot read. This is the
// small reader/builder the data-group codecs share until the apdu package's
// BER-TLV lands on main. Readers return ok=false on malformed input; the
// builder cannot fail.

// errLDSTruncated is returned when a TLV runs past the end of its input.
var errLDSTruncated = errors.New("malformed BER-TLV: truncated or bad length")

// ldsReader walks a sequence of TLVs.
type ldsReader []byte

// empty reports whether everything was consumed.
func (r *ldsReader) empty() bool { return len(*r) == 0 }

// readTLV reads one TLV: its tag (1 to 3 bytes, ISO 7816-4 §5.2.2.1) and
// value. Lengths follow ISO 7816-4 §5.2.2.2: short form, or 81/82/83 with 1
// to 3 length bytes.
func (r *ldsReader) readTLV() (tag uint32, value []byte, ok bool) {
	b := *r
	if len(b) == 0 {
		return 0, nil, false
	}
	i := 0
	tag = uint32(b[0])
	i++
	if b[0]&0x1f == 0x1f {
		for {
			if i >= len(b) || i > 3 {
				return 0, nil, false
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, nil, false
	}
	l := int(b[i])
	i++
	if l > 0x80 {
		n := l & 0x7f
		if n > 3 || i+n > len(b) {
			return 0, nil, false
		}
		l = 0
		for k := 0; k < n; k++ {
			l = l<<8 | int(b[i+k])
		}
		i += n
	} else if l == 0x80 {
		return 0, nil, false // indefinite length is not allowed in the LDS
	}
	if l > len(b)-i {
		return 0, nil, false
	}
	value = b[i : i+l]
	*r = b[i+l:]
	return tag, value, true
}

// readExpected reads one TLV that must carry tag.
func (r *ldsReader) readExpected(tag uint32) ([]byte, bool) {
	save := *r
	t, v, ok := r.readTLV()
	if !ok || t != tag {
		*r = save
		return nil, false
	}
	return v, true
}

// peekTag returns the next tag without consuming it.
func (r *ldsReader) peekTag() (uint32, bool) {
	c := *r
	t, _, ok := c.readTLV()
	return t, ok
}

// ldsAppendTag appends a tag of 1 to 4 bytes.
func ldsAppendTag(dst []byte, tag uint32) []byte {
	switch {
	case tag > 0xffffff:
		return append(dst, byte(tag>>24), byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xffff:
		return append(dst, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xff:
		return append(dst, byte(tag>>8), byte(tag))
	}
	return append(dst, byte(tag))
}

// ldsAppendLength appends a minimal BER length.
func ldsAppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xff:
		return append(dst, 0x81, byte(n))
	case n <= 0xffff:
		return append(dst, 0x82, byte(n>>8), byte(n))
	}
	return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
}

// ldsAppendTLV appends tag, minimal length and value.
func ldsAppendTLV(dst []byte, tag uint32, value []byte) []byte {
	dst = ldsAppendTag(dst, tag)
	dst = ldsAppendLength(dst, len(value))
	return append(dst, value...)
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
