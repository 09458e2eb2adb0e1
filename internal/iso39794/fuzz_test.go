package iso39794

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts re-encodes to
// exactly the input (the parser accepts DER only and keeps what it does
// not interpret) and parses back to the same value. The same holds for
// the 7F2E wrapper (ParseBDB / EncodeBDB).
func FuzzParse(f *testing.F) {
	all, _ := allFields(fakeJPEG)
	f.Add(all)
	f.Add(mustHex(f, stripComments(minimal)))
	f.Add(el(0xa1, all))
	f.Add(block(rep(in(0, 0), image2D(jpegFormat, ctx(7, in(0, 2), in(1, 3)))), rep(in(0, 1), ctx(1, ctx(1))), rep(in(0, 2), ctx(1, ctx(0, ctx(1, el(0x30)))))))
	f.Add([]byte("FAC\x00010\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		EncodingFromBDB(b)
		if g, err := ParseBDB(b); err == nil {
			again, err := g.EncodeBDB()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("BDB accepted but re-encodes differently (%v)\n in %x\nout %x", err, b, again)
			}
		}
		p, err := Parse(b)
		if err != nil {
			if p != nil {
				t.Fatal("value with an error")
			}
			return
		}
		out, err := p.Encode()
		if err != nil {
			t.Fatalf("accepted but does not encode: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("parse → encode not byte-exact\n in %x\nout %x", b, out)
		}
		q, err := Parse(out)
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("re-parse differs: %v", err)
		}
		_ = p.String()
		for i := range p.Representations {
			r := &p.Representations[i]
			r.Format()
			r.Size()
			r.CaptureDateTime.Time()
			r.Identity()
		}
	})
}
