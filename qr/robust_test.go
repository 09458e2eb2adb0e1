package qr

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

// Image transformations that imitate cameras and scanners, written here
// independently of the decoder's own preparations (imageops.go) so that the
// test does not grade the decoder with its own tools.

func render(t testing.TB, px int) *image.Gray {
	t.Helper()
	m, err := Encode(refPayload, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := m.Image((m.Modules() + 8) * px)
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, image.Point{}, draw.Src)
	return g
}

func rot90(g *image.Gray) *image.Gray {
	b := g.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.SetGray(b.Dy()-1-y, x, g.GrayAt(x, y))
		}
	}
	return out
}

// turn rotates by deg degrees with nearest-neighbour sampling (a camera
// held askew), on a white canvas.
func turn(g *image.Gray, deg float64) *image.Gray {
	b := g.Bounds()
	a := deg * math.Pi / 180
	s, c := math.Sin(a), math.Cos(a)
	w, h := float64(b.Dx()), float64(b.Dy())
	nw := int(math.Abs(w*c) + math.Abs(h*s) + 1)
	nh := int(math.Abs(w*s) + math.Abs(h*c) + 1)
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			dx, dy := float64(x)-float64(nw)/2, float64(y)-float64(nh)/2
			sx, sy := int(c*dx+s*dy+w/2), int(-s*dx+c*dy+h/2)
			if sx >= 0 && sy >= 0 && sx < b.Dx() && sy < b.Dy() {
				out.SetGray(x, y, g.GrayAt(sx, sy))
			}
		}
	}
	return out
}

// shrink scales by num/den with area averaging (a far-away camera).
func shrink(g *image.Gray, num, den int) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx()*num/den, b.Dy()*num/den
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			x0, x1 := x*den/num, max((x+1)*den/num, x*den/num+1)
			y0, y1 := y*den/num, max((y+1)*den/num, y*den/num+1)
			sum, n := 0, 0
			for yy := y0; yy < y1 && yy < b.Dy(); yy++ {
				for xx := x0; xx < x1 && xx < b.Dx(); xx++ {
					sum += int(g.GrayAt(xx, yy).Y)
					n++
				}
			}
			out.SetGray(x, y, color.Gray{uint8(sum / n)})
		}
	}
	return out
}

// keystone warps the image by a projective transform (homography) onto a
// trapezoid whose top edge is top/100 of the bottom one: the camera tilted
// back from the card. Heckbert's square-to-quad mapping, inverted.
func keystone(g *image.Gray, top int) *image.Gray {
	b := g.Bounds()
	W, H := float64(b.Dx()), float64(b.Dy())
	t := float64(top) / 100
	// Corners of the unit square (0,0) (1,0) (1,1) (0,1) go to:
	x0, y0 := W*(1-t)/2, H*(1-t)/4
	x1, y1 := W-W*(1-t)/2, H*(1-t)/4
	x2, y2 := W, H
	x3, y3 := 0.0, H
	dx1, dx2, dx3 := x1-x2, x3-x2, x0-x1+x2-x3
	dy1, dy2, dy3 := y1-y2, y3-y2, y0-y1+y2-y3
	den := dx1*dy2 - dx2*dy1
	a13 := (dx3*dy2 - dx2*dy3) / den
	a23 := (dx1*dy3 - dx3*dy1) / den
	m := [3][3]float64{
		{x1 - x0 + a13*x1, y1 - y0 + a13*y1, a13},
		{x3 - x0 + a23*x3, y3 - y0 + a23*y3, a23},
		{x0, y0, 1},
	}
	inv := invert3(m)
	out := image.NewGray(b)
	draw.Draw(out, b, image.White, image.Point{}, draw.Src)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			u := fx*inv[0][0] + fy*inv[1][0] + inv[2][0]
			v := fx*inv[0][1] + fy*inv[1][1] + inv[2][1]
			w := fx*inv[0][2] + fy*inv[1][2] + inv[2][2]
			sx, sy := int(u/w*W), int(v/w*H)
			if sx >= 0 && sy >= 0 && sx < b.Dx() && sy < b.Dy() {
				out.SetGray(x, y, g.GrayAt(sx, sy))
			}
		}
	}
	return out
}

func invert3(m [3][3]float64) [3][3]float64 {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	var r [3][3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			// Cofactor of m[j][i], for the adjugate.
			a, b := (j+1)%3, (j+2)%3
			c, d := (i+1)%3, (i+2)%3
			r[i][j] = (m[a][c]*m[b][d] - m[a][d]*m[b][c]) / det
		}
	}
	return r
}

// blur applies a box blur of the given radius (out of focus).
func blur(g *image.Gray, r int) *image.Gray {
	b := g.Bounds()
	out := image.NewGray(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			sum, n := 0, 0
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					xx, yy := x+dx, y+dy
					if xx >= 0 && yy >= 0 && xx < b.Dx() && yy < b.Dy() {
						sum += int(g.GrayAt(xx, yy).Y)
						n++
					}
				}
			}
			out.SetGray(x, y, color.Gray{uint8(sum / n)})
		}
	}
	return out
}

// contrast maps black to lo and white to hi (faded print, dim light).
func contrast(g *image.Gray, lo, hi uint8) *image.Gray {
	out := image.NewGray(g.Bounds())
	for i, v := range g.Pix {
		out.Pix[i] = lo + uint8(int(v)*int(hi-lo)/255)
	}
	return out
}

// noise adds uniform sensor noise of ±amp.
func noise(g *image.Gray, amp int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 7))
	out := image.NewGray(g.Bounds())
	for i, v := range g.Pix {
		out.Pix[i] = uint8(max(0, min(255, int(v)+r.IntN(2*amp+1)-amp)))
	}
	return out
}

func jpegRoundTrip(t testing.TB, img image.Image, q int) image.Image {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// scene puts the code on a larger colour photo-like canvas with a gradient,
// text-like strokes, a 1-D barcode and boxes around it (a card on a desk).
func scene(g *image.Gray, w, h, at int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Set(x, y, color.RGBA{uint8(90 + 80*x/w), uint8(120 + 60*y/h), 150, 255})
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 40; i++ { // text-like dark strokes
		x, y := r.IntN(w-60), r.IntN(h-10)
		draw.Draw(out, image.Rect(x, y, x+20+r.IntN(40), y+3+r.IntN(4)), image.NewUniform(color.RGBA{30, 30, 40, 255}), image.Point{}, draw.Src)
	}
	for i := 0; i < 30; i++ { // a 1-D barcode
		x := 20 + i*6
		draw.Draw(out, image.Rect(x, h-120, x+1+i%3, h-40), image.Black, image.Point{}, draw.Src)
	}
	draw.Draw(out, image.Rect(w-200, 30, w-40, 140), image.NewUniform(color.RGBA{200, 40, 40, 255}), image.Point{}, draw.Src)
	// The card: a white rectangle holding the code.
	gb := g.Bounds()
	card := image.Rect(at-30, at-30, at+gb.Dx()+30, at+gb.Dy()+30)
	draw.Draw(out, card, image.NewUniform(color.RGBA{245, 243, 235, 255}), image.Point{}, draw.Src)
	draw.Draw(out, gb.Add(image.Pt(at, at)), g, image.Point{}, draw.Src)
	return out
}

// robustnessCases is the table the package doc summarizes: what each kind
// of damaged image needs, and which stay unreadable (want ""), kept as
// documented expectations so that a change in the decoder shows up.
var robustnessCases = []struct {
	name string
	img  func(testing.TB) image.Image
	want string // pass expected to find it; "" = not found
}{
	{"clean render 4 px/module", func(t testing.TB) image.Image { return render(t, 4) }, "hybrid"},
	{"rotated 90°", func(t testing.TB) image.Image { return rot90(render(t, 4)) }, "hybrid"},
	{"rotated 180°", func(t testing.TB) image.Image { return rot90(rot90(render(t, 4))) }, "hybrid"},
	{"rotated 45°", func(t testing.TB) image.Image { return turn(render(t, 6), 45) }, "rotate45"},
	{"rotated 17°", func(t testing.TB) image.Image { return turn(render(t, 6), 17) }, "hybrid"},
	{"scaled to 2 px/module", func(t testing.TB) image.Image { return shrink(render(t, 8), 1, 4) }, "hybrid"},
	{"scaled to 1.5 px/module", func(t testing.TB) image.Image { return shrink(render(t, 6), 1, 4) }, "double"},
	{"blurred (radius 2 at 6 px/module)", func(t testing.TB) image.Image { return blur(render(t, 6), 2) }, "hybrid"},
	{"blurred (radius 4 at 6 px/module)", func(t testing.TB) image.Image { return blur(render(t, 6), 4) }, "double"},
	{"JPEG quality 30", func(t testing.TB) image.Image { return jpegRoundTrip(t, render(t, 4), 30) }, "hybrid"},
	{"JPEG quality 5", func(t testing.TB) image.Image { return jpegRoundTrip(t, render(t, 3), 5) }, "hybrid"},
	{"low contrast 110–150", func(t testing.TB) image.Image { return contrast(render(t, 4), 110, 150) }, "global"},
	{"very low contrast 120–132 with noise", func(t testing.TB) image.Image { return noise(contrast(render(t, 4), 120, 132), 4, 1) }, "contrast"},
	{"in a larger scene", func(t testing.TB) image.Image { return scene(render(t, 4), 1200, 900, 400) }, "hybrid"},
	{"photo: scene, tilted 12°, low contrast, noise, JPEG 60", func(t testing.TB) image.Image {
		g := noise(contrast(turn(render(t, 5), 12), 60, 200), 12, 2)
		return jpegRoundTrip(t, scene(g, 1600, 1200, 500), 60)
	}, "hybrid"},
	{"inverted (light on dark)", func(t testing.TB) image.Image {
		g := render(t, 4)
		for i := range g.Pix {
			g.Pix[i] = 255 - g.Pix[i]
		}
		return g
	}, "inverted"},
	{"keystone: top edge 75 % of the bottom", func(t testing.TB) image.Image { return keystone(render(t, 5), 75) }, ""},
	{"keystone: top edge 90 % of the bottom", func(t testing.TB) image.Image { return keystone(render(t, 5), 90) }, "hybrid"},
	{"keystone: top edge 85 % of the bottom", func(t testing.TB) image.Image { return keystone(render(t, 5), 85) }, "hybrid"},
	{"12 MP photo, code 3 px/module, noise, JPEG 80", func(t testing.TB) image.Image {
		return jpegRoundTrip(t, scene(noise(contrast(render(t, 3), 40, 220), 10, 5), 4000, 3000, 1700), 80)
	}, "hybrid"},
	{"scaled to 1 px/module", func(t testing.TB) image.Image { return shrink(render(t, 4), 1, 4) }, "hybrid"},
	{"scaled to 0.75 px/module", func(t testing.TB) image.Image { return shrink(render(t, 3), 1, 4) }, ""},
	{"blurred (radius 6 at 4 px/module)", func(t testing.TB) image.Image { return blur(render(t, 4), 6) }, ""},
	{"half of the code covered", func(t testing.TB) image.Image {
		g := render(t, 4)
		b := g.Bounds()
		draw.Draw(g, image.Rect(0, b.Dy()/2, b.Dx(), b.Dy()), image.White, image.Point{}, draw.Src)
		return g
	}, ""},
}

func TestDecodeRobustness(t *testing.T) {
	for _, tc := range robustnessCases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decode(tc.img(t))
			got := ""
			if err == nil {
				got = d.Pass
				if d.Text != refPayload {
					t.Fatalf("pass %s decoded %q", d.Pass, d.Text)
				}
			} else if !errors.Is(err, ErrNotFound) {
				t.Fatalf("Decode: %v", err)
			}
			t.Logf("%-55s pass=%q", tc.name, got)
			if got != tc.want {
				t.Errorf("found by pass %q, want %q", got, tc.want)
			}
		})
	}
}
