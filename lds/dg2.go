package lds

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/cccd-vn/cccd/internal/iso39794"
)

// DG2 is data group 2 (tag 75): the encoded face, a Biometric Information
// Template Group (7F61) of Biometric Information Templates (7F60), each a
// Biometric Header Template (A1) and a biometric data block (ICAO 9303-10
// §4.7.2, ISO/IEC 7816-11 / CBEFF) holding either an ISO/IEC 19794-5:2005
// face record (5F2E, "FAC\0") or, in documents of the LDS 2 era, an
// ISO/IEC 39794-5:2019 face image data block (7F2E holding A1 holding the
// [APPLICATION 5] block, per ICAO's 39794-5 application profile). Both
// encodings read and write through the same API; the header's format type
// (0008 or 002A) and the block's first bytes tell which one a DG2 holds.
type DG2 struct {
	Faces []FaceTemplate
}

// FaceEncoding names the encoding of a DG2 face.
type FaceEncoding string

const (
	Face19794 FaceEncoding = "19794"
	Face39794 FaceEncoding = "39794"
)

// FaceTemplate is one Biometric Information Template of DG2.
type FaceTemplate struct {
	// Header holds the Biometric Header Template's elements in order
	// (80 ICAO header version, 81 biometric type, 87 format owner, 88
	// format type, …), kept verbatim.
	Header []BiometricHeaderElement
	// DataTag is 0x5F2E or 0x7F2E as read; 0 means the encoding's own.
	DataTag uint32
	// Record is the ISO/IEC 19794-5 face record in the data block, or
	// nil when the block is ISO/IEC 39794-5 (Block).
	Record *FaceRecord
	// Block is the ISO/IEC 39794-5 face image data block, or nil.
	Block *iso39794.FaceImageDataBlock
}

// Encoding is the encoding of the template's face.
func (f *FaceTemplate) Encoding() FaceEncoding {
	if f.Block != nil {
		return Face39794
	}
	return Face19794
}

// Images are the template's face images. For a 39794-5 block they are
// made from its representations: image bytes, data type, width and height
// (what a viewer and a verifier use).
func (f *FaceTemplate) Images() []FaceImage {
	if f.Record != nil {
		return f.Record.Images
	}
	if f.Block == nil {
		return nil
	}
	var out []FaceImage
	for i := range f.Block.Representations {
		r := &f.Block.Representations[i]
		img := r.Image()
		if img == nil {
			continue
		}
		fi := FaceImage{ImageType: FaceImageTypeFullFrontal, Image: img}
		if w, h, ok := r.Size(); ok && w <= 0xFFFF && h <= 0xFFFF {
			fi.Width, fi.Height = uint16(w), uint16(h)
		}
		if fi.ImageFormat() != "jpeg" {
			fi.ImageDataType = ImageDataJPEG2000
		}
		out = append(out, fi)
	}
	return out
}

// BiometricHeaderElement is one data object of the Biometric Header
// Template (ISO/IEC 7816-11 Table C.1).
type BiometricHeaderElement struct {
	Tag   uint32
	Value []byte
}

// DefaultFaceHeader is the Biometric Header Template written by
// NewFaceTemplate: ICAO header version 1.1, biometric type facial features
// (02), format owner ISO/IEC JTC 1 SC 37 (0101), format type face image
// (0008) (ICAO 9303-10 §4.7.2.1).
func DefaultFaceHeader() []BiometricHeaderElement {
	return []BiometricHeaderElement{
		{0x80, []byte{0x01, 0x01}},
		{0x81, []byte{0x02}},
		{0x87, []byte{0x01, 0x01}},
		{0x88, []byte{0x00, 0x08}},
	}
}

// NewFaceTemplate wraps a face record with the default header.
func NewFaceTemplate(r *FaceRecord) FaceTemplate {
	return FaceTemplate{Header: DefaultFaceHeader(), DataTag: 0x5F2E, Record: r}
}

// NewFaceTemplate39794 makes a template holding one face image as an
// ISO/IEC 39794-5 block (JPEG, or lossy JPEG 2000), with the header of
// format type 002A.
func NewFaceTemplate39794(img *FaceImage) (FaceTemplate, error) {
	format := iso39794.ImageFormatJPEG
	if img.ImageFormat() != "jpeg" {
		format = iso39794.ImageFormatJPEG2000Lossy
	}
	b, err := iso39794.New(img.Image, format, int(img.Width), int(img.Height))
	if err != nil {
		return FaceTemplate{}, ldsErr("DG2", err.Error())
	}
	hdr := DefaultFaceHeader()
	hdr[3].Value = []byte{0x00, iso39794.FormatType39794Face}
	return FaceTemplate{Header: hdr, DataTag: iso39794.BDBTag39794, Block: b}, nil
}

// NewFaceTemplateAs makes the template of one face image in the encoding
// asked for (Face19794 when empty).
func NewFaceTemplateAs(img *FaceImage, enc FaceEncoding) (FaceTemplate, error) {
	switch enc {
	case "", Face19794:
		return NewFaceTemplate(&FaceRecord{Images: []FaceImage{*img}}), nil
	case Face39794:
		return NewFaceTemplate39794(img)
	}
	return FaceTemplate{}, fmt.Errorf("DG2: unknown face encoding %q (19794 or 39794)", enc)
}

// FaceRecord is an ISO/IEC 19794-5:2005 facial record: the general header
// ("FAC\0", version "010\0", length, count) and its face images.
type FaceRecord struct {
	Images []FaceImage
}

// Facial information codes of ISO/IEC 19794-5:2005 §5.5.
const (
	GenderUnspecified = 0x00
	GenderMale        = 0x01
	GenderFemale      = 0x02
	GenderUnknown     = 0xFF

	EyeUnspecified = 0x00
	EyeBlack       = 0x01
	EyeBlue        = 0x02
	EyeBrown       = 0x03
	EyeGray        = 0x04
	EyeGreen       = 0x05

	HairUnspecified = 0x00
	HairBald        = 0x01
	HairBlack       = 0x02
	HairBlonde      = 0x03
	HairBrown       = 0x04
	HairGray        = 0x05
	HairWhite       = 0x06

	FaceImageTypeBasic       = 0x00
	FaceImageTypeFullFrontal = 0x01
	FaceImageTypeToken       = 0x02

	ImageDataJPEG     = 0x00
	ImageDataJPEG2000 = 0x01
)

// FaceImage is one facial record data block: facial information, feature
// points, image information and the image itself (ISO/IEC 19794-5:2005
// §5.5–5.8). The image is kept as opaque bytes.
type FaceImage struct {
	Gender               byte
	EyeColour            byte
	HairColour           byte
	FeatureMask          uint32 // 24 bits
	Expression           uint16
	PoseAngle            [3]byte // yaw, pitch, roll
	PoseAngleUncertainty [3]byte
	FeaturePoints        []FeaturePoint

	ImageType     byte // FaceImageType…
	ImageDataType byte // ImageDataJPEG or ImageDataJPEG2000
	Width, Height uint16
	ColourSpace   byte
	SourceType    byte
	DeviceType    uint16
	Quality       uint16

	Image []byte
}

// FeaturePoint is an MPEG-4 feature point (ISO/IEC 19794-5:2005 §5.6).
type FeaturePoint struct {
	Type     byte
	Code     byte // major point code << 4 | minor
	X, Y     uint16
	Reserved uint16
}

// ImageFormat names the image encoding found by its magic bytes: "jpeg",
// "jp2" (JPEG 2000 file format), "j2k" (JPEG 2000 codestream) or "".
func (f *FaceImage) ImageFormat() string {
	switch {
	case bytes.HasPrefix(f.Image, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(f.Image, []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}):
		return "jp2"
	case bytes.HasPrefix(f.Image, []byte{0xFF, 0x4F, 0xFF, 0x51}):
		return "j2k"
	}
	return ""
}

// NewFaceImage builds a full-frontal face image record from an encoded
// photo; the data type comes from the photo's magic bytes.
func NewFaceImage(photo []byte, width, height uint16, gender byte) (*FaceImage, error) {
	f := &FaceImage{Gender: gender, ImageType: FaceImageTypeFullFrontal, Width: width, Height: height, ColourSpace: 0x01, Image: photo}
	switch f.ImageFormat() {
	case "jpeg":
		f.ImageDataType = ImageDataJPEG
	case "jp2", "j2k":
		f.ImageDataType = ImageDataJPEG2000
	default:
		return nil, fmt.Errorf("DG2: the photo is neither JPEG nor JPEG 2000")
	}
	return f, nil
}

// Encode returns the 19794-5 record bytes.
func (r *FaceRecord) Encode() ([]byte, error) {
	var body cryptobyte.Builder
	for i := range r.Images {
		f := &r.Images[i]
		n := 20 + 8*len(f.FeaturePoints) + 12 + len(f.Image)
		body.AddUint32(uint32(n))
		body.AddUint16(uint16(len(f.FeaturePoints)))
		body.AddUint8(f.Gender)
		body.AddUint8(f.EyeColour)
		body.AddUint8(f.HairColour)
		body.AddUint24(f.FeatureMask)
		body.AddUint16(f.Expression)
		body.AddBytes(f.PoseAngle[:])
		body.AddBytes(f.PoseAngleUncertainty[:])
		for _, p := range f.FeaturePoints {
			body.AddUint8(p.Type)
			body.AddUint8(p.Code)
			body.AddUint16(p.X)
			body.AddUint16(p.Y)
			body.AddUint16(p.Reserved)
		}
		body.AddUint8(f.ImageType)
		body.AddUint8(f.ImageDataType)
		body.AddUint16(f.Width)
		body.AddUint16(f.Height)
		body.AddUint8(f.ColourSpace)
		body.AddUint8(f.SourceType)
		body.AddUint16(f.DeviceType)
		body.AddUint16(f.Quality)
		body.AddBytes(f.Image)
	}
	bb, err := body.Bytes()
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddBytes([]byte("FAC\x00010\x00"))
	b.AddUint32(uint32(14 + len(bb)))
	b.AddUint16(uint16(len(r.Images)))
	b.AddBytes(bb)
	return b.Bytes()
}

// ParseFaceRecord parses an ISO/IEC 19794-5 facial record.
func ParseFaceRecord(b []byte) (*FaceRecord, error) {
	s := cryptobyte.String(b)
	var magic, version []byte
	var total uint32
	var count uint16
	if !s.ReadBytes(&magic, 4) || !s.ReadBytes(&version, 4) || !s.ReadUint32(&total) || !s.ReadUint16(&count) {
		return nil, ldsErr("DG2", "face record header truncated")
	}
	if string(magic) != "FAC\x00" {
		return nil, ldsErr("DG2", "face record does not start with FAC")
	}
	if string(version) != "010\x00" {
		return nil, ldsErr("DG2", fmt.Sprintf("face record version %q is not 010", bytes.TrimRight(version, "\x00")))
	}
	if int64(total) != int64(len(b)) {
		return nil, ldsErr("DG2", "face record length does not match its data block")
	}
	r := &FaceRecord{}
	for i := 0; i < int(count); i++ {
		var n uint32
		var rec cryptobyte.String
		if !s.ReadUint32(&n) || n < 4+20-4+12 || !s.ReadBytes((*[]byte)(&rec), int(n)-4) {
			return nil, ldsErr("DG2", fmt.Sprintf("face image %d truncated", i+1))
		}
		var f FaceImage
		var npts uint16
		var pa, pu []byte
		if !rec.ReadUint16(&npts) || !rec.ReadUint8(&f.Gender) || !rec.ReadUint8(&f.EyeColour) ||
			!rec.ReadUint8(&f.HairColour) || !rec.ReadUint24(&f.FeatureMask) || !rec.ReadUint16(&f.Expression) ||
			!rec.ReadBytes(&pa, 3) || !rec.ReadBytes(&pu, 3) {
			return nil, ldsErr("DG2", "facial information truncated")
		}
		copy(f.PoseAngle[:], pa)
		copy(f.PoseAngleUncertainty[:], pu)
		for k := 0; k < int(npts); k++ {
			var p FeaturePoint
			if !rec.ReadUint8(&p.Type) || !rec.ReadUint8(&p.Code) || !rec.ReadUint16(&p.X) || !rec.ReadUint16(&p.Y) || !rec.ReadUint16(&p.Reserved) {
				return nil, ldsErr("DG2", "feature points truncated")
			}
			f.FeaturePoints = append(f.FeaturePoints, p)
		}
		if !rec.ReadUint8(&f.ImageType) || !rec.ReadUint8(&f.ImageDataType) || !rec.ReadUint16(&f.Width) ||
			!rec.ReadUint16(&f.Height) || !rec.ReadUint8(&f.ColourSpace) || !rec.ReadUint8(&f.SourceType) ||
			!rec.ReadUint16(&f.DeviceType) || !rec.ReadUint16(&f.Quality) {
			return nil, ldsErr("DG2", "image information truncated")
		}
		f.Image = append([]byte{}, rec...)
		r.Images = append(r.Images, f)
	}
	if !s.Empty() {
		return nil, ldsErr("DG2", "bytes after the last face image")
	}
	return r, nil
}

// Encode returns the DG2 file bytes.
func (d *DG2) Encode() ([]byte, error) {
	if len(d.Faces) == 0 || len(d.Faces) > 255 {
		return nil, ldsErr("DG2", "needs 1 to 255 face templates")
	}
	grp := ldsAppendTLV(nil, 0x02, []byte{byte(len(d.Faces))})
	for _, f := range d.Faces {
		var rec []byte
		var err error
		tag := f.DataTag
		switch {
		case f.Block != nil:
			rec, err = f.Block.EncodeBDB()
			if tag == 0 {
				tag = iso39794.BDBTag39794
			}
		case f.Record != nil:
			rec, err = f.Record.Encode()
			if tag == 0 {
				tag = iso39794.BDBTag19794
			}
		default:
			return nil, ldsErr("DG2", "face template without a record")
		}
		if err != nil {
			return nil, err
		}
		var hdr []byte
		for _, e := range f.Header {
			hdr = ldsAppendTLV(hdr, e.Tag, e.Value)
		}
		bit := ldsAppendTLV(nil, 0xA1, hdr)
		bit = ldsAppendTLV(bit, tag, rec)
		grp = ldsAppendTLV(grp, 0x7F60, bit)
	}
	return ldsAppendTLV(nil, 0x75, ldsAppendTLV(nil, 0x7F61, grp)), nil
}

// ParseDG2 parses DG2 and the face records inside it.
func ParseDG2(b []byte) (*DG2, error) {
	v, err := ldsUnwrap(b, 0x75, "DG2")
	if err != nil {
		return nil, err
	}
	r := ldsReader(v)
	grp, ok := r.readExpected(0x7F61)
	if !ok || !r.empty() {
		return nil, ldsErr("DG2", "expected one 7F61 biometric information group")
	}
	g := ldsReader(grp)
	cnt, ok := g.readExpected(0x02)
	if !ok || len(cnt) != 1 {
		return nil, ldsErr("DG2", "missing the 02 template count")
	}
	d := &DG2{}
	for !g.empty() {
		bit, ok := g.readExpected(0x7F60)
		if !ok {
			return nil, ldsErr("DG2", "expected a 7F60 biometric information template")
		}
		br := ldsReader(bit)
		hdr, ok := br.readExpected(0xA1)
		if !ok {
			return nil, ldsErr("DG2", "missing the A1 biometric header template")
		}
		var ft FaceTemplate
		hr := ldsReader(hdr)
		for !hr.empty() {
			t, val, ok := hr.readTLV()
			if !ok {
				return nil, ldsErr("DG2", "malformed biometric header template")
			}
			ft.Header = append(ft.Header, BiometricHeaderElement{Tag: t, Value: append([]byte{}, val...)})
		}
		t, bdb, ok := br.readTLV()
		if !ok || (t != 0x5F2E && t != 0x7F2E) || !br.empty() {
			return nil, ldsErr("DG2", "expected a 5F2E or 7F2E biometric data block")
		}
		ft.DataTag = t
		var owner, typ []byte
		for _, e := range ft.Header {
			switch e.Tag {
			case iso39794.HeaderTagFormatOwner:
				owner = e.Value
			case iso39794.HeaderTagFormatType:
				typ = e.Value
			}
		}
		if iso39794.Detect(owner, typ, bdb) == iso39794.Encoding39794 {
			if ft.Block, err = iso39794.ParseBDB(bdb); err != nil {
				return nil, ldsErr("DG2", "ISO/IEC 39794-5 face: "+err.Error())
			}
		} else if ft.Record, err = ParseFaceRecord(bdb); err != nil {
			return nil, err
		}
		d.Faces = append(d.Faces, ft)
	}
	if int(cnt[0]) != len(d.Faces) {
		return nil, ldsErr("DG2", fmt.Sprintf("template count says %d but %d templates follow", cnt[0], len(d.Faces)))
	}
	return d, nil
}

// FirstImage is the first face image of the first template, in either
// encoding, or nil.
func (d *DG2) FirstImage() *FaceImage {
	if len(d.Faces) == 0 {
		return nil
	}
	imgs := d.Faces[0].Images()
	if len(imgs) == 0 {
		return nil
	}
	return &imgs[0]
}
