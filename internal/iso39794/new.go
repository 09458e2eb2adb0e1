package iso39794

import (
	"bytes"
	"fmt"
	"time"
)

// Magic bytes of the image formats: the JPEG SOI marker and the first
// marker's FF (ITU-T T.81 §B.1.1.3), the JP2 signature box (ISO/IEC
// 15444-1 §I.5.1), the J2K codestream's SOC and SIZ markers (§A.4.1,
// §A.5.1) and the PNG signature (ISO/IEC 15948 §5.2).
var (
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicJP2  = []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}
	magicJ2K  = []byte{0xFF, 0x4F, 0xFF, 0x51}
	magicPNG  = []byte{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}
)

// SniffFormat tells the image format from its first bytes: ImageFormatJPEG,
// ImageFormatJPEG2000Lossy for a JPEG 2000 file or codestream (lossy or
// lossless cannot be told from the header; the issuer states it),
// ImageFormatPNG, or ImageFormatUnknown.
func SniffFormat(image []byte) ImageFormat {
	switch {
	case bytes.HasPrefix(image, magicJPEG):
		return ImageFormatJPEG
	case bytes.HasPrefix(image, magicJP2), bytes.HasPrefix(image, magicJ2K):
		return ImageFormatJPEG2000Lossy
	case bytes.HasPrefix(image, magicPNG):
		return ImageFormatPNG
	}
	return ImageFormatUnknown
}

// New builds a minimal block for one encoded face image: version
// generation 3 / 2019, one representation (id 0) with the image, its
// format (code [0] form), face image kind mrtd (fallback form, the only
// one of the ICAO profile) and its size in pixels. The image's magic bytes
// must match the format.
func New(image []byte, format ImageFormat, width, height int) (*FaceImageDataBlock, error) {
	got := SniffFormat(image)
	want := format
	if want == ImageFormatJPEG2000Lossless {
		want = ImageFormatJPEG2000Lossy
	}
	switch format {
	case ImageFormatJPEG, ImageFormatJPEG2000Lossy, ImageFormatJPEG2000Lossless, ImageFormatPNG:
	default:
		return nil, errAt("", "image format %v is not one this package builds", format)
	}
	if got != want {
		return nil, errAt("", "the image's first bytes are not those of %v", format)
	}
	if width < 1 || width > 65535 || height < 1 || height > 65535 {
		return nil, errAt("", "image size %dx%d is outside 1..65535", width, height)
	}
	return &FaceImageDataBlock{
		Version: VersionBlock{Generation: VersionGeneration, Year: VersionYear},
		Representations: []Representation{{
			ID: 0,
			Image2D: &Image2D{
				Data: bytes.Clone(image),
				Info: ImageInfo2D{
					Format: Code{Value: int64(format), Form: CodeDirect},
					Kind:   &Code{Value: FaceImageKindMRTD, Form: CodeFallback},
					Size:   &ImageSize{Width: width, Height: height},
				},
			},
		}},
	}, nil
}

// NewJPEG is New for a JPEG photo.
func NewJPEG(jpeg []byte, width, height int) (*FaceImageDataBlock, error) {
	return New(jpeg, ImageFormatJPEG, width, height)
}

// NewJPEG2000 is New for a JPEG 2000 photo (JP2 file or J2K codestream),
// lossless or lossy as it was compressed.
func NewJPEG2000(jp2 []byte, width, height int, lossless bool) (*FaceImageDataBlock, error) {
	if lossless {
		return New(jp2, ImageFormatJPEG2000Lossless, width, height)
	}
	return New(jp2, ImageFormatJPEG2000Lossy, width, height)
}

// Format is the image format code of a representation and whether the
// representation holds a 2D image with a code (rather than an extension
// block) for it.
func (p *Representation) Format() (ImageFormat, bool) {
	if p.Image2D == nil || p.Image2D.Info.Format.Form == CodeExtension {
		return 0, false
	}
	return ImageFormat(p.Image2D.Info.Format.Value), true
}

// Image is the encoded image of a representation (nil without a 2D
// image).
func (p *Representation) Image() []byte {
	if p.Image2D == nil {
		return nil
	}
	return p.Image2D.Data
}

// Size is the image size the block states, if it does.
func (p *Representation) Size() (width, height int, ok bool) {
	if p.Image2D == nil || p.Image2D.Info.Size == nil {
		return 0, 0, false
	}
	return p.Image2D.Info.Size.Width, p.Image2D.Info.Size.Height, true
}

// String summarises the block for logs.
func (f *FaceImageDataBlock) String() string {
	s := fmt.Sprintf("ISO/IEC 39794-5 generation %d/%d", f.Version.Generation, f.Version.Year)
	for i := range f.Representations {
		p := &f.Representations[i]
		fm, _ := p.Format()
		w, h, _ := p.Size()
		s += fmt.Sprintf(", representation %d: %v %dx%d, %d bytes", p.ID, fm, w, h, len(p.Image()))
	}
	return s
}

// NewDateTime is the DateTimeBlock of t (in t's location), to the
// millisecond.
func NewDateTime(t time.Time) *DateTime {
	v := func(x int) *int64 { y := int64(x); return &y }
	return &DateTime{
		Year: int64(t.Year()), Month: v(int(t.Month())), Day: v(t.Day()),
		Hour: v(t.Hour()), Minute: v(t.Minute()), Second: v(t.Second()),
		Millisecond: v(t.Nanosecond() / 1e6),
	}
}

// Time is the instant of a DateTimeBlock in UTC (which the block does not
// state), the absent fields taken as their lowest value; false if the
// block does not give at least the year, month and day.
func (d *DateTime) Time() (time.Time, bool) {
	if d == nil || d.Month == nil || d.Day == nil {
		return time.Time{}, false
	}
	get := func(p *int64) int {
		if p == nil {
			return 0
		}
		return int(*p)
	}
	return time.Date(int(d.Year), time.Month(*d.Month), int(*d.Day), get(d.Hour), get(d.Minute), get(d.Second),
		get(d.Millisecond)*1e6, time.UTC), true
}
