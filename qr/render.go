package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// Level is the QR error-correction level (ISO/IEC 18004 §7.5.1).
type Level byte

const (
	LevelL Level = 'L' // ~7 % of codewords recoverable
	LevelM Level = 'M' // ~15 %: the default, the usual choice for printed ID documents
	LevelQ Level = 'Q' // ~25 %
	LevelH Level = 'H' // ~30 %
)

// ParseLevel accepts L, M, Q or H (any case).
func ParseLevel(s string) (Level, error) {
	switch strings.ToUpper(s) {
	case "L", "M", "Q", "H":
		return Level(strings.ToUpper(s)[0]), nil
	}
	return 0, fmt.Errorf("error-correction level %q: use L, M, Q or H", s)
}

func (l Level) String() string { return string(rune(l)) }

func (l Level) recovery() qrcode.RecoveryLevel {
	switch l {
	case LevelL:
		return qrcode.Low
	case LevelQ:
		return qrcode.High
	case LevelH:
		return qrcode.Highest
	}
	return qrcode.Medium
}

// Options control rendering. The zero value gives what a card printer takes:
// level M, a 4-module quiet zone (the minimum ISO/IEC 18004 §6.3.8 asks
// for) and 8 pixels per module.
type Options struct {
	Level     Level // L, M (default), Q, H
	Size      int   // image width and height in pixels; 0: 8 px per module
	QuietZone int   // light border in modules; 0: 4; negative: none
}

// DefaultQuietZone and DefaultModulePixels are the zero Options' values.
const (
	DefaultQuietZone    = 4
	DefaultModulePixels = 8
)

// ErrTooSmall: the requested size cannot give every module a pixel.
var ErrTooSmall = errors.New("QR image size too small")

// Matrix is an encoded QR symbol without quiet zone: Dark[y][x].
type Matrix struct {
	Dark      [][]bool
	QuietZone int
}

// Encode builds the QR symbol of text in byte mode, UTF-8 as it is, with no
// ECI (what CCCD readers expect: see the package doc).
func Encode(text string, opt Options) (*Matrix, error) {
	if opt.Level == 0 {
		opt.Level = LevelM
	}
	q, err := qrcode.New(text, opt.Level.recovery())
	if err != nil {
		return nil, fmt.Errorf("qr: cannot encode %d bytes at level %v: %w", len(text), opt.Level, err)
	}
	q.DisableBorder = true
	qz := opt.QuietZone
	switch {
	case qz == 0:
		qz = DefaultQuietZone
	case qz < 0:
		qz = 0
	}
	return &Matrix{Dark: q.Bitmap(), QuietZone: qz}, nil
}

// Modules is the width of the symbol in modules, quiet zone excluded.
func (m *Matrix) Modules() int { return len(m.Dark) }

// layout returns the module size in pixels and the offset of the symbol.
func (m *Matrix) layout(size int) (px, off, total int, err error) {
	span := m.Modules() + 2*m.QuietZone
	if size == 0 {
		return DefaultModulePixels, m.QuietZone * DefaultModulePixels, span * DefaultModulePixels, nil
	}
	if size < span {
		return 0, 0, 0, fmt.Errorf("%w: %d px for %d modules (quiet zone included): use a size of at least %d", ErrTooSmall, size, span, span)
	}
	px = size / span
	// The pixels that do not divide evenly widen the quiet zone, centred.
	off = m.QuietZone*px + (size-span*px)/2
	return px, off, size, nil
}

// Image draws the symbol: black modules on white, size×size pixels (see
// Options.Size).
func (m *Matrix) Image(size int) (*image.Paletted, error) {
	px, off, total, err := m.layout(size)
	if err != nil {
		return nil, err
	}
	img := image.NewPaletted(image.Rect(0, 0, total, total), color.Palette{color.White, color.Black})
	for y, row := range m.Dark {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := 0; dy < px; dy++ {
				line := img.Pix[(off+y*px+dy)*img.Stride:]
				for dx := 0; dx < px; dx++ {
					line[off+x*px+dx] = 1
				}
			}
		}
	}
	return img, nil
}

// PNG renders text as a PNG image.
func PNG(text string, opt Options) ([]byte, error) {
	m, err := Encode(text, opt)
	if err != nil {
		return nil, err
	}
	img, err := m.Image(opt.Size)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SVG renders text as an SVG document: one path of unit squares in module
// coordinates, scaled to Options.Size pixels, with crisp edges so that a
// printer's rasterizer does not blur module borders.
func SVG(text string, opt Options) ([]byte, error) {
	m, err := Encode(text, opt)
	if err != nil {
		return nil, err
	}
	_, _, total, err := m.layout(opt.Size)
	if err != nil {
		return nil, err
	}
	span := m.Modules() + 2*m.QuietZone
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">
<rect width="%d" height="%d" fill="#fff"/>
<path fill="#000" d="`, total, total, span, span, span, span)
	for y, row := range m.Dark {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+m.QuietZone, y+m.QuietZone, run, run)
			x += run
		}
	}
	b.WriteString("\"/>\n</svg>\n")
	return b.Bytes(), nil
}

// Terminal renders text with Unicode half blocks, two module rows per text
// line. Light modules are drawn (full / half blocks) and dark ones left blank,
// so the code reads on a terminal with a dark background, as qrencode -t UTF8
// does; the quiet zone keeps Options.QuietZone (4 by default).
func Terminal(text string, opt Options) (string, error) {
	m, err := Encode(text, opt)
	if err != nil {
		return "", err
	}
	n := m.Modules() + 2*m.QuietZone
	light := func(x, y int) bool {
		x, y = x-m.QuietZone, y-m.QuietZone
		if x < 0 || y < 0 || y >= m.Modules() || x >= m.Modules() {
			return true
		}
		return !m.Dark[y][x]
	}
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		for x := 0; x < n; x++ {
			top, bottom := light(x, y), y+1 < n && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}
