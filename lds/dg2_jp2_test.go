package lds

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDG2RealJPEG2000 wraps a JPEG 2000 file made by OpenJPEG's
// opj_compress (an independent encoder) and checks it is detected and
// kept byte for byte.
func TestDG2RealJPEG2000(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 96, 128))
	for y := 0; y < 128; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 2), 128, 255})
		}
	}
	in := filepath.Join(dir, "face.png")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, ext := range []string{"jp2", "j2k"} {
		out := filepath.Join(dir, "face."+ext)
		if b, err := exec.Command("opj_compress", "-i", in, "-o", out, "-r", "20").CombinedOutput(); err != nil {
			t.Fatalf("opj_compress: %v\n%s", err, b)
		}
		photo, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := NewFaceImageFromPhoto(photo, GenderUnspecified)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := (&DG2{Faces: []FaceTemplate{NewFaceTemplate(&FaceRecord{Images: []FaceImage{*fi}})}}).Encode()
		d, err := ParseDG2(b)
		if err != nil {
			t.Fatal(err)
		}
		got := d.Faces[0].Record.Images[0]
		if got.Width != 96 || got.Height != 128 {
			t.Errorf("%s: size %dx%d read from the photo", ext, got.Width, got.Height)
		}
		if got.ImageFormat() != ext || got.ImageDataType != ImageDataJPEG2000 || string(got.Image) != string(photo) {
			t.Errorf("%s: format %q type %d", ext, got.ImageFormat(), got.ImageDataType)
		}
	}
}
