package lds

import (
	"bytes"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
)

func tinyPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFingerRecordLayout: the ISO/IEC 19794-4:2005 record byte by byte —
// the 32-byte general header (§8.2: format "FIR\0", version "010\0",
// 6-byte record length, capture device ID, acquisition level, number of
// images, scale units, scan and image resolutions, pixel depth,
// compression, reserved) and the 14-byte finger image header (§8.3:
// length, position, view count, view number, quality, impression type,
// line lengths, reserved) — and the CBEFF header of ICAO 9303-10 §4.7.3.
func TestFingerRecordLayout(t *testing.T) {
	img := tinyPNG(t, 3, 2)
	tmpl, err := NewFingerTemplate(FingerInput{Position: FingerRightIndex, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	n := 32 + 14 + len(img)
	want, _ := hex.DecodeString("46495200" + "30313000" + // "FIR\0" "010\0"
		"0000" + hex.EncodeToString([]byte{0, 0, byte(n >> 8), byte(n)}) + // record length, 6 bytes
		"0000" + "001F" + "01" + "01" + // capture device 0, level 31, 1 image, pixels per inch
		"01F4" + "01F4" + "01F4" + "01F4" + // 500 ppi scanned and stored
		"08" + "05" + "0000" + // 8 bits, PNG, reserved
		hex.EncodeToString([]byte{0, 0, byte((14 + len(img)) >> 8), byte(14 + len(img))}) +
		"02" + "01" + "01" + "FE" + "01" + // right index, 1 view, view 1, quality not computed, live-scan rolled
		"0003" + "0002" + "00") // 3×2 pixels, reserved
	want = append(want, img...)
	if !bytes.Equal(tmpl.Data, want) {
		t.Fatalf("record\n% X\nwant\n% X", tmpl.Data[:46], want[:46])
	}
	hdr := map[uint32]string{}
	for _, e := range tmpl.Header {
		hdr[e.Tag] = hex.EncodeToString(e.Value)
	}
	// Version 1.1, finger, right (01) index (2<<2), SC 37, finger image.
	if hdr[0x80] != "0101" || hdr[0x81] != "08" || hdr[0x82] != "09" || hdr[0x87] != "0101" || hdr[0x88] != "0007" {
		t.Fatalf("header %v", hdr)
	}
	for pos, sub := range map[byte]byte{FingerRightThumb: 0x05, FingerRightLittle: 0x15, FingerLeftThumb: 0x06, FingerLeftIndex: 0x0A, FingerLeftLittle: 0x16} {
		if got := fingerSubtype(pos); got != sub {
			t.Errorf("subtype of %s: %02X, want %02X", FingerPositionName(pos), got, sub)
		}
	}
}

func TestDG3RoundTrip(t *testing.T) {
	fingers := []FingerInput{{FingerRightIndex, tinyPNG(t, 40, 50)}, {FingerLeftIndex, tinyPNG(t, 41, 52)}}
	d, err := NewDG3(fingers)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0x63 {
		t.Fatalf("tag %02X", b[0])
	}
	got, err := ParseDG3(b)
	if err != nil {
		t.Fatal(err)
	}
	imgs := got.Images()
	if len(imgs) != 2 || imgs[0].Position != FingerRightIndex || imgs[1].Position != FingerLeftIndex ||
		imgs[1].Width != 41 || imgs[1].Height != 52 || !bytes.Equal(imgs[0].Image, fingers[0].Image) {
		t.Fatalf("images %+v", imgs)
	}
	again, err := got.Encode()
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("re-encoded differs: %v", err)
	}
	// The DG3 of a card without fingerprints (present, protected, empty).
	if e, err := ParseDG3(emptyDG3); err != nil || len(e.Fingers) != 0 {
		t.Fatalf("empty DG3: %v %v", e, err)
	}
	if b, err := (&DG3{}).Encode(); err != nil || !bytes.Equal(b, emptyDG3) {
		t.Fatalf("empty DG3 encodes to % X", b)
	}
	// DG4, the iris slot: the same group, records kept as bytes.
	d4 := &DG4{Irises: []BiometricTemplate{{Header: []BiometricHeaderElement{{0x81, []byte{BiometricTypeIris}}, {0x88, []byte{0, FormatTypeIrisImage}}},
		DataTag: 0x5F2E, Data: []byte("IIR\x00010\x00...")}}}
	b4, err := d4.Encode()
	if err != nil || b4[0] != 0x76 {
		t.Fatalf("DG4 % X %v", b4, err)
	}
	p4, err := ParseDG4(b4)
	if err != nil || len(p4.Irises) != 1 || !bytes.Equal(p4.Irises[0].Data, d4.Irises[0].Data) {
		t.Fatalf("DG4 %+v %v", p4, err)
	}
	if _, err := ParseDG3(b4); err == nil {
		t.Fatal("DG4 parsed as DG3")
	}
}

func TestFingerInputs(t *testing.T) {
	for name, want := range map[string]byte{"right_index": FingerRightIndex, "Left Thumb": FingerLeftThumb, "left-little": FingerLeftLittle} {
		if got, err := ParseFingerPosition(name); err != nil || got != want {
			t.Errorf("%q: %d %v", name, got, err)
		}
	}
	for _, bad := range []string{"", "unknown", "right_toe", "2"} {
		if _, err := ParseFingerPosition(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := NewDG3([]FingerInput{{FingerRightIndex, tinyPNG(t, 2, 2)}, {FingerRightIndex, tinyPNG(t, 2, 2)}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("the same finger twice: %v", err)
	}
	if _, err := NewDG3([]FingerInput{{FingerRightIndex, []byte("GIF89a")}}); err == nil || !strings.Contains(err.Error(), "neither PNG nor JPEG 2000") {
		t.Errorf("a GIF: %v", err)
	}
	if _, err := NewDG3([]FingerInput{{11, tinyPNG(t, 2, 2)}}); err == nil {
		t.Error("position 11 accepted")
	}
	// JPEG 2000 (the JP2 file format's header box gives the size).
	jp2 := append([]byte{0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}, []byte("....ihdr\x00\x00\x01\x90\x00\x00\x01\x2C")...)
	tm, err := NewFingerTemplate(FingerInput{FingerLeftIndex, jp2})
	if err != nil || tm.Finger.Compression != FingerJPEG2000 || tm.Finger.Images[0].Width != 300 || tm.Finger.Images[0].Height != 400 {
		t.Fatalf("JPEG 2000: %+v %v", tm.Finger, err)
	}
}

func TestParseDG3Errors(t *testing.T) {
	good, _ := NewDG3([]FingerInput{{FingerRightIndex, tinyPNG(t, 4, 4)}})
	b, _ := good.Encode()
	rec := good.Fingers[0].Data
	for name, bad := range map[string][]byte{
		"empty":          {},
		"DG2 tag":        append([]byte{0x75}, b[1:]...),
		"truncated":      b[:len(b)-3],
		"trailing bytes": append(bytes.Clone(b), 0),
	} {
		if _, err := ParseDG3(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, bad := range map[string][]byte{
		"not FIR":       append([]byte("FAC\x00"), rec[4:]...),
		"version":       append([]byte("FIR\x00020\x00"), rec[8:]...),
		"length":        append(bytes.Clone(rec), 0),
		"header cut":    rec[:20],
		"image cut":     withLength(rec[:40], 40),
		"image too big": withImageLength(rec, 0xFFFFFF),
	} {
		if _, err := ParseFingerRecord(bad); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "DG3" {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

func withLength(rec []byte, n int) []byte {
	out := bytes.Clone(rec)
	out[10], out[11], out[12], out[13] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return out
}

func withImageLength(rec []byte, n int) []byte {
	out := bytes.Clone(rec)
	out[32], out[33], out[34], out[35] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return out
}

// FuzzParseDG3: the parser never panics, and what it accepts encodes
// back to a DG3 that parses to the same templates.
func FuzzParseDG3(f *testing.F) {
	good, _ := NewDG3([]FingerInput{{FingerRightIndex, tinyPNG(f, 4, 4)}, {FingerLeftIndex, tinyPNG(f, 3, 3)}})
	b, _ := good.Encode()
	f.Add(b)
	f.Add(emptyDG3)
	f.Add(good.Fingers[0].Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG3(b)
		if err != nil {
			return
		}
		again, err := d.Encode()
		if err != nil {
			t.Fatal(err)
		}
		d2, err := ParseDG3(again)
		if err != nil || len(d2.Fingers) != len(d.Fingers) {
			t.Fatalf("re-parse: %v", err)
		}
		for i := range d.Fingers {
			if !bytes.Equal(d.Fingers[i].Data, d2.Fingers[i].Data) {
				t.Fatal("data block changed")
			}
		}
	})
}

// FuzzParseFingerRecord: never panics; an accepted record encodes back to
// the same bytes (every field is kept).
func FuzzParseFingerRecord(f *testing.F) {
	good, _ := NewFingerTemplate(FingerInput{FingerRightIndex, tinyPNG(f, 4, 4)})
	f.Add(good.Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseFingerRecord(b)
		if err != nil {
			return
		}
		again, err := r.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoded differs: %v", err)
		}
	})
}
