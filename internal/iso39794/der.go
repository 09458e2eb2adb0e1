package iso39794

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// The modules of ISO/IEC 39794-1 and -5 are written with
// "DEFINITIONS IMPLICIT TAGS" and their tagged binary encoding is DER
// (ITU-T X.690 §10): a field [n] of a SEQUENCE
// carries the context-specific tag n in place of the universal one, with
// the constructed bit set when the field's type is a SEQUENCE, SEQUENCE OF
// or CHOICE (a CHOICE is always tagged explicitly, X.680 §31.2.7).

// Error is a parse or encode failure: Path names the element (for
// example "representation 1: imageInformation2DBlock: imageSizeBlock").
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "iso39794: " + e.Msg
	}
	return "iso39794: " + e.Path + ": " + e.Msg
}

func errAt(path, format string, a ...any) error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, a...)}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + ": " + name
}

// prim and cons are the context-specific tags [n], primitive and
// constructed (X.690 §8.1.2).
func prim(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific() }
func cons(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific().Constructed() }

// RawElement is one complete DER element (identifier, length and
// contents) kept as read: an extension addition that this package does
// not know (after the "..." extension marker of the ISO/IEC 39794
// modules, X.680 §25), written back unchanged.
type RawElement []byte

// Tag is the element's identifier octet (0 if it is empty).
func (e RawElement) Tag() uint8 {
	if len(e) == 0 {
		return 0
	}
	return e[0]
}

// reader walks the contents of one SEQUENCE, field by field in the order
// of the ASN.1 type.
type reader struct {
	s    cryptobyte.String
	path string
	last uint8 // number of the last field looked for
}

func newReader(s cryptobyte.String, path string) *reader { return &reader{s: s, path: path} }

func (r *reader) errf(format string, a ...any) error { return errAt(r.path, format, a...) }

// next describes the next element for error messages.
func (r *reader) next() string {
	if r.s.Empty() {
		return "end of data"
	}
	return fmt.Sprintf("tag 0x%02x", r.s[0])
}

// opt reads field [n] (constructed or primitive) if it is the next
// element and returns its contents.
func (r *reader) opt(n uint8, constructed bool, name string) (cryptobyte.String, bool, error) {
	r.last = n
	tag := prim(n)
	if constructed {
		tag = cons(n)
	}
	if !r.s.PeekASN1Tag(tag) {
		// Same class and number with the wrong form is an error, not an
		// absent field.
		other := tag ^ 0x20
		if r.s.PeekASN1Tag(other) {
			return nil, false, r.errf("%s [%d]: wrong primitive/constructed form (tag 0x%02x)", name, n, uint8(other))
		}
		return nil, false, nil
	}
	var v cryptobyte.String
	if !r.s.ReadASN1(&v, tag) {
		return nil, false, r.errf("%s [%d]: truncated or bad DER length", name, n)
	}
	return v, true, nil
}

// req is opt for a mandatory field.
func (r *reader) req(n uint8, constructed bool, name string) (cryptobyte.String, error) {
	v, ok, err := r.opt(n, constructed, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, r.errf("missing mandatory %s [%d] (found %s)", name, n, r.next())
	}
	return v, nil
}

// optInt reads the INTEGER or ENUMERATED field [n] if present; its
// contents are a DER two's complement integer, minimal (X.690 §8.3.2), that
// must fit an int64.
func (r *reader) optInt(n uint8, name string) (*int64, error) {
	r.last = n
	tag := prim(n)
	if !r.s.PeekASN1Tag(tag) {
		if r.s.PeekASN1Tag(tag | 0x20) {
			return nil, r.errf("%s [%d]: wrong primitive/constructed form", name, n)
		}
		return nil, nil
	}
	var x int64
	if !r.s.ReadASN1Int64WithTag(&x, tag) {
		return nil, r.errf("%s [%d]: not a DER integer that fits 64 bits, or truncated", name, n)
	}
	return &x, nil
}

// reqInt is optInt for a mandatory field, with the value range of its
// ASN.1 type.
func (r *reader) reqInt(n uint8, name string, lo, hi int64) (int64, error) {
	p, err := r.optInt(n, name)
	if err != nil {
		return 0, err
	}
	if p == nil {
		return 0, r.errf("missing mandatory %s [%d] (found %s)", name, n, r.next())
	}
	if *p < lo || *p > hi {
		return 0, r.errf("%s [%d] = %d is outside %d..%d", name, n, *p, lo, hi)
	}
	return *p, nil
}

// optRange is optInt with a value range.
func (r *reader) optRange(n uint8, name string, lo, hi int64) (*int64, error) {
	p, err := r.optInt(n, name)
	if err != nil || p == nil {
		return p, err
	}
	if *p < lo || *p > hi {
		return nil, r.errf("%s [%d] = %d is outside %d..%d", name, n, *p, lo, hi)
	}
	return p, nil
}

// optRaw reads field [n] and keeps its contents verbatim after checking
// that they are a run of well-formed DER elements (constructed fields) —
// for the optional blocks this package carries without interpreting.
func (r *reader) optRaw(n uint8, name string) ([]byte, error) {
	v, ok, err := r.opt(n, true, name)
	if err != nil || !ok {
		return nil, err
	}
	if err := checkElements(v, join(r.path, name)); err != nil {
		return nil, err
	}
	return bytes.Clone([]byte(v)), nil
}

// extensions reads the remaining elements: the extension additions after
// the last known field (a 39794 decoder skips what it does not know,
// which is what makes the formats extensible). Each must be context-specific with a number
// above the known fields, in increasing order; anything else is an
// element out of place.
func (r *reader) extensions() ([]RawElement, error) {
	var out []RawElement
	prev := r.last
	for !r.s.Empty() {
		var el cryptobyte.String
		var tag asn1.Tag
		if !r.s.ReadAnyASN1Element(&el, &tag) {
			return nil, r.errf("malformed element (%s) after the known fields: truncated, bad length or multi-byte tag", r.next())
		}
		if uint8(tag)&0xc0 != 0x80 || uint8(tag)&0x1f <= prev {
			return nil, r.errf("unexpected element with tag 0x%02x", uint8(tag))
		}
		prev = uint8(tag) & 0x1f
		out = append(out, RawElement(bytes.Clone([]byte(el))))
	}
	return out, nil
}

// end checks that a non-extensible SEQUENCE has no further elements.
func (r *reader) end() error {
	if !r.s.Empty() {
		return r.errf("unexpected element (%s) in a type without extension marker", r.next())
	}
	return nil
}

// checkElements checks that b is a run of complete DER elements, without
// looking inside them.
func checkElements(b []byte, path string) error {
	s := cryptobyte.String(b)
	for !s.Empty() {
		var el cryptobyte.String
		var tag asn1.Tag
		if !s.ReadAnyASN1Element(&el, &tag) {
			return errAt(path, "malformed DER element: truncated, bad length or multi-byte tag")
		}
	}
	return nil
}

// Builder helpers. Errors go to the builder (cryptobyte defers them to
// Bytes).

func addInt(b *cryptobyte.Builder, n uint8, v int64) { b.AddASN1Int64WithTag(v, prim(n)) }

func addOptInt(b *cryptobyte.Builder, n uint8, v *int64) {
	if v != nil {
		addInt(b, n, *v)
	}
}

// addRaw writes field [n] with contents kept verbatim (nil: absent).
func addRaw(b *cryptobyte.Builder, n uint8, v []byte, path string) {
	if v == nil {
		return
	}
	if err := checkElements(v, path); err != nil {
		b.SetError(err)
		return
	}
	b.AddASN1(cons(n), func(c *cryptobyte.Builder) { c.AddBytes(v) })
}

// addExtensions writes the extension additions after field [last],
// checking what a parser will check.
func addExtensions(b *cryptobyte.Builder, exts []RawElement, last uint8, path string) {
	prev := last
	for _, e := range exts {
		s := cryptobyte.String(e)
		var el cryptobyte.String
		var tag asn1.Tag
		if !s.ReadAnyASN1Element(&el, &tag) || !s.Empty() {
			b.SetError(errAt(path, "extension element is not one DER element"))
			return
		}
		if uint8(tag)&0xc0 != 0x80 || uint8(tag)&0x1f <= prev {
			b.SetError(errAt(path, "extension element tag 0x%02x is not context-specific above [%d]", uint8(tag), prev))
			return
		}
		prev = uint8(tag) & 0x1f
		b.AddBytes(e)
	}
}

func checkRange(path, name string, v, lo, hi int64) error {
	if v < lo || v > hi {
		return errAt(path, "%s = %d is outside %d..%d", name, v, lo, hi)
	}
	return nil
}
