package apdu

import (
	"errors"
	"fmt"
)

// Tag is a BER-TLV tag (ISO/IEC 7816-4 §5.2.2.1, ITU-T X.690) written as
// its bytes read big-endian: 0x5F1F, 0x7F61, 0x6D.
type Tag uint32

// Constructed reports the constructed bit (b6 of the first byte).
func (t Tag) Constructed() bool { return t.firstByte()&0x20 != 0 }

func (t Tag) firstByte() byte {
	for t > 0xFF {
		t >>= 8
	}
	return byte(t)
}

// String shows the tag as hex digits, as the standards write it.
func (t Tag) String() string { return fmt.Sprintf("%02X", uint32(t)) }

// Bytes encodes the tag.
func (t Tag) Bytes() []byte {
	switch {
	case t > 0xFFFFFF:
		return []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFFFF:
		return []byte{byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFF:
		return []byte{byte(t >> 8), byte(t)}
	}
	return []byte{byte(t)}
}

// ErrTLV reports bytes that are not well-formed BER-TLV.
var ErrTLV = errors.New("malformed BER-TLV")

// maxTLVLength bounds a length field: nothing on a card comes near 16 MiB,
// and the bound keeps arithmetic on lengths safe on every platform.
const maxTLVLength = 1 << 24

// TLVReader reads BER-TLV objects from a byte string, in the manner of
// cryptobyte.String: each Read method consumes on success and returns
// false, consuming nothing, on malformed or unexpected input.
type TLVReader []byte

// Empty reports whether everything has been read.
func (r TLVReader) Empty() bool { return len(r) == 0 }

// PeekTag returns the tag of the next object without consuming it.
func (r TLVReader) PeekTag() (Tag, bool) {
	tag, _, _, ok := r.header()
	return tag, ok
}

// ReadAny reads the next object, whatever its tag.
func (r *TLVReader) ReadAny(tag *Tag, value *TLVReader) bool {
	t, hdr, n, ok := r.header()
	if !ok {
		return false
	}
	*tag = t
	*value = (*r)[hdr : hdr+n : hdr+n]
	*r = (*r)[hdr+n:]
	return true
}

// Read reads the next object, which must carry tag.
func (r *TLVReader) Read(tag Tag, value *TLVReader) bool {
	if t, ok := r.PeekTag(); !ok || t != tag {
		return false
	}
	var t Tag
	return r.ReadAny(&t, value)
}

// ReadBytes is Read returning the value as a fresh byte slice.
func (r *TLVReader) ReadBytes(tag Tag, value *[]byte) bool {
	var v TLVReader
	if !r.Read(tag, &v) {
		return false
	}
	*value = append([]byte(nil), v...)
	return true
}

// ReadOptional reads an object with tag if it comes next; present says
// whether it did. It fails only on malformed input.
func (r *TLVReader) ReadOptional(tag Tag, value *TLVReader, present *bool) bool {
	t, ok := r.PeekTag()
	if !ok {
		*present = false
		return r.Empty()
	}
	if t != tag {
		*present = false
		return true
	}
	*present = true
	return r.Read(tag, value)
}

// Skip reads and drops the next object.
func (r *TLVReader) Skip() bool {
	var t Tag
	var v TLVReader
	return r.ReadAny(&t, &v)
}

// header decodes the tag and length at the front of r: tag, header size
// and value length.
func (r TLVReader) header() (Tag, int, int, bool) {
	b := []byte(r)
	if len(b) == 0 {
		return 0, 0, 0, false
	}
	i := 0
	tag := Tag(b[0])
	i++
	if b[0]&0x1F == 0x1F {
		// Multi-byte tag: subsequent bytes have b8 set except the last;
		// four bytes is more than any card uses.
		for {
			if i >= len(b) || i >= 4 {
				return 0, 0, 0, false
			}
			tag = tag<<8 | Tag(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, 0, 0, false
	}
	l := int(b[i])
	i++
	if l > 0x80 {
		// Long form: 81..84 give one to four length bytes (§5.2.2.2).
		nb := l & 0x7F
		if nb > 4 || i+nb > len(b) {
			return 0, 0, 0, false
		}
		l = 0
		for k := 0; k < nb; k++ {
			l = l<<8 | int(b[i+k])
		}
		i += nb
	} else if l == 0x80 {
		return 0, 0, 0, false // indefinite form: not in BER-TLV of 7816
	}
	if l > maxTLVLength || l > len(b)-i {
		return 0, 0, 0, false
	}
	return tag, i, l, true
}

// TLV is one parsed object.
type TLV struct {
	Tag   Tag
	Value []byte
}

// ParseTLV parses exactly one object filling b: truncation and trailing
// bytes are errors.
func ParseTLV(b []byte) (TLV, error) {
	r := TLVReader(b)
	var t Tag
	var v TLVReader
	if !r.ReadAny(&t, &v) {
		return TLV{}, describeTLVError(b)
	}
	if !r.Empty() {
		return TLV{}, fmt.Errorf("%w: %d bytes of trailing data after tag %s", ErrTLV, len(r), t)
	}
	return TLV{Tag: t, Value: []byte(v)}, nil
}

// ParseTLVs parses a concatenation of objects that must fill b.
func ParseTLVs(b []byte) ([]TLV, error) {
	r := TLVReader(b)
	var out []TLV
	for !r.Empty() {
		var t Tag
		var v TLVReader
		if !r.ReadAny(&t, &v) {
			return nil, describeTLVError(r)
		}
		out = append(out, TLV{Tag: t, Value: []byte(v)})
	}
	return out, nil
}

func describeTLVError(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: no data", ErrTLV)
	}
	return fmt.Errorf("%w: truncated or invalid tag/length at % X", ErrTLV, b[:min(len(b), 8)])
}

// EncodeLength encodes a BER length in the shortest form.
func EncodeLength(n int) []byte {
	switch {
	case n < 0x80:
		return []byte{byte(n)}
	case n <= 0xFF:
		return []byte{0x81, byte(n)}
	case n <= 0xFFFF:
		return []byte{0x82, byte(n >> 8), byte(n)}
	case n <= 0xFFFFFF:
		return []byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return []byte{0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// EncodeTLV encodes one object.
func EncodeTLV(tag Tag, value []byte) []byte {
	tb := tag.Bytes()
	lb := EncodeLength(len(value))
	out := make([]byte, 0, len(tb)+len(lb)+len(value))
	out = append(out, tb...)
	out = append(out, lb...)
	return append(out, value...)
}

// TLVBuilder builds nested BER-TLV in the manner of cryptobyte.Builder:
// errors are kept and reported once by Bytes.
type TLVBuilder struct {
	buf []byte
	err error
}

// AddTLV adds an object whose value the function builds.
func (b *TLVBuilder) AddTLV(tag Tag, f func(*TLVBuilder)) {
	if b.err != nil {
		return
	}
	var child TLVBuilder
	f(&child)
	if child.err != nil {
		b.err = child.err
		return
	}
	b.AddTLVBytes(tag, child.buf)
}

// AddTLVBytes adds an object with the given value.
func (b *TLVBuilder) AddTLVBytes(tag Tag, value []byte) {
	if b.err != nil {
		return
	}
	if tag == 0 {
		b.err = fmt.Errorf("%w: tag 00 is not a tag", ErrTLV)
		return
	}
	if len(value) > maxTLVLength {
		b.err = fmt.Errorf("%w: value of %d bytes under tag %s is too long", ErrTLV, len(value), tag)
		return
	}
	b.buf = append(b.buf, EncodeTLV(tag, value)...)
}

// AddBytes appends raw bytes (an already encoded object).
func (b *TLVBuilder) AddBytes(p []byte) {
	if b.err == nil {
		b.buf = append(b.buf, p...)
	}
}

// SetError records an error found while building; Bytes returns it.
func (b *TLVBuilder) SetError(err error) {
	if b.err == nil {
		b.err = err
	}
}

// Bytes returns what was built, or the first error.
func (b *TLVBuilder) Bytes() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.buf, nil
}
