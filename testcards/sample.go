package testcards

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"time"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
)

// Sample citizens for demos and tests: realistic, valid and fictional.
// Same seed, same records and photos.

var (
	sampleSurnames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	sampleMiddleM  = []string{"Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công"}
	sampleMiddleF  = []string{"Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Diệu"}
	sampleGivenM   = []string{"An", "Bình", "Dũng", "Hải", "Khánh", "Long", "Nam", "Quân", "Tuấn", "Đạt", "Hùng", "Sơn", "Việt", "Phúc"}
	sampleGivenF   = []string{"Hà", "Hương", "Linh", "Mai", "Phương", "Thảo", "Trang", "Vy", "Yến", "Ánh", "Ngân", "Nhung", "Hằng", "Giang"}
	sampleStreets  = []string{"Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Điện Biên Phủ", "Phan Đình Phùng", "Hoàng Diệu"}
	sampleWards    = []string{"Phường Bến Thành", "Phường Hàng Bạc", "Phường Tân Định", "Xã Hòa Phước", "Phường Vĩnh Ninh", "Thị trấn Đông Anh"}
	sampleEthnic   = []string{"Kinh", "Kinh", "Kinh", "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa"}
	sampleReligion = []string{"Không", "Không", "Không", "Phật giáo", "Công giáo", "Cao Đài"}
	sampleFeatures = []string{"Nốt ruồi C: 2cm dưới đuôi mắt trái", "Sẹo chấm C: 1cm trên mép phải", "Nốt ruồi C: 3cm trên đuôi lông mày phải", "Sẹo dài 2cm dưới cằm"}
)

// Sample is one sample citizen: the record and the face photo (JPEG).
type Sample struct {
	Record citizen.Record
	Photo  []byte
}

// Samples makes n sample citizens from seed.
func Samples(n int, seed uint64) ([]Sample, error) {
	r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	provinces := citizen.Provinces()
	out := make([]Sample, 0, n)
	seen := map[string]bool{}
	for len(out) < n {
		sex := citizen.Male
		middle, given := sampleMiddleM, sampleGivenM
		if r.IntN(2) == 1 {
			sex, middle, given = citizen.Female, sampleMiddleF, sampleGivenF
		}
		// Born 1950-2008; card issued under the 2014 law (2021-2024),
		// from the age of 14.
		dob := time.Date(1950+r.IntN(59), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		first := dob.AddDate(14, 0, 0)
		start := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
		if first.After(start) {
			start = first
		}
		end := time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)
		if start.After(end) {
			continue
		}
		issue := start.AddDate(0, 0, r.IntN(int(end.Sub(start).Hours()/24)+1))
		// Sample cards are valid for at least two more years (a sample
		// that expired would fail verification, as it should).
		if exp, err := citizen.ComputeExpiry(dob, issue); err != nil || (!exp.Lifetime && exp.Date.Before(time.Now().AddDate(2, 0, 0))) {
			continue
		}
		prov := provinces[r.IntN(len(provinces))]
		g, ok := citizen.CenturyDigitFor(dob.Year(), sex)
		if !ok {
			continue
		}
		id := fmt.Sprintf("%s%d%02d%06d", prov.Code, g, dob.Year()%100, r.IntN(1000000))
		if seen[id] {
			continue
		}
		seen[id] = true
		surname := sampleSurnames[r.IntN(len(sampleSurnames))]
		rec := citizen.Record{
			IDNumber:            id,
			FullName:            surname + " " + middle[r.IntN(len(middle))] + " " + given[r.IntN(len(given))],
			DateOfBirth:         citizen.FormatDate(dob),
			Sex:                 sex.Vietnamese(),
			Nationality:         "Việt Nam",
			Ethnicity:           sampleEthnic[r.IntN(len(sampleEthnic))],
			Religion:            sampleReligion[r.IntN(len(sampleReligion))],
			PlaceOfOrigin:       sampleWards[r.IntN(len(sampleWards))] + ", " + prov.Name,
			PlaceOfResidence:    fmt.Sprintf("%d %s, %s, %s", 1+r.IntN(300), sampleStreets[r.IntN(len(sampleStreets))], sampleWards[r.IntN(len(sampleWards))], prov.Name),
			IdentifyingFeatures: sampleFeatures[r.IntN(len(sampleFeatures))],
			DateOfIssue:         citizen.FormatDate(issue),
			FatherName:          surname + " " + sampleMiddleM[r.IntN(len(sampleMiddleM))] + " " + sampleGivenM[r.IntN(len(sampleGivenM))],
			MotherName:          sampleSurnames[r.IntN(len(sampleSurnames))] + " Thị " + sampleGivenF[r.IntN(len(sampleGivenF))],
		}
		if r.IntN(3) == 0 {
			rec.OldIDNumber = fmt.Sprintf("%09d", r.IntN(1000000000))
		}
		if dob.Year() < 1990 && r.IntN(2) == 0 {
			other := sampleGivenF
			if sex == citizen.Female {
				other = sampleGivenM
			}
			rec.SpouseName = sampleSurnames[r.IntN(len(sampleSurnames))] + " " + other[r.IntN(len(other))]
		}
		photo, err := FacePhoto(r.Uint64())
		if err != nil {
			return nil, err
		}
		out = append(out, Sample{Record: rec, Photo: photo})
	}
	return out, nil
}

// FacePhoto draws a passport-style face (a synthetic drawing, no real
// person) as a 300×400 JPEG of roughly 10–20 KB.
func FacePhoto(seed uint64) ([]byte, error) {
	r := rand.New(rand.NewPCG(seed, 7))
	const w, h = 300, 400
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{uint8(200 + r.IntN(40)), uint8(210 + r.IntN(40)), 235, 255}
	skin := color.RGBA{uint8(200 + r.IntN(40)), uint8(150 + r.IntN(40)), uint8(110 + r.IntN(40)), 255}
	hair := color.RGBA{uint8(20 + r.IntN(40)), uint8(15 + r.IntN(30)), uint8(10 + r.IntN(20)), 255}
	cx, cy := w/2+r.IntN(11)-5, h/2-20+r.IntN(11)-5
	rx, ry := 85+r.IntN(15), 115+r.IntN(15)
	in := func(x, y, cx, cy, rx, ry int) bool {
		dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
		return dx*dx+dy*dy <= 1
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := bg
			switch {
			case y > h-90 && in(x, y, w/2, h+40, 150, 160):
				c = color.RGBA{40, 50, 80, 255} // shoulders
			case in(x, y, cx, cy-25, rx+8, ry-10) && y < cy-40:
				c = hair
			case in(x, y, cx, cy, rx, ry):
				c = skin
				if in(x, y, cx-32, cy-15, 12, 7) || in(x, y, cx+32, cy-15, 12, 7) {
					c = color.RGBA{30, 30, 30, 255} // eyes
				}
				if in(x, y, cx, cy+55, 28, 8) {
					c = color.RGBA{170, 70, 70, 255} // mouth
				}
			}
			// Sensor noise makes the JPEG realistic in size.
			n := r.IntN(25) - 12
			img.Set(x, y, color.RGBA{clamp(int(c.R) + n), clamp(int(c.G) + n), clamp(int(c.B) + n), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 65}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SampleFinger is one synthetic finger image of a sample citizen.
type SampleFinger struct {
	Finger string // "right_index", …
	Image  []byte // PNG
}

// SampleFingers are the fingers a sample citizen's DG3 holds: the two
// index fingers, as travel documents store them (ICAO 9303-10 §4.7.3 lets
// the issuer choose; the CCCD's enrolment takes all ten, the chip's choice
// is not public).
var SampleFingers = []string{"right_index", "left_index"}

// Fingerprints draws a sample citizen's finger images (SampleFingers),
// the same for the same ID number: they do not change the records and
// photos that a seed gives.
func Fingerprints(idNumber string) ([]SampleFinger, error) {
	var out []SampleFinger
	for _, f := range SampleFingers {
		h := fnv.New64a()
		h.Write([]byte(idNumber + "/" + f))
		img, err := FingerprintPNG(h.Sum64())
		if err != nil {
			return nil, err
		}
		out = append(out, SampleFinger{Finger: f, Image: img})
	}
	return out, nil
}

// FingerprintPNG draws a synthetic fingerprint (a drawing of ridges, no
// real person's): a 256×320 grey PNG, 500 pixels per inch (a 13 × 16 mm
// fingertip), a whorl or a loop with ridges 0.4–0.5 mm apart, in 16 grey
// levels so that it stays near 13 KB.
func FingerprintPNG(seed uint64) ([]byte, error) {
	r := rand.New(rand.NewPCG(seed, 11))
	const w, h = 256, 320
	img := image.NewGray(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2+float64(r.IntN(30)-15), float64(h)*0.45+float64(r.IntN(30)-15)
	period := 8 + 2*r.Float64()
	kind := r.IntN(3) // whorl, loop bent left, loop bent right
	turns := float64(1 + r.IntN(2))
	p1, p2, p3 := 6*r.Float64(), 6*r.Float64(), 6*r.Float64()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)-cx)/(w*0.42), (float64(y)-cy)/(h*0.46)
			e := dx*dx + dy*dy
			if e > 1 {
				img.Pix[y*img.Stride+x] = 255
				continue
			}
			fx, fy := float64(x)-cx, float64(y)-cy
			rr, a := math.Hypot(fx, fy), math.Atan2(fy, fx)
			var phase float64
			if kind == 0 {
				// A whole number of turns keeps the spiral continuous.
				phase = rr + turns*period*a/(2*math.Pi)
			} else {
				s := 1.0
				if kind == 2 {
					s = -1
				}
				phase = rr*(0.6+0.4*math.Cos(a-s*math.Pi/2)) + fy*0.5
			}
			phase += 4*math.Sin(float64(x)/37+p1)*math.Sin(float64(y)/29+p2) + 2*math.Sin(float64(x+y)/53+p3)
			g := 128 - 110*math.Cos(2*math.Pi*phase/period)
			g = 255 - (255-g)*(1-math.Pow(e, 4)) // lighter at the rim
			img.Pix[y*img.Stride+x] = uint8(g) &^ 0x0F
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func clamp(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Spec starts the document spec of a record and its photo (holder and
// face; the caller adds keys and the signer): the few lines every test that
// builds a card would repeat. SpecWithFingerprints adds a DG3.
func Spec(r citizen.Record, photo []byte) (lds.DocumentSpec, error) {
	h, errs, _ := citizen.NewHolder(r)
	if !errs.OK() {
		return lds.DocumentSpec{}, errs.Err()
	}
	face, err := lds.NewFaceImageFromPhoto(photo, lds.GenderUnspecified)
	if err != nil {
		return lds.DocumentSpec{}, err
	}
	return lds.DocumentSpec{Holder: h, Photo: face}, nil
}

// SpecWithFingerprints is Spec with the sample citizen's synthetic finger
// images in DG3 (Fingerprints).
func SpecWithFingerprints(r citizen.Record, photo []byte) (lds.DocumentSpec, error) {
	spec, err := Spec(r, photo)
	if err != nil {
		return spec, err
	}
	fps, err := Fingerprints(r.IDNumber)
	if err != nil {
		return spec, err
	}
	var in []lds.FingerInput
	for _, f := range fps {
		pos, err := lds.ParseFingerPosition(f.Finger)
		if err != nil {
			return spec, err
		}
		in = append(in, lds.FingerInput{Position: pos, Image: f.Image})
	}
	dg3, err := lds.NewDG3(in)
	if err != nil {
		return spec, err
	}
	if spec.DG3, err = dg3.Encode(); err != nil {
		return spec, err
	}
	return spec, nil
}
