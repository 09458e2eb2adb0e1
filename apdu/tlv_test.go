package apdu

import (
	"bytes"
	"errors"
	"testing"
)

func TestTLVParse(t *testing.T) {
	long := bytes.Repeat([]byte{0x42}, 300)
	tests := []struct {
		name string
		in   []byte
		tag  Tag
		val  []byte
	}{
		{"one-byte tag", h("8A0101"), 0x8A, h("01")},
		{"two-byte tag", h("5F1F03414243"), 0x5F1F, h("414243")},
		{"three-byte tag", h("5F8101020A0B"), 0x5F8101, h("0A0B")},
		{"empty value", h("5300"), 0x53, nil},
		{"81 length", append(h("538180"), bytes.Repeat([]byte{1}, 128)...), 0x53, bytes.Repeat([]byte{1}, 128)},
		{"82 length", append(h("7582012C"), long...), 0x75, long},
		{"constructed", h("7F6103020101"), 0x7F61, h("020101")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTLV(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Tag != tt.tag || !bytes.Equal(got.Value, tt.val) {
				t.Fatalf("got %s %X", got.Tag, got.Value)
			}
			if enc := EncodeTLV(got.Tag, got.Value); !bytes.Equal(enc, tt.in) {
				t.Fatalf("re-encoded %X", enc)
			}
		})
	}
}

func TestTLVParseErrors(t *testing.T) {
	for _, s := range []string{
		"",               // nothing
		"5F",             // tag cut
		"5F1F",           // no length
		"5F1F05AABB",     // value cut
		"53820100",       // long length cut
		"5380",           // indefinite length
		"5385FFFFFFFFFF", // 5 length bytes
		"5F8181818101",   // tag longer than 4 bytes
		"8A0101FF",       // trailing byte
	} {
		if _, err := ParseTLV(h(s)); !errors.Is(err, ErrTLV) {
			t.Errorf("ParseTLV(%s) = %v, want ErrTLV", s, err)
		}
	}
}

func TestTLVReaderAndBuilder(t *testing.T) {
	var b TLVBuilder
	b.AddTLV(0x6D, func(b *TLVBuilder) {
		b.AddTLVBytes(0x5F1F, []byte("MRZ"))
		b.AddTLV(0x7F61, func(b *TLVBuilder) {
			b.AddTLVBytes(0x02, []byte{1})
		})
	})
	enc, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := h("6D0C 5F1F034D525A 7F6103020101"); !bytes.Equal(enc, want) {
		t.Fatalf("built %X, want %X", enc, want)
	}
	r := TLVReader(enc)
	var outer, bit TLVReader
	var mrz []byte
	var present bool
	if !r.Read(0x6D, &outer) || !r.Empty() ||
		!outer.ReadBytes(0x5F1F, &mrz) ||
		!outer.ReadOptional(0x5F2E, &bit, &present) || present ||
		!outer.ReadOptional(0x7F61, &bit, &present) || !present ||
		!outer.Empty() {
		t.Fatal("reader failed")
	}
	if string(mrz) != "MRZ" {
		t.Fatalf("mrz %q", mrz)
	}
	var v TLVReader
	wrong := TLVReader(enc)
	if wrong.Read(0x6E, &v) || len(wrong) != len(enc) {
		t.Fatal("Read with wrong tag consumed or succeeded")
	}
	var bad TLVBuilder
	bad.AddTLV(0x30, func(b *TLVBuilder) { b.AddTLVBytes(0, nil) })
	if _, err := bad.Bytes(); err == nil {
		t.Fatal("builder accepted tag 00")
	}
}

func TestEncodeLength(t *testing.T) {
	for n, want := range map[int]string{0: "00", 127: "7F", 128: "8180", 255: "81FF", 256: "820100", 65535: "82FFFF", 65536: "83010000"} {
		if got := EncodeLength(n); !bytes.Equal(got, h(want)) {
			t.Errorf("EncodeLength(%d) = %X, want %s", n, got, want)
		}
	}
}

// FuzzParseTLVs checks that no input makes the BER-TLV parser panic and
// that whatever it accepts encodes back to a form it accepts again.
func FuzzParseTLVs(f *testing.F) {
	for _, s := range []string{"8A0101", "5F1F03414243", "6D0D5F1F034D525A7F6103020101", "5382", "5F", "538180"} {
		f.Add(h(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		objs, err := ParseTLVs(b)
		if err != nil {
			return
		}
		var out []byte
		for _, o := range objs {
			out = append(out, EncodeTLV(o.Tag, o.Value)...)
		}
		again, err := ParseTLVs(out)
		if err != nil || len(again) != len(objs) {
			t.Fatalf("re-encoded form rejected: %v", err)
		}
		r := TLVReader(b)
		for !r.Empty() {
			var tag Tag
			var v TLVReader
			if !r.ReadAny(&tag, &v) {
				t.Fatal("reader rejects what ParseTLVs accepted")
			}
		}
	})
}

// FuzzParseCommand checks that no input makes the command parser panic and
// that accepted commands encode back to the same bytes.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"00A4040C07A0000002471001", "00B0000000", "00B00000000000", "00D6000000012C", "0088000008010203040506070800"} {
		f.Add(h(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		enc, err := c.Bytes()
		if err != nil {
			t.Fatalf("parsed command does not encode: %v", err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("round trip %X -> %X", b, enc)
		}
	})
}
