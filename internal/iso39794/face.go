// Package iso39794 reads and writes ISO/IEC 39794-5:2019 face image data
// (the "extensible biometric data interchange format", tagged binary
// encoding in ASN.1 DER) as ICAO Doc 9303-10 (8th edition) allows in DG2
// of new documents beside the binary ISO/IEC 19794-5:2005 record.
//
// The types follow the module ISO-IEC-39794-5-ed-1-v1 (and the common
// types of ISO-IEC-39794-1-ed-1-v1) as restricted by ICAO's "ISO/IEC
// 39794-5 Application Profile for eMRTDs" (module
// ID-ICAO-ISO-IEC-39794-5-ed-1-v1, published by ICAO TRIP / ISO WG3).
// Fields this package does not interpret are kept verbatim, and unknown
// extension additions are kept as RawElement, so that Parse followed by
// Encode gives back the same bytes for any input Parse accepts (it
// accepts DER only).
package iso39794

import (
	"bytes"
	"strconv"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// tagFaceImageDataBlock is [APPLICATION 5], constructed: 0x65.
const tagFaceImageDataBlock = asn1.Tag(0x40 | 0x20 | 5)

// FaceImageDataBlock is the top-level type of ISO/IEC 39794-5:
//
//	FaceImageDataBlock ::= [APPLICATION 5] SEQUENCE {
//		versionBlock [0] VersionBlock,
//		representationBlocks [1] RepresentationBlocks,
//		... }
type FaceImageDataBlock struct {
	Version         VersionBlock
	Representations []Representation // RepresentationBlocks, at least one
	Extensions      []RawElement     // additions after [1]
}

// VersionBlock ::= SEQUENCE { generation [0] VersionGeneration (3..65535),
// year [1] VersionYear (2019..9999), ... } (module
// ISO-IEC-39794-1-ed-1-v1). A 39794-5:2019 block is generation 3, year
// 2019.
type VersionBlock struct {
	Generation int64
	Year       int64
	Extensions []RawElement
}

// Version of ISO/IEC 39794-5:2019 data: generation 3 (the 19794
// editions of 2005 and 2011 being the first two), year 2019.
const (
	VersionGeneration = 3
	VersionYear       = 2019
)

// Representation is one RepresentationBlock (ISO/IEC 39794-5 module):
//
//	RepresentationBlock ::= SEQUENCE {
//		representationId [0] INTEGER (0..MAX),
//		imageRepresentation [1] ImageRepresentation,
//		captureDateTimeBlock [2] CaptureDateTimeBlock OPTIONAL,
//		qualityBlocks [3] QualityBlocks OPTIONAL,
//		padDataBlock [4] PADDataBlock OPTIONAL,
//		sessionId [5] INTEGER (0..MAX) OPTIONAL,
//		derivedFrom [6] INTEGER (0..MAX) OPTIONAL,
//		captureDeviceBlock [7] CaptureDeviceBlock OPTIONAL,
//		identityMetadataBlock [8] IdentityMetadataBlock OPTIONAL,
//		landmarkBlocks [9] LandmarkBlocks OPTIONAL,
//		... }
//
// The []byte fields named Raw hold the contents of a constructed field
// verbatim (nil: absent; empty non-nil: present and empty).
type Representation struct {
	ID int64

	// ImageRepresentation ::= CHOICE { base [0] ImageRepresentationBase,
	// extensionBlock [1] ImageRepresentationExtensionBlock } with
	// ImageRepresentationBase ::= CHOICE { imageRepresentation2DBlock [0]
	// ..., shapeRepresentation3DBlock [1] ... } (the 3D alternative is in
	// ISO/IEC 39794-5, not in the ICAO profile). Exactly one of Image2D,
	// Shape3DRaw and ImageExtensionRaw is set.
	Image2D           *Image2D
	Shape3DRaw        []byte // contents of base: shapeRepresentation3DBlock [1]
	ImageExtensionRaw []byte // contents of extensionBlock [1]

	CaptureDateTime     *DateTime
	Quality             []Quality // nil: absent; empty non-nil: present, empty
	PADDataRaw          []byte    // [4] PADDataBlock (ISO/IEC 39794-1 module)
	SessionID           *int64
	DerivedFrom         *int64
	CaptureDeviceRaw    []byte // [7] CaptureDeviceBlock
	IdentityMetadataRaw []byte // [8] IdentityMetadataBlock (gender, colours, pose…)
	LandmarksRaw        []byte // [9] LandmarkBlocks
	Extensions          []RawElement
}

// Image2D is an ImageRepresentation2DBlock (ISO/IEC 39794-5 module):
//
//	ImageRepresentation2DBlock ::= SEQUENCE {
//		representationData2D [0] OCTET STRING,
//		imageInformation2DBlock [1] ImageInformation2DBlock,
//		captureDevice2DBlock [2] CaptureDevice2DBlock OPTIONAL,
//		... }
type Image2D struct {
	Data             []byte // the encoded image (JPEG, JPEG 2000, …)
	Info             ImageInfo2D
	CaptureDeviceRaw []byte // [2] CaptureDevice2DBlock
	Extensions       []RawElement
}

// ImageInfo2D is an ImageInformation2DBlock (ISO/IEC 39794-5 module):
//
//	ImageInformation2DBlock ::= SEQUENCE {
//		imageDataFormat [0] ImageDataFormat,
//		faceImageKind2D [1] FaceImageKind2D OPTIONAL,
//		postAcquisitionProcessingBlock [2] ... OPTIONAL,
//		lossyTransformationAttempts [3] ... OPTIONAL,
//		cameraToSubjectDistance [4] INTEGER (0..50000) OPTIONAL,
//		sensorDiagonal [5] INTEGER (0..2000) OPTIONAL,
//		lensFocalLength [6] INTEGER (0..2000) OPTIONAL,
//		imageSizeBlock [7] ImageSizeBlock OPTIONAL,
//		imageFaceMeasurementsBlock [8] ... OPTIONAL,
//		imageColourSpace [9] ImageColourSpace OPTIONAL,
//		referenceColourMappingBlock [10] ... OPTIONAL,
//		... }
type ImageInfo2D struct {
	Format                      Code // ImageFormat… values
	Kind                        *Code
	PostAcquisitionRaw          []byte
	LossyTransformationAttempts *Code
	CameraToSubjectDistance     *int64 // mm
	SensorDiagonal              *int64 // mm
	LensFocalLength             *int64 // mm
	Size                        *ImageSize
	FaceMeasurementsRaw         []byte
	ColourSpace                 *Code
	ReferenceColourMappingRaw   []byte
	Extensions                  []RawElement
}

// ImageSize is an ImageSizeBlock ::= SEQUENCE { width [0] ImageSize,
// height [1] ImageSize } with ImageSize ::= INTEGER (0..65535), in pixels.
type ImageSize struct {
	Width, Height int
}

// ImageFormat is an ImageDataFormatCode (ISO/IEC 39794-5 module). The
// ICAO application profile allows jpeg (2), jpeg2000Lossy (3) and
// jpeg2000Lossless (4).
type ImageFormat int64

const (
	ImageFormatUnknown          ImageFormat = 0 // not in the ICAO profile
	ImageFormatOther            ImageFormat = 1 // not in the ICAO profile
	ImageFormatJPEG             ImageFormat = 2
	ImageFormatJPEG2000Lossy    ImageFormat = 3
	ImageFormatJPEG2000Lossless ImageFormat = 4
	// ImageFormatPNG is png (5) of the full ISO/IEC 39794-5 code list as
	// other implementations give it; the ICAO profile does not allow it,
	// and the value is not checked here against the standard's text.
	ImageFormatPNG ImageFormat = 5
)

func (f ImageFormat) String() string {
	switch f {
	case ImageFormatUnknown:
		return "unknown"
	case ImageFormatOther:
		return "other"
	case ImageFormatJPEG:
		return "jpeg"
	case ImageFormatJPEG2000Lossy:
		return "jpeg2000Lossy"
	case ImageFormatJPEG2000Lossless:
		return "jpeg2000Lossless"
	case ImageFormatPNG:
		return "png"
	}
	return "ImageFormat(" + itoa(int64(f)) + ")"
}

// FaceImageKindMRTD is FaceImageKind2DCode mrtd (0), the only kind of
// the ICAO application profile.
const FaceImageKindMRTD = 0

// CodeForm says how an enumerated code is carried.
type CodeForm uint8

const (
	// CodeDirect is the alternative code [0] Code (as ImageDataFormat).
	CodeDirect CodeForm = iota
	// CodeFallback is extensionBlock [1] SEQUENCE { fallback [0] Code,
	// ... }: the form the 39794 modules give code lists that may grow
	// (the fallback lets an old decoder read a newer code), the only one
	// the ICAO profile gives FaceImageKind2D, gender, colours, ….
	CodeFallback
	// CodeExtension is an extensionBlock [1] without a fallback value;
	// its contents are all in Extra and Value is meaningless.
	CodeExtension
)

// Code is an enumerated value in its extensible CHOICE (ISO/IEC
// 39794-1/-5 modules, e.g. ImageDataFormat): X ::= CHOICE { code [0] ..., extensionBlock [1]
// SEQUENCE { fallback [0] ..., ... } }.
type Code struct {
	Value int64
	Form  CodeForm
	Extra []RawElement // extension-block elements after the fallback
}

// DateTime is a DateTimeBlock (ISO/IEC 39794-1 module): year [0] (0..9999)
// and the optional month [1], day [2], hour [3], minute [4], second [5]
// and millisecond [6]. It has no extension marker.
type DateTime struct {
	Year                                          int64
	Month, Day, Hour, Minute, Second, Millisecond *int64
}

// Quality is a QualityBlock (ISO/IEC 39794-1 module):
//
//	QualityBlock ::= SEQUENCE {
//		algorithmIdBlock [0] RegistryIdBlock,
//		scoreOrError [1] ScoreOrError,
//		... }
//	ScoreOrError ::= CHOICE { score [0] Score (0..100), error [1] ScoringError }
//
// Exactly one of Score and Error is set.
type Quality struct {
	Algorithm  RegistryID
	Score      *int64
	Error      *Code // ScoringError, failureToAssess (0)
	Extensions []RawElement
}

// RegistryID is a RegistryIdBlock ::= SEQUENCE { organization [0]
// RegistryId, id [1] RegistryId } with RegistryId ::= INTEGER (1..65535).
type RegistryID struct {
	Organization, ID int64
}

// Parse parses a FaceImageDataBlock: the DER element [APPLICATION 5]
// (0x65) and nothing after it. For the contents of a DG2 biometric data
// block (7F2E), see ParseBDB.
func Parse(b []byte) (*FaceImageDataBlock, error) {
	s := cryptobyte.String(b)
	if s.Empty() {
		return nil, errAt("", "empty input")
	}
	if !s.PeekASN1Tag(tagFaceImageDataBlock) {
		return nil, errAt("", "expected FaceImageDataBlock [APPLICATION 5] (tag 0x65), found tag 0x%02x", b[0])
	}
	var body cryptobyte.String
	if !s.ReadASN1(&body, tagFaceImageDataBlock) {
		return nil, errAt("FaceImageDataBlock", "truncated or bad DER length")
	}
	if !s.Empty() {
		return nil, errAt("", "%d bytes after the FaceImageDataBlock", len(s))
	}
	r := newReader(body, "FaceImageDataBlock")
	f := &FaceImageDataBlock{}
	v, err := r.req(0, true, "versionBlock")
	if err != nil {
		return nil, err
	}
	if f.Version, err = parseVersion(v, "versionBlock"); err != nil {
		return nil, err
	}
	reps, err := r.req(1, true, "representationBlocks")
	if err != nil {
		return nil, err
	}
	for i := 1; !reps.Empty(); i++ {
		path := "representation " + itoa(int64(i))
		var rep cryptobyte.String
		if !reps.PeekASN1Tag(asn1.SEQUENCE) {
			return nil, errAt(path, "expected a RepresentationBlock SEQUENCE (0x30), found tag 0x%02x", reps[0])
		}
		if !reps.ReadASN1(&rep, asn1.SEQUENCE) {
			return nil, errAt(path, "truncated or bad DER length")
		}
		p, err := parseRepresentation(rep, path)
		if err != nil {
			return nil, err
		}
		f.Representations = append(f.Representations, *p)
	}
	if len(f.Representations) == 0 {
		return nil, errAt("FaceImageDataBlock: representationBlocks", "no RepresentationBlock (SIZE (1..MAX))")
	}
	if f.Extensions, err = r.extensions(); err != nil {
		return nil, err
	}
	return f, nil
}

func parseVersion(s cryptobyte.String, path string) (VersionBlock, error) {
	var v VersionBlock
	r := newReader(s, path)
	var err error
	// The value ranges of VersionGeneration and VersionYear are not
	// enforced when reading: the value is reported as found.
	if v.Generation, err = r.reqInt(0, "generation", 0, 65535); err != nil {
		return v, err
	}
	if v.Year, err = r.reqInt(1, "year", 0, 9999); err != nil {
		return v, err
	}
	v.Extensions, err = r.extensions()
	return v, err
}

func parseRepresentation(s cryptobyte.String, path string) (*Representation, error) {
	r := newReader(s, path)
	p := &Representation{}
	var err error
	if p.ID, err = r.reqInt(0, "representationId", 0, 1<<63-1); err != nil {
		return nil, err
	}
	ir, err := r.req(1, true, "imageRepresentation")
	if err != nil {
		return nil, err
	}
	if err := parseImageRepresentation(ir, join(path, "imageRepresentation"), p); err != nil {
		return nil, err
	}
	if v, ok, err := r.opt(2, true, "captureDateTimeBlock"); err != nil {
		return nil, err
	} else if ok {
		if p.CaptureDateTime, err = parseDateTime(v, join(path, "captureDateTimeBlock")); err != nil {
			return nil, err
		}
	}
	if v, ok, err := r.opt(3, true, "qualityBlocks"); err != nil {
		return nil, err
	} else if ok {
		p.Quality = []Quality{}
		for i := 1; !v.Empty(); i++ {
			qpath := join(path, "qualityBlock "+itoa(int64(i)))
			var qs cryptobyte.String
			if !v.ReadASN1(&qs, asn1.SEQUENCE) {
				return nil, errAt(qpath, "expected a QualityBlock SEQUENCE")
			}
			q, err := parseQuality(qs, qpath)
			if err != nil {
				return nil, err
			}
			p.Quality = append(p.Quality, *q)
		}
	}
	if p.PADDataRaw, err = r.optRaw(4, "padDataBlock"); err != nil {
		return nil, err
	}
	if p.SessionID, err = r.optRange(5, "sessionId", 0, 1<<63-1); err != nil {
		return nil, err
	}
	if p.DerivedFrom, err = r.optRange(6, "derivedFrom", 0, 1<<63-1); err != nil {
		return nil, err
	}
	if p.CaptureDeviceRaw, err = r.optRaw(7, "captureDeviceBlock"); err != nil {
		return nil, err
	}
	if p.IdentityMetadataRaw, err = r.optRaw(8, "identityMetadataBlock"); err != nil {
		return nil, err
	}
	if p.LandmarksRaw, err = r.optRaw(9, "landmarkBlocks"); err != nil {
		return nil, err
	}
	if p.Extensions, err = r.extensions(); err != nil {
		return nil, err
	}
	return p, nil
}

// parseImageRepresentation reads the contents of the explicit CHOICE
// imageRepresentation [1]: one alternative, base [0] (itself a CHOICE
// holding imageRepresentation2DBlock [0]) or extensionBlock [1].
func parseImageRepresentation(s cryptobyte.String, path string, p *Representation) error {
	r := newReader(s, path)
	base, ok, err := r.opt(0, true, "base")
	if err != nil {
		return err
	}
	if ok {
		br := newReader(base, join(path, "base"))
		v, ok, err := br.opt(0, true, "imageRepresentation2DBlock")
		if err != nil {
			return err
		}
		if ok {
			if p.Image2D, err = parseImage2D(v, join(path, "imageRepresentation2DBlock")); err != nil {
				return err
			}
		} else {
			if p.Shape3DRaw, err = br.optRaw(1, "shapeRepresentation3DBlock"); err != nil {
				return err
			}
			if p.Shape3DRaw == nil {
				return br.errf("expected imageRepresentation2DBlock [0] or shapeRepresentation3DBlock [1] (found %s)", br.next())
			}
		}
		if err := br.end(); err != nil {
			return err
		}
	} else {
		if p.ImageExtensionRaw, err = r.optRaw(1, "extensionBlock"); err != nil {
			return err
		}
		if p.ImageExtensionRaw == nil {
			return r.errf("expected alternative base [0] or extensionBlock [1] (found %s)", r.next())
		}
	}
	return r.end()
}

func parseImage2D(s cryptobyte.String, path string) (*Image2D, error) {
	r := newReader(s, path)
	im := &Image2D{}
	data, err := r.req(0, false, "representationData2D")
	if err != nil {
		return nil, err
	}
	im.Data = bytes.Clone([]byte(data))
	info, err := r.req(1, true, "imageInformation2DBlock")
	if err != nil {
		return nil, err
	}
	if err := parseInfo2D(info, join(path, "imageInformation2DBlock"), &im.Info); err != nil {
		return nil, err
	}
	if im.CaptureDeviceRaw, err = r.optRaw(2, "captureDevice2DBlock"); err != nil {
		return nil, err
	}
	if im.Extensions, err = r.extensions(); err != nil {
		return nil, err
	}
	return im, nil
}

func parseInfo2D(s cryptobyte.String, path string, in *ImageInfo2D) error {
	r := newReader(s, path)
	v, err := r.req(0, true, "imageDataFormat")
	if err != nil {
		return err
	}
	if in.Format, err = parseCode(v, join(path, "imageDataFormat")); err != nil {
		return err
	}
	if in.Kind, err = r.optCode(1, "faceImageKind2D"); err != nil {
		return err
	}
	if in.PostAcquisitionRaw, err = r.optRaw(2, "postAcquisitionProcessingBlock"); err != nil {
		return err
	}
	if in.LossyTransformationAttempts, err = r.optCode(3, "lossyTransformationAttempts"); err != nil {
		return err
	}
	if in.CameraToSubjectDistance, err = r.optRange(4, "cameraToSubjectDistance", 0, 50000); err != nil {
		return err
	}
	if in.SensorDiagonal, err = r.optRange(5, "sensorDiagonal", 0, 2000); err != nil {
		return err
	}
	if in.LensFocalLength, err = r.optRange(6, "lensFocalLength", 0, 2000); err != nil {
		return err
	}
	if v, ok, err := r.opt(7, true, "imageSizeBlock"); err != nil {
		return err
	} else if ok {
		sr := newReader(v, join(path, "imageSizeBlock"))
		w, err := sr.reqInt(0, "width", 0, 65535)
		if err != nil {
			return err
		}
		h, err := sr.reqInt(1, "height", 0, 65535)
		if err != nil {
			return err
		}
		if err := sr.end(); err != nil {
			return err
		}
		in.Size = &ImageSize{Width: int(w), Height: int(h)}
	}
	if in.FaceMeasurementsRaw, err = r.optRaw(8, "imageFaceMeasurementsBlock"); err != nil {
		return err
	}
	if in.ColourSpace, err = r.optCode(9, "imageColourSpace"); err != nil {
		return err
	}
	if in.ReferenceColourMappingRaw, err = r.optRaw(10, "referenceColourMappingBlock"); err != nil {
		return err
	}
	in.Extensions, err = r.extensions()
	return err
}

// optCode reads field [n] holding an extensible code CHOICE.
func (r *reader) optCode(n uint8, name string) (*Code, error) {
	v, ok, err := r.opt(n, true, name)
	if err != nil || !ok {
		return nil, err
	}
	c, err := parseCode(v, join(r.path, name))
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// parseCode reads the single alternative inside a code CHOICE's explicit
// tag: code [0] or extensionBlock [1] { fallback [0], ... }.
func parseCode(s cryptobyte.String, path string) (Code, error) {
	r := newReader(s, path)
	var c Code
	p, err := r.optInt(0, "code")
	if err != nil {
		return c, err
	}
	if p != nil {
		c.Value, c.Form = *p, CodeDirect
		return c, r.end()
	}
	ext, ok, err := r.opt(1, true, "extensionBlock")
	if err != nil {
		return c, err
	}
	if !ok {
		return c, r.errf("expected code [0] or extensionBlock [1] (found %s)", r.next())
	}
	er := newReader(ext, join(path, "extensionBlock"))
	fb, err := er.optInt(0, "fallback")
	if err != nil {
		return c, err
	}
	c.Form = CodeExtension
	if fb != nil {
		c.Value, c.Form = *fb, CodeFallback
	}
	if c.Extra, err = er.extensions(); err != nil {
		return c, err
	}
	return c, r.end()
}

func parseDateTime(s cryptobyte.String, path string) (*DateTime, error) {
	r := newReader(s, path)
	d := &DateTime{}
	var err error
	if d.Year, err = r.reqInt(0, "year", 0, 9999); err != nil {
		return nil, err
	}
	fields := []struct {
		p      **int64
		name   string
		lo, hi int64
	}{
		{&d.Month, "month", 1, 12}, {&d.Day, "day", 1, 31}, {&d.Hour, "hour", 0, 23},
		{&d.Minute, "minute", 0, 59}, {&d.Second, "second", 0, 59}, {&d.Millisecond, "millisecond", 0, 999},
	}
	for i, f := range fields {
		if *f.p, err = r.optRange(uint8(i+1), f.name, f.lo, f.hi); err != nil {
			return nil, err
		}
	}
	return d, r.end()
}

func parseQuality(s cryptobyte.String, path string) (*Quality, error) {
	r := newReader(s, path)
	q := &Quality{}
	alg, err := r.req(0, true, "algorithmIdBlock")
	if err != nil {
		return nil, err
	}
	if q.Algorithm, err = parseRegistryID(alg, join(path, "algorithmIdBlock")); err != nil {
		return nil, err
	}
	soe, err := r.req(1, true, "scoreOrError")
	if err != nil {
		return nil, err
	}
	sr := newReader(soe, join(path, "scoreOrError"))
	if q.Score, err = sr.optRange(0, "score", 0, 100); err != nil {
		return nil, err
	}
	if q.Score == nil {
		if q.Error, err = sr.optCode(1, "error"); err != nil {
			return nil, err
		}
		if q.Error == nil {
			return nil, sr.errf("expected score [0] or error [1] (found %s)", sr.next())
		}
	}
	if err := sr.end(); err != nil {
		return nil, err
	}
	if q.Extensions, err = r.extensions(); err != nil {
		return nil, err
	}
	return q, nil
}

func parseRegistryID(s cryptobyte.String, path string) (RegistryID, error) {
	r := newReader(s, path)
	var id RegistryID
	var err error
	if id.Organization, err = r.reqInt(0, "organization", 1, 65535); err != nil {
		return id, err
	}
	if id.ID, err = r.reqInt(1, "id", 1, 65535); err != nil {
		return id, err
	}
	return id, r.end()
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
