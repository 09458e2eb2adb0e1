package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // camera photos
	_ "image/png"  // scans and rendered codes
	"math"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Decoded is a QR code found in an image.
type Decoded struct {
	Text string // the payload, UTF-8
	Pass string // the decoding pass that found it (see the package doc)
}

// pass is one attempt: a preparation of the grey image and a binarizer.
type pass struct {
	name     string
	prep     func(*image.Gray) *image.Gray
	global   bool // GlobalHistogramBinarizer instead of HybridBinarizer
	inverted bool // also look for light-on-dark codes
}

// passes are tried in order, cheapest and most common first; the first that
// yields a QR code wins. Each exists for a kind of image that the ones
// before it miss (measured in decode_test.go, TestDecodeRobustness):
//
//   - hybrid: local-threshold binarizer on the image as it is; handles clean
//     renders, scans, rotation by any multiple of 90°, moderate tilt, JPEG.
//   - global: one global threshold; helps on smooth, evenly lit images
//     where local thresholds break up blurred modules.
//   - contrast: stretches the grey levels to the full range first (faded
//     print, low-contrast photos).
//   - half, quarter: box-downscaled copies; average out sensor noise, JPEG
//     blocks and halftone print, and shrink huge photos to what the finder
//     pattern detector expects.
//   - double: bilinear 2× upscale for codes with 1–2 px per module.
//   - rotate45: the image turned by 45°, for a code tilted near 45° whose
//     finder patterns the detector misses.
//   - inverted: light modules on a dark ground.
var passes = []pass{
	{name: "hybrid", prep: nil},
	{name: "global", prep: nil, global: true},
	{name: "contrast", prep: stretchContrast},
	{name: "half", prep: func(g *image.Gray) *image.Gray { return downscale(g, 2) }},
	{name: "quarter", prep: func(g *image.Gray) *image.Gray { return downscale(g, 4) }},
	{name: "double", prep: upscale2},
	{name: "rotate45", prep: func(g *image.Gray) *image.Gray { return rotate(g, math.Pi/4) }},
	{name: "inverted", prep: nil, inverted: true},
}

// PassNames lists the decoding passes in the order they are tried.
func PassNames() []string {
	out := make([]string, len(passes))
	for i, p := range passes {
		out[i] = p.name
	}
	return out
}

// DecodeImage reads a PNG or JPEG image and decodes the QR code in it.
func DecodeImage(data []byte) (*Decoded, error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	_ = format
	return Decode(img)
}

// Decode finds the QR code in img and returns its payload as UTF-8 (the
// decoder is told the character set is UTF-8: byte mode carries none and
// guessing turns Vietnamese into Shift-JIS). It tries the passes in order
// and returns ErrNotFound when none finds a code, ErrEncoding when the code
// holds bytes that are not UTF-8.
func Decode(img image.Image) (*Decoded, error) {
	b := img.Bounds()
	if b.Dx() < 21 || b.Dy() < 21 {
		return nil, fmt.Errorf("%w: the image is %d×%d px, smaller than the smallest QR code", ErrNotFound, b.Dx(), b.Dy())
	}
	grey := toGray(img)
	var encErr error
	for _, p := range passes {
		g := grey
		if p.prep != nil {
			g = p.prep(grey)
		}
		if g == nil {
			continue
		}
		res, err := try(g, p)
		if err != nil {
			continue
		}
		text, err := utf8Text(res)
		if err != nil {
			// A misread could produce garbage: keep looking, report the
			// encoding problem only if no pass reads valid UTF-8.
			encErr = err
			continue
		}
		return &Decoded{Text: text, Pass: p.name}, nil
	}
	if encErr != nil {
		return nil, encErr
	}
	return nil, fmt.Errorf("%w (tried %d passes: %v); make sure the whole code with its white border is in the picture, sharp and evenly lit",
		ErrNotFound, len(passes), PassNames())
}

// try runs one pass. gozxing is third-party code fed with untrusted images:
// a panic in it is a failed pass, not a crash.
func try(g *image.Gray, p pass) (res *gozxing.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	src := gozxing.NewLuminanceSourceFromImage(g)
	var bin gozxing.Binarizer
	if p.global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	} else {
		bin = gozxing.NewHybridBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return nil, err
	}
	hints := map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
		gozxing.DecodeHintType_TRY_HARDER:    true,
	}
	if p.inverted {
		hints[gozxing.DecodeHintType_ALSO_INVERTED] = true
	}
	return zxqr.NewQRCodeReader().Decode(bmp, hints)
}

// utf8Text checks the raw byte-mode segments: the decoder's text has
// invalid sequences replaced, which would hide a wrong character set.
func utf8Text(res *gozxing.Result) (string, error) {
	if segs, ok := res.GetResultMetadata()[gozxing.ResultMetadataType_BYTE_SEGMENTS].([][]byte); ok {
		for _, s := range segs {
			if !utf8.Valid(s) {
				return "", encodingError(s)
			}
		}
	}
	text := res.GetText()
	if !utf8.ValidString(text) {
		return "", encodingError([]byte(text))
	}
	return text, nil
}

// IsNotFound reports whether err means that an image holds no readable QR.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
