package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cccd-vn/cccd/verify"
)

// testJP2 makes a real JPEG 2000 face with the reference encoder.
func testJP2(t *testing.T, w, h int) []byte {
	t.Helper()
	dir := t.TempDir()
	var ppm bytes.Buffer
	fmt.Fprintf(&ppm, "P6\n%d %d\n255\n", w, h)
	for i := 0; i < w*h; i++ {
		ppm.Write([]byte{byte(i), byte(i / w), 0x80})
	}
	in, out := filepath.Join(dir, "in.ppm"), filepath.Join(dir, "in.jp2")
	if err := os.WriteFile(in, ppm.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("opj_compress", "-i", in, "-o", out, "-n", "3").CombinedOutput(); err != nil {
		t.Fatalf("opj_compress: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSavePhoto(t *testing.T) {
	jp2 := testJP2(t, 24, 32)
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 0xFF, 0xD9}
	for _, tt := range []struct {
		name     string
		photo    []byte
		typ      string
		noTool   bool
		asked    string
		wantFile string
	}{
		{"JPEG as is", jpeg, "jpeg", false, "face.jpg", "face.jpg"},
		{"JPEG 2000 to PNG", jp2, "jp2", false, "face.jpg", "face.png"},
		{"JPEG 2000 to PNG, asked .png", jp2, "jp2", false, "face.png", "face.png"},
		{"JPEG 2000 without opj_decompress", jp2, "jp2", true, "face.jpg", "face.jp2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.noTool {
				t.Setenv("PATH", t.TempDir())
			}
			dir := t.TempDir()
			got, err := savePhoto(&verify.Report{Photo: tt.photo, PhotoType: tt.typ}, filepath.Join(dir, tt.asked))
			if err != nil {
				t.Fatal(err)
			}
			if got != filepath.Join(dir, tt.wantFile) {
				t.Fatalf("saved to %s, want %s", got, tt.wantFile)
			}
			b, err := os.ReadFile(got)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Ext(got) == ".png" {
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("not a PNG: %v", err)
				}
				if r := img.Bounds(); r.Dx() != 24 || r.Dy() != 32 {
					t.Fatalf("PNG is %v, want 24x32", r)
				}
			} else if !bytes.Equal(b, tt.photo) {
				t.Fatal("photo not saved byte for byte")
			}
		})
	}
}
