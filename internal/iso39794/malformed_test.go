package iso39794

import (
	"bytes"
	"strings"
	"testing"
)

// rep builds a RepresentationBlock with the given contents; block wraps
// representations into a FaceImageDataBlock with version 3/2019.
func rep(parts ...[]byte) []byte { return el(0x30, parts...) }

var version = ctx(0, in(0, 3), in(1, 2019))

func block(reps ...[]byte) []byte { return el(0x65, version, ctx(1, reps...)) }

// info2D is an imageInformation2DBlock [1] with the given contents.
func image2D(info ...[]byte) []byte {
	return ctx(1, ctx(0, ctx(0, el(0x80, fakeJPEG), ctx(1, info...))))
}

var jpegFormat = ctx(0, in(0, 2))

func TestMalformed(t *testing.T) {
	good := block(rep(in(0, 0), image2D(jpegFormat, ctx(7, in(0, 2), in(1, 3)))))
	if _, err := Parse(good); err != nil {
		t.Fatalf("the base case should parse: %v", err)
	}
	for _, c := range []struct {
		name, want string
		b          []byte
	}{
		{"empty", "empty input", nil},
		{"wrong outer tag", "expected FaceImageDataBlock", append([]byte{0x30}, good[1:]...)},
		{"outer length lies (too long)", "truncated", append([]byte{0x65, byte(len(good) - 1)}, good[2:]...)},
		{"outer length lies (too short)", "bytes after", append([]byte{0x65, byte(len(good) - 3)}, good[2:]...)},
		{"trailing byte", "1 bytes after", append(append([]byte{}, good...), 0x00)},
		{"indefinite length", "truncated or bad DER length", append([]byte{0x65, 0x80}, good[2:]...)},
		{"non-minimal length", "truncated or bad DER length", append([]byte{0x65, 0x81, good[1]}, good[2:]...)},
		{"missing version", "missing mandatory versionBlock", el(0x65, ctx(1, rep(in(0, 0), image2D(jpegFormat))))},
		{"version primitive", "wrong primitive/constructed", el(0x65, el(0x80, []byte{3}), ctx(1))},
		{"version without year", "missing mandatory year", el(0x65, ctx(0, in(0, 3)), ctx(1, rep(in(0, 0), image2D(jpegFormat))))},
		{"version inner length lies", "truncated", el(0x65, ctx(0, []byte{0x80, 0x05, 0x03}), ctx(1))},
		{"missing representations", "missing mandatory representationBlocks", el(0x65, version)},
		{"no representation", "no RepresentationBlock", block()},
		{"representation not a SEQUENCE", "expected a RepresentationBlock SEQUENCE", el(0x65, version, ctx(1, ctx(0, in(0, 0))))},
		{"missing representationId", "missing mandatory representationId", block(rep(image2D(jpegFormat)))},
		{"negative representationId", "outside 0..", block(rep(in(0, -1), image2D(jpegFormat)))},
		{"non-minimal integer", "not a DER integer", block(rep([]byte{0x80, 0x02, 0x00, 0x01}, image2D(jpegFormat)))},
		{"empty integer", "not a DER integer", block(rep([]byte{0x80, 0x00}, image2D(jpegFormat)))},
		{"integer over 64 bits", "not a DER integer", block(rep(el(0x80, bytes.Repeat([]byte{0x7f}, 9)), image2D(jpegFormat)))},
		{"missing imageRepresentation", "missing mandatory imageRepresentation", block(rep(in(0, 0)))},
		{"2D and 3D in base", "without extension marker", block(rep(in(0, 0), ctx(1, ctx(0, ctx(0, el(0x80, fakeJPEG), ctx(1, jpegFormat)), ctx(1)))))},
		{"empty imageRepresentation", "expected alternative base", block(rep(in(0, 0), ctx(1)))},
		{"missing 2D block in base", "expected imageRepresentation2DBlock [0] or shapeRepresentation3DBlock [1]", block(rep(in(0, 0), ctx(1, ctx(0))))},
		{"missing image data", "missing mandatory representationData2D", block(rep(in(0, 0), ctx(1, ctx(0, ctx(0, ctx(1, jpegFormat))))))},
		{"image data constructed", "wrong primitive/constructed", block(rep(in(0, 0), ctx(1, ctx(0, ctx(0, ctx(0), ctx(1, jpegFormat))))))},
		{"missing image information", "missing mandatory imageInformation2DBlock", block(rep(in(0, 0), ctx(1, ctx(0, ctx(0, el(0x80, fakeJPEG))))))},
		{"missing image format", "missing mandatory imageDataFormat", block(rep(in(0, 0), image2D(ctx(7, in(0, 2), in(1, 3)))))},
		{"empty image format", "expected code [0] or extensionBlock [1]", block(rep(in(0, 0), image2D(ctx(0))))},
		{"width over 65535", "width [0] = 65536 is outside 0..65535", block(rep(in(0, 0), image2D(jpegFormat, ctx(7, in(0, 65536), in(1, 3)))))},
		{"missing height", "missing mandatory height", block(rep(in(0, 0), image2D(jpegFormat, ctx(7, in(0, 2)))))},
		{"extra element in ImageSizeBlock", "without extension marker", block(rep(in(0, 0), image2D(jpegFormat, ctx(7, in(0, 2), in(1, 3), in(2, 0)))))},
		{"fields out of order", "unexpected element with tag 0x84", block(rep(in(0, 0), image2D(jpegFormat, ctx(7, in(0, 2), in(1, 3)), in(4, 10))))},
		{"duplicate field", "unexpected element with tag 0xa7", block(rep(in(0, 0), image2D(jpegFormat, ctx(7, in(0, 2), in(1, 3)), ctx(7, in(0, 2), in(1, 3)))))},
		{"universal element among extensions", "unexpected element with tag 0x04", block(rep(in(0, 0), image2D(jpegFormat), el(0x04, nil)))},
		{"camera distance out of range", "outside 0..50000", block(rep(in(0, 0), image2D(jpegFormat, in(4, 50001))))},
		{"month 13", "month [1] = 13", block(rep(in(0, 0), image2D(jpegFormat), dateTime(2, 2024, 13)))},
		{"date without year", "missing mandatory year", block(rep(in(0, 0), image2D(jpegFormat), ctx(2, in(1, 1))))},
		{"quality score 101", "score [0] = 101", block(rep(in(0, 0), image2D(jpegFormat), ctx(3, el(0x30, registry(0, 1, 1), ctx(1, in(0, 101))))))},
		{"quality not a SEQUENCE", "expected a QualityBlock SEQUENCE", block(rep(in(0, 0), image2D(jpegFormat), ctx(3, ctx(0))))},
		{"quality organization 0", "organization [0] = 0", block(rep(in(0, 0), image2D(jpegFormat), ctx(3, el(0x30, registry(0, 0, 1), ctx(1, in(0, 1))))))},
		{"raw block with a bad element", "malformed DER element", block(rep(in(0, 0), image2D(jpegFormat), ctx(4, []byte{0x80, 0x05, 0x00})))},
		{"code extension with a bad extra", "unexpected element", block(rep(in(0, 0), image2D(ctx(0, ctx(1, in(0, 2), el(0x30, nil))))))},
		{"two alternatives in a code", "without extension marker", block(rep(in(0, 0), image2D(ctx(0, in(0, 2), in(1, 2)))))},
		{"high tag number", "malformed element", block(rep(in(0, 0), image2D(jpegFormat), []byte{0x9f, 0x1f, 0x00}))},
	} {
		_, err := Parse(c.b)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.want)
		}
		if !strings.HasPrefix(err.Error(), "iso39794: ") {
			t.Errorf("%s: error %q without package prefix", c.name, err)
		}
	}
}

// TestTruncated cuts the all-fields vector at every length: each prefix
// must be refused, none may panic.
func TestTruncated(t *testing.T) {
	b, _ := allFields(fakeJPEG)
	for n := 0; n < len(b); n++ {
		if _, err := Parse(b[:n]); err == nil {
			t.Fatalf("prefix of %d of %d bytes accepted", n, len(b))
		}
	}
	bdb := el(0xa1, b)
	for n := 0; n < len(bdb); n++ {
		if _, err := ParseBDB(bdb[:n]); err == nil {
			t.Fatalf("BDB prefix of %d of %d bytes accepted", n, len(bdb))
		}
	}
}

func TestMalformedBDB(t *testing.T) {
	good := block(rep(in(0, 0), image2D(jpegFormat)))
	for _, c := range []struct {
		name, want string
		b          []byte
	}{
		{"empty", "empty biometric data block", nil},
		{"bare block", "expected data object A1", good},
		{"trailing", "bytes after the A1", append(el(0xa1, good), 0x00)},
		{"A1 length lies", "truncated", append([]byte{0xa1, byte(len(good) + 1)}, good...)},
		{"A1 wraps something else", "expected FaceImageDataBlock", el(0xa1, el(0x30))},
	} {
		_, err := ParseBDB(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v does not say %q", c.name, err, c.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	ok := func() *FaceImageDataBlock {
		f, err := NewJPEG(fakeJPEG, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	i64 := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		name, want string
		edit       func(f *FaceImageDataBlock)
	}{
		{"no representation", "no RepresentationBlock", func(f *FaceImageDataBlock) { f.Representations = nil }},
		{"no image", "no image", func(f *FaceImageDataBlock) { f.Representations[0].Image2D = nil }},
		{"both alternatives", "more than one of", func(f *FaceImageDataBlock) { f.Representations[0].ImageExtensionRaw = []byte{} }},
		{"nil image data", "no representationData2D", func(f *FaceImageDataBlock) { f.Representations[0].Image2D.Data = nil }},
		{"width", "width = 70000", func(f *FaceImageDataBlock) { f.Representations[0].Image2D.Info.Size.Width = 70000 }},
		{"negative id", "representationId = -2", func(f *FaceImageDataBlock) { f.Representations[0].ID = -2 }},
		{"year", "year = 10000", func(f *FaceImageDataBlock) { f.Version.Year = 10000 }},
		{"bad raw", "malformed DER element", func(f *FaceImageDataBlock) { f.Representations[0].PADDataRaw = []byte{0x30} }},
		{"extension not above", "not context-specific above [9]", func(f *FaceImageDataBlock) {
			f.Representations[0].Extensions = []RawElement{{0x85, 0x01, 0x00}}
		}},
		{"extension two elements", "not one DER element", func(f *FaceImageDataBlock) {
			f.Extensions = []RawElement{{0x82, 0x00, 0x83, 0x00}}
		}},
		{"score and error", "exactly one of score and error", func(f *FaceImageDataBlock) {
			f.Representations[0].Quality = []Quality{{Algorithm: RegistryID{1, 1}, Score: i64(1), Error: &Code{Form: CodeFallback}}}
		}},
		{"date", "day = 32", func(f *FaceImageDataBlock) {
			f.Representations[0].CaptureDateTime = &DateTime{Year: 2024, Month: i64(1), Day: i64(32)}
		}},
		{"direct code with extras", "extension elements with the code [0] form", func(f *FaceImageDataBlock) {
			f.Representations[0].Image2D.Info.Format.Extra = []RawElement{{0x81, 0x00}}
		}},
		{"code form", "unknown code form", func(f *FaceImageDataBlock) { f.Representations[0].Image2D.Info.Format.Form = 9 }},
	} {
		f := ok()
		c.edit(f)
		_, err := f.Encode()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v does not say %q", c.name, err, c.want)
		}
	}
	var nilBlock *FaceImageDataBlock
	if _, err := nilBlock.Encode(); err == nil {
		t.Error("nil block encoded")
	}
}

func TestConstructorChecks(t *testing.T) {
	if _, err := NewJPEG([]byte("GIF89a"), 2, 3); err == nil || !strings.Contains(err.Error(), "first bytes") {
		t.Errorf("GIF as JPEG: %v", err)
	}
	if _, err := NewJPEG2000(fakeJPEG, 2, 3, false); err == nil {
		t.Error("JPEG as JPEG 2000 accepted")
	}
	if _, err := NewJPEG(fakeJPEG, 0, 3); err == nil || !strings.Contains(err.Error(), "outside 1..65535") {
		t.Errorf("width 0: %v", err)
	}
	if _, err := New(fakeJPEG, ImageFormatOther, 2, 3); err == nil {
		t.Error("format other accepted")
	}
	j2k := append(append([]byte{}, magicJ2K...), make([]byte, 40)...)
	if f, err := NewJPEG2000(j2k, 2, 3, true); err != nil {
		t.Errorf("J2K codestream: %v", err)
	} else if fm, _ := f.Representations[0].Format(); fm != ImageFormatJPEG2000Lossless {
		t.Errorf("format %v", fm)
	}
	pngSig := append(append([]byte{}, magicPNG...), 0, 0, 0, 13)
	if f, err := New(pngSig, ImageFormatPNG, 2, 3); err != nil {
		t.Errorf("PNG: %v", err)
	} else if b, err := f.Encode(); err != nil {
		t.Error(err)
	} else if g, err := Parse(b); err != nil || g.Representations[0].Image2D.Info.Format.Value != 5 {
		t.Errorf("PNG round trip: %v", err)
	}
	photo := append([]byte{}, fakeJPEG...)
	f, _ := NewJPEG(photo, 2, 3)
	photo[3] = 0
	if f.Representations[0].Image()[3] != 0xE0 {
		t.Error("constructor keeps the caller's buffer")
	}
}
