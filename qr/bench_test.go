package qr

import (
	"testing"
)

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(refPayload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderPNG(b *testing.B) {
	for b.Loop() {
		if _, err := PNG(refPayload, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePNG(b *testing.B) {
	img, err := PNG(refPayload, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		if _, err := DecodeImage(img); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeNotFound is the worst case: every pass runs on a photo
// without a code.
func BenchmarkDecodeNotFound(b *testing.B) {
	g := noise(contrast(render(b, 4), 128, 128), 20, 9)
	for b.Loop() {
		if _, err := Decode(g); err == nil {
			b.Fatal("found a code in noise")
		}
	}
}
