package iso39794

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 128, 255})
		}
	}
	return img
}

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fakeJPEG is the start of a JPEG (SOI, APP0) for hand-written vectors.
var fakeJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD9}

// minimal is the block New(fakeJPEG, JPEG, 2, 3) writes, by hand from the
// ISO/IEC 39794-5 module (IMPLICIT TAGS, DER).
const minimal = `
65 36
  a0 07  80 01 03  81 02 07 e3                     versionBlock 3 / 2019
  a1 2b  30 29                                     representationBlocks
    80 01 00                                       representationId 0
    a1 24  a0 22  a0 20                            imageRepresentation, base, 2D
      80 08 ffd8ffe00002ffd9                       representationData2D
      a1 14                                        imageInformation2DBlock
        a0 03 80 01 02                             imageDataFormat code jpeg
        a1 05 a1 03 80 01 00                       faceImageKind2D fallback mrtd
        a7 06 80 01 02 81 01 03                    imageSizeBlock 2 x 3
`

func TestNewMinimalBytes(t *testing.T) {
	f, err := NewJPEG(fakeJPEG, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := mustHex(t, stripComments(minimal))
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding\n got %x\nwant %x", got, want)
	}
	g, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Fatalf("parse gives %+v, built %+v", g, f)
	}
}

// stripComments drops everything after the hex on each line: a word
// containing a character that is not a hex digit ends the line.
func stripComments(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, w := range strings.Fields(line) {
			if strings.Trim(strings.ToLower(w), "0123456789abcdef") != "" {
				break
			}
			out = append(out, w)
		}
	}
	return strings.Join(out, "")
}

func TestRoundTripJPEG(t *testing.T) {
	photo := testJPEG(t, 40, 52)
	f, err := NewJPEG(photo, 40, 52)
	if err != nil {
		t.Fatal(err)
	}
	bdb, err := f.EncodeBDB()
	if err != nil {
		t.Fatal(err)
	}
	if EncodingFromBDB(bdb) != Encoding39794 {
		t.Fatalf("BDB not recognised as 39794-5: % x", bdb[:8])
	}
	g, err := ParseBDB(bdb)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Fatal("build → encode → parse differs")
	}
	p := &g.Representations[0]
	if fm, ok := p.Format(); !ok || fm != ImageFormatJPEG {
		t.Errorf("format %v %v", fm, ok)
	}
	if w, h, ok := p.Size(); !ok || w != 40 || h != 52 {
		t.Errorf("size %dx%d", w, h)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.Image()))
	if err != nil || cfg.Width != 40 || cfg.Height != 52 {
		t.Errorf("image does not decode back: %v %+v", err, cfg)
	}
	again, err := g.EncodeBDB()
	if err != nil || !bytes.Equal(again, bdb) {
		t.Error("re-encoding differs")
	}
}

// TestRoundTripJPEG2000 makes a JP2 file and a J2K codestream with
// OpenJPEG's opj_compress (an independent encoder) from a PNG.
func TestRoundTripJPEG2000(t *testing.T) {
	if _, err := exec.LookPath("opj_compress"); err != nil {
		t.Fatal("opj_compress not installed: run scripts/install-deps.sh (libopenjp2-tools)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "face.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(48, 64)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ext      string
		args     []string
		lossless bool
	}{
		{"jp2", []string{"-r", "20"}, false},
		{"j2k", []string{"-r", "20"}, false},
		{"jp2", nil, true}, // no rate: reversible 5/3 wavelet, lossless
	} {
		out := filepath.Join(dir, "face."+c.ext)
		args := append([]string{"-i", in, "-o", out}, c.args...)
		if b, err := exec.Command("opj_compress", args...).CombinedOutput(); err != nil {
			t.Fatalf("opj_compress: %v\n%s", err, b)
		}
		photo, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		f, err := NewJPEG2000(photo, 48, 64, c.lossless)
		if err != nil {
			t.Fatalf("%s: %v", c.ext, err)
		}
		b, err := f.Encode()
		if err != nil {
			t.Fatal(err)
		}
		g, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f, g) {
			t.Fatalf("%s: build → encode → parse differs", c.ext)
		}
		want := ImageFormatJPEG2000Lossy
		if c.lossless {
			want = ImageFormatJPEG2000Lossless
		}
		if fm, _ := g.Representations[0].Format(); fm != want || !bytes.Equal(g.Representations[0].Image(), photo) {
			t.Errorf("%s: format %v, image kept: %v", c.ext, fm, bytes.Equal(g.Representations[0].Image(), photo))
		}
	}
}

func TestEncodingDetection(t *testing.T) {
	if e := EncodingFromHeader([]byte{1, 1}, []byte{0, 0x2a}); e != Encoding39794 {
		t.Errorf("0101/002A: %v", e)
	}
	if e := EncodingFromHeader([]byte{1, 1}, []byte{0, 8}); e != Encoding19794 {
		t.Errorf("0101/0008: %v", e)
	}
	if e := EncodingFromHeader([]byte{1, 2}, []byte{0, 8}); e != EncodingUnknown {
		t.Errorf("0102/0008: %v", e)
	}
	if e := EncodingFromHeader([]byte{1}, []byte{0, 8}); e != EncodingUnknown {
		t.Errorf("short owner: %v", e)
	}
	fac := append([]byte("FAC\x00010\x00"), 0, 0, 0, 14, 0, 0)
	if e := EncodingFromBDB(fac); e != Encoding19794 {
		t.Errorf("FAC record: %v", e)
	}
	blk := mustHex(t, stripComments(minimal))
	if e := EncodingFromBDB(blk); e != Encoding39794 {
		t.Errorf("bare 65: %v", e)
	}
	if e := EncodingFromBDB([]byte{0xa1, 0x02, 0x30, 0x00}); e != EncodingUnknown {
		t.Errorf("A1 without 65: %v", e)
	}
	if e := EncodingFromBDB(nil); e != EncodingUnknown {
		t.Errorf("empty: %v", e)
	}
	if _, err := ParseBDB(fac); err == nil || !strings.Contains(err.Error(), "19794") {
		t.Errorf("ParseBDB of a FAC record: %v", err)
	}
}

func TestErrorType(t *testing.T) {
	_, err := Parse([]byte{0x30, 0x00})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%T %v", err, err)
	}
}

func TestDetect(t *testing.T) {
	owner, typ39, typ19 := []byte{1, 1}, []byte{0, 0x2a}, []byte{0, 8}
	bdb := el(0xa1, mustHex(t, stripComments(minimal)))
	fac := []byte("FAC\x00010\x00")
	for _, c := range []struct {
		name     string
		typ, bdb []byte
		want     Encoding
	}{
		{"39794 header and block", typ39, bdb, Encoding39794},
		{"19794 header, 39794 block", typ19, bdb, Encoding39794},
		{"39794 header, FAC block", typ39, fac, Encoding19794},
		{"header only", typ39, []byte{0xff}, Encoding39794},
		{"neither", []byte{0, 9}, []byte{0xff}, EncodingUnknown},
	} {
		if got := Detect(owner, c.typ, c.bdb); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// Example_dg2 shows what a DG2 wrapper writes for a 39794-5 face: the
// biometric header's format owner and type, and the 7F2E data block.
func Example_dg2() {
	f, err := NewJPEG(fakeJPEG, 2, 3)
	if err != nil {
		panic(err)
	}
	value, err := f.EncodeBDB() // the value of the 7F2E data object
	if err != nil {
		panic(err)
	}
	fmt.Printf("87 %04X, 88 %04X, BDB %X: % X…\n", FormatOwnerSC37, FormatType39794Face, BDBTag39794, value[:4])
	g, err := ParseBDB(value)
	if err != nil {
		panic(err)
	}
	fmt.Println(g)
	// Output:
	// 87 0101, 88 002A, BDB 7F2E: A1 38 65 36…
	// ISO/IEC 39794-5 generation 3/2019, representation 0: jpeg 2x3, 8 bytes
}
