package qr

import (
	"image"
	"image/draw"
	"math"
)

// Image preparations for the decoding passes, on 8-bit grey images.

func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok && g.Rect.Min == (image.Point{}) {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g
}

// stretchContrast maps the 1st–99th percentile of grey levels onto 0–255.
func stretchContrast(g *image.Gray) *image.Gray {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	n := len(g.Pix)
	lo, hi, acc := 0, 255, 0
	for i := 0; i < 256; i++ {
		acc += hist[i]
		if acc > n/100 {
			lo = i
			break
		}
	}
	acc = 0
	for i := 255; i >= 0; i-- {
		acc += hist[i]
		if acc > n/100 {
			hi = i
			break
		}
	}
	if hi <= lo {
		return nil
	}
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		x := (int(v) - lo) * 255 / (hi - lo)
		out.Pix[i] = uint8(max(0, min(255, x)))
	}
	return out
}

// downscale averages f×f blocks; nil when the result would be too small to
// hold a QR code.
func downscale(g *image.Gray, f int) *image.Gray {
	w, h := g.Rect.Dx()/f, g.Rect.Dy()/f
	if w < 21 || h < 21 {
		return nil
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for dy := 0; dy < f; dy++ {
				row := g.Pix[(y*f+dy)*g.Stride+x*f:]
				for dx := 0; dx < f; dx++ {
					sum += int(row[dx])
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / (f * f))
		}
	}
	return out
}

// upscale2 doubles the size with bilinear interpolation; nil for images
// that are already large (a small module count is what it is for).
func upscale2(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w*h > 1500*1500 {
		return nil
	}
	out := image.NewGray(image.Rect(0, 0, 2*w, 2*h))
	for y := 0; y < 2*h; y++ {
		for x := 0; x < 2*w; x++ {
			out.Pix[y*out.Stride+x] = sample(g, (float64(x)-0.5)/2, (float64(y)-0.5)/2)
		}
	}
	return out
}

// rotate turns the image by angle (radians) around its centre onto a canvas
// large enough to hold it, filling the corners white.
func rotate(g *image.Gray, angle float64) *image.Gray {
	w, h := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	if w*h > 2500*2500 {
		return nil
	}
	sin, cos := math.Sincos(angle)
	nw := int(math.Ceil(math.Abs(w*cos) + math.Abs(h*sin)))
	nh := int(math.Ceil(math.Abs(w*sin) + math.Abs(h*cos)))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	cx, cy, ncx, ncy := w/2, h/2, float64(nw)/2, float64(nh)/2
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			// Inverse mapping: where in the source does this pixel come from?
			dx, dy := float64(x)+0.5-ncx, float64(y)+0.5-ncy
			sx := cos*dx + sin*dy + cx - 0.5
			sy := -sin*dx + cos*dy + cy - 0.5
			if sx < -0.5 || sy < -0.5 || sx > w-0.5 || sy > h-0.5 {
				out.Pix[y*out.Stride+x] = 255
				continue
			}
			out.Pix[y*out.Stride+x] = sample(g, sx, sy)
		}
	}
	return out
}

// sample reads g at a fractional position with bilinear interpolation,
// clamping at the edges.
func sample(g *image.Gray, x, y float64) uint8 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 {
		x = max(0, min(w-1, x))
		y = max(0, min(h-1, y))
		return float64(g.Pix[y*g.Stride+x])
	}
	v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
	return uint8(math.Round(v))
}
