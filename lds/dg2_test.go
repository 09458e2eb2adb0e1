package lds

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"reflect"
	"testing"
)

// ldsTestJPEG encodes a real JPEG of roughly the given size.
func ldsTestJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 13), uint8((x ^ y) * 3), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ldsTestJP2 is the JPEG 2000 file-format signature box and ftyp box
// (ISO/IEC 15444-1 Annex I) followed by opaque bytes.
var ldsTestJP2 = append([]byte{0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A,
	0, 0, 0, 0x14, 'f', 't', 'y', 'p', 'j', 'p', '2', ' ', 0, 0, 0, 0, 'j', 'p', '2', ' '}, bytes.Repeat([]byte{0x5A}, 300)...)

func TestDG2RoundTrip(t *testing.T) {
	small := ldsTestJPEG(t, 48, 64)
	big := ldsTestJPEG(t, 420, 560) // tens of KB: long-form lengths
	tests := []struct {
		name   string
		photo  []byte
		format string
		dtype  byte
	}{
		{"jpeg small", small, "jpeg", ImageDataJPEG},
		{"jpeg big", big, "jpeg", ImageDataJPEG},
		{"jpeg 100 KB", append(append([]byte{}, small...), make([]byte, 100*1024-len(small))...), "jpeg", ImageDataJPEG},
		{"jp2", ldsTestJP2, "jp2", ImageDataJPEG2000},
		{"j2k codestream", append([]byte{0xFF, 0x4F, 0xFF, 0x51}, make([]byte, 100)...), "j2k", ImageDataJPEG2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fi, err := NewFaceImage(tt.photo, 420, 560, GenderFemale)
			if err != nil {
				t.Fatal(err)
			}
			fi.EyeColour, fi.HairColour = EyeBrown, HairBlack
			fi.FeaturePoints = []FeaturePoint{{Type: 1, Code: 0x41, X: 100, Y: 200}}
			d := &DG2{Faces: []FaceTemplate{NewFaceTemplate(&FaceRecord{Images: []FaceImage{*fi}})}}
			b, err := d.Encode()
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParseDG2(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p, d) {
				t.Fatalf("parsed differs:\n%+v\n%+v", p.Faces[0].Record.Images[0].FeaturePoints, d.Faces[0].Record.Images[0].FeaturePoints)
			}
			img := p.Faces[0].Record.Images[0]
			if img.ImageFormat() != tt.format || img.ImageDataType != tt.dtype || img.Width != 420 || img.Gender != GenderFemale || img.EyeColour != EyeBrown {
				t.Errorf("image info %+v", img)
			}
			b2, _ := p.Encode()
			if !bytes.Equal(b, b2) {
				t.Fatal("round trip not byte-exact")
			}
			// Structure: 75 L 7F61 L 02 01 01 7F60 L A1 0C ... 5F2E L "FAC\0".
			r := ldsReader(b)
			_, v, _ := r.readTLV()
			g := ldsReader(v)
			_, grp, _ := g.readTLV()
			if !bytes.HasPrefix(grp, []byte{0x02, 0x01, 0x01, 0x7F, 0x60}) {
				t.Errorf("group starts % X", grp[:6])
			}
			if i := bytes.Index(b, []byte{0x5F, 0x2E}); i < 0 || !bytes.Contains(b[i:i+16], []byte("FAC\x00010\x00")) {
				t.Error("5F2E data block does not hold the FAC record")
			}
			if len(tt.photo) > 0xffff && (b[1] != 0x83 || b[5] != 0x7F || b[6] != 0x61 || b[7] != 0x83) {
				t.Errorf("length form % X", b[:8])
			}
		})
	}
	if fi, err := NewFaceImageFromPhoto(big, GenderMale); err != nil || fi.Width != 420 || fi.Height != 560 {
		t.Errorf("JPEG size: %v", err)
	}
	for _, bad := range [][]byte{[]byte("GIF89a"), {0xFF, 0xD8, 0xFF, 0x00}, ldsTestJP2[:20], {0xFF, 0x4F, 0xFF, 0x51}} {
		if _, err := NewFaceImageFromPhoto(bad, 0); err == nil {
			t.Errorf("size of % X accepted", bad)
		}
	}
	if _, err := NewFaceImage([]byte("GIF89a"), 1, 1, 0); err == nil {
		t.Error("GIF accepted")
	}
}

func TestParseDG2Rejects(t *testing.T) {
	fi, _ := NewFaceImage(ldsTestJP2, 10, 10, GenderMale)
	good, _ := (&DG2{Faces: []FaceTemplate{NewFaceTemplate(&FaceRecord{Images: []FaceImage{*fi}})}}).Encode()
	bad := map[string][]byte{
		"empty":        nil,
		"wrong tag":    append([]byte{0x76}, good[1:]...),
		"truncated":    good[:len(good)-1],
		"not FAC":      bytes.Replace(good, []byte("FAC\x00"), []byte("FIR\x00"), 1),
		"version 020":  bytes.Replace(good, []byte("010\x00"), []byte("020\x00"), 1),
		"count 2":      bytes.Replace(good, []byte{0x02, 0x01, 0x01, 0x7F, 0x60}, []byte{0x02, 0x01, 0x02, 0x7F, 0x60}, 1),
		"trailing":     append(append([]byte{}, good...), 0),
		"no templates": {0x75, 0x05, 0x7F, 0x61, 0x02, 0x02, 0x00},
	}
	for name, b := range bad {
		if _, err := ParseDG2(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseDG2(f *testing.F) {
	fi, _ := NewFaceImage(ldsTestJP2[:40], 10, 10, GenderMale)
	fi.FeaturePoints = []FeaturePoint{{1, 2, 3, 4, 5}}
	b, _ := (&DG2{Faces: []FaceTemplate{NewFaceTemplate(&FaceRecord{Images: []FaceImage{*fi}})}}).Encode()
	f.Add(b)
	f.Add(ldsTestJP2)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = NewFaceImageFromPhoto(b, 0)
		d, err := ParseDG2(b)
		if err != nil {
			return
		}
		out, err := d.Encode()
		if err != nil {
			return
		}
		if _, err := ParseDG2(out); err != nil {
			t.Fatalf("re-encoded DG2 does not parse: %v", err)
		}
	})
}

// TestDG2Both: the same face written as ISO/IEC 19794-5 and as ISO/IEC
// 39794-5 (JPEG and JPEG 2000) reads back through one API, each told apart
// by its header and its data block.
func TestDG2Both(t *testing.T) {
	for _, photo := range [][]byte{ldsTestJPEG(t, 120, 160), ldsTestJP2} {
		img := &FaceImage{Image: photo, Width: 120, Height: 160}
		for _, enc := range []FaceEncoding{Face19794, Face39794} {
			ft, err := NewFaceTemplateAs(img, enc)
			if err != nil {
				t.Fatal(err)
			}
			b, err := (&DG2{Faces: []FaceTemplate{ft}}).Encode()
			if err != nil {
				t.Fatal(err)
			}
			d, err := ParseDG2(b)
			if err != nil {
				t.Fatalf("%s: %v", enc, err)
			}
			got := d.FirstImage()
			if d.Faces[0].Encoding() != enc || got == nil || !bytes.Equal(got.Image, photo) || got.Width != 120 || got.Height != 160 {
				t.Fatalf("%s: %+v", enc, d.Faces[0])
			}
			again, err := d.Encode()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("%s: re-encoded differently (%v)", enc, err)
			}
		}
	}
	// A 39794 block under a header that says 19794 is still read as what
	// it is; a malformed one is an error, not a panic.
	ft, _ := NewFaceTemplateAs(&FaceImage{Image: ldsTestJPEG(t, 8, 8), Width: 8, Height: 8}, Face39794)
	ft.Header = DefaultFaceHeader()
	b, _ := (&DG2{Faces: []FaceTemplate{ft}}).Encode()
	if d, err := ParseDG2(b); err != nil || d.Faces[0].Encoding() != Face39794 {
		t.Fatalf("mislabelled 39794: %v", err)
	}
	if _, err := NewFaceTemplateAs(&FaceImage{Image: []byte("not an image"), Width: 8, Height: 8}, Face39794); err == nil {
		t.Fatal("39794 of a non-image")
	}
	if _, err := NewFaceTemplateAs(&FaceImage{Image: ldsTestJPEG(t, 8, 8)}, "3"); err == nil {
		t.Fatal("unknown encoding accepted")
	}
}
