package lds

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"
	"strings"

	"golang.org/x/crypto/cryptobyte"
)

// DG3 is data group 3 (tag 63): the holder's finger images, and DG4 (tag
// 76) the iris images, each a Biometric Information Template Group (7F61)
// of Biometric Information Templates (7F60): a Biometric Header Template
// (A1) and a biometric data block (ICAO 9303-10 §4.7.3, §4.7.4; ISO/IEC
// 7816-11, CBEFF). DG3's data blocks (5F2E) hold ISO/IEC 19794-4:2005 finger
// image records, parsed here; DG4's hold ISO/IEC 19794-6 iris records,
// kept as bytes. The chip gives both only after Terminal Authentication
// (ICAO 9303-11 §7.1).
type DG3 struct {
	Fingers []BiometricTemplate
}

// DG4 is data group 4 (tag 76), the iris images (see DG3).
type DG4 struct {
	Irises []BiometricTemplate
}

// BiometricTemplate is one Biometric Information Template of DG3 or DG4.
type BiometricTemplate struct {
	// Header holds the Biometric Header Template's elements in order
	// (80 ICAO header version, 81 biometric type, 82 subtype, 87 format
	// owner, 88 format type, …), kept verbatim.
	Header []BiometricHeaderElement
	// DataTag is the data block's tag: 5F2E (plain) or 7F2E (constructed,
	// the ISO/IEC 39794 encodings of the LDS 2 era).
	DataTag uint32
	// Data is the biometric data block as stored.
	Data []byte
	// Finger is the ISO/IEC 19794-4 record of a DG3 template whose header
	// says finger image (format owner 0101, type 0007) in a 5F2E block;
	// nil otherwise.
	Finger *FingerRecord
}

// CBEFF values of the Biometric Header Template (ISO/IEC 19785-3, the
// registry of ISO/IEC JTC 1 SC 37; ICAO 9303-10 §4.7.3).
const (
	BiometricTypeFinger = 0x08
	BiometricTypeIris   = 0x10

	FormatTypeFingerImage = 0x0007 // ISO/IEC 19794-4
	FormatTypeIrisImage   = 0x0009 // ISO/IEC 19794-6
)

// Finger positions of ISO/IEC 19794-4:2005 Table 2.
const (
	FingerUnknown     = 0
	FingerRightThumb  = 1
	FingerRightIndex  = 2
	FingerRightMiddle = 3
	FingerRightRing   = 4
	FingerRightLittle = 5
	FingerLeftThumb   = 6
	FingerLeftIndex   = 7
	FingerLeftMiddle  = 8
	FingerLeftRing    = 9
	FingerLeftLittle  = 10
)

var fingerNames = [...]string{"unknown", "right_thumb", "right_index", "right_middle", "right_ring", "right_little",
	"left_thumb", "left_index", "left_middle", "left_ring", "left_little"}

// FingerPositionName names a finger position as the citizen record does
// ("right_index"); other codes are "position_N".
func FingerPositionName(pos byte) string {
	if int(pos) < len(fingerNames) {
		return fingerNames[pos]
	}
	return fmt.Sprintf("position_%d", pos)
}

// ParseFingerPosition reads a finger name ("right_index", "left thumb",
// "Right-Index"): one of the ten fingers.
func ParseFingerPosition(name string) (byte, error) {
	n := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(name)))
	for i, f := range fingerNames {
		if i > 0 && f == n {
			return byte(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not a finger: one of %s", name, strings.Join(fingerNames[1:], ", "))
}

// fingerSubtype is the CBEFF biometric subtype of a finger position
// (ISO/IEC 19785-3: bit 1 right, bit 2 left; bits 3-5 thumb 1, index 2,
// middle 3, ring 4, little 5).
func fingerSubtype(pos byte) byte {
	if pos < 1 || pos > 10 {
		return 0
	}
	side := byte(0x01)
	if pos > 5 {
		side, pos = 0x02, pos-5
	}
	return side | pos<<2
}

// Compression codes of the finger image record (ISO/IEC 19794-4:2005
// Table 3).
const (
	FingerUncompressed       = 0
	FingerUncompressedPacked = 1
	FingerWSQ                = 2
	FingerJPEG               = 3
	FingerJPEG2000           = 4
	FingerPNG                = 5
)

// Impression types (ISO/IEC 19794-4:2005 Table 4).
const (
	ImpressionLivePlain     = 0
	ImpressionLiveRolled    = 1
	ImpressionNonLivePlain  = 2
	ImpressionNonLiveRolled = 3
)

// FingerQualityUndefined is the quality value of an image whose quality
// was not computed.
const FingerQualityUndefined = 254

// FingerRecord is an ISO/IEC 19794-4:2005 finger image record: the general
// record header (32 bytes, §8.2) and its finger images, each with its
// finger image header (14 bytes, §8.3).
type FingerRecord struct {
	CaptureDeviceID  uint16
	AcquisitionLevel uint16 // image acquisition setting level (§8.2.6): 31 = 500 ppi, 8 bits
	ScaleUnits       byte   // 1 pixels per inch, 2 pixels per cm
	ScanResH         uint16
	ScanResV         uint16
	ImageResH        uint16
	ImageResV        uint16
	PixelDepth       byte
	Compression      byte // Finger…
	Reserved         uint16
	Images           []FingerImage
}

// FingerImage is one finger image of a record.
type FingerImage struct {
	Position       byte // Finger…
	ViewCount      byte
	ViewNumber     byte
	Quality        byte
	ImpressionType byte
	Width, Height  uint16 // horizontal and vertical line length, in pixels
	Reserved       byte
	Image          []byte
}

const (
	fingerRecordHeaderLen = 32
	fingerImageHeaderLen  = 14
)

// Encode returns the record bytes.
func (r *FingerRecord) Encode() ([]byte, error) {
	if len(r.Images) > 255 {
		return nil, ldsErr("DG3", "a finger record holds at most 255 images")
	}
	total := fingerRecordHeaderLen
	for _, im := range r.Images {
		total += fingerImageHeaderLen + len(im.Image)
	}
	if total > 1<<32-1 {
		return nil, ldsErr("DG3", "finger record too large")
	}
	var b cryptobyte.Builder
	b.AddBytes([]byte("FIR\x00010\x00"))
	b.AddUint16(0) // the record length is 6 bytes; its top two are 0 here
	b.AddUint32(uint32(total))
	b.AddUint16(r.CaptureDeviceID)
	b.AddUint16(r.AcquisitionLevel)
	b.AddUint8(uint8(len(r.Images)))
	b.AddUint8(r.ScaleUnits)
	b.AddUint16(r.ScanResH)
	b.AddUint16(r.ScanResV)
	b.AddUint16(r.ImageResH)
	b.AddUint16(r.ImageResV)
	b.AddUint8(r.PixelDepth)
	b.AddUint8(r.Compression)
	b.AddUint16(r.Reserved)
	for _, im := range r.Images {
		b.AddUint32(uint32(fingerImageHeaderLen + len(im.Image)))
		b.AddUint8(im.Position)
		b.AddUint8(im.ViewCount)
		b.AddUint8(im.ViewNumber)
		b.AddUint8(im.Quality)
		b.AddUint8(im.ImpressionType)
		b.AddUint16(im.Width)
		b.AddUint16(im.Height)
		b.AddUint8(im.Reserved)
		b.AddBytes(im.Image)
	}
	return b.Bytes()
}

// ParseFingerRecord parses an ISO/IEC 19794-4:2005 finger image record.
func ParseFingerRecord(b []byte) (*FingerRecord, error) {
	s := cryptobyte.String(b)
	var magic, version []byte
	var lenHi uint16
	var lenLo uint32
	var n uint8
	r := &FingerRecord{}
	if !s.ReadBytes(&magic, 4) || !s.ReadBytes(&version, 4) || !s.ReadUint16(&lenHi) || !s.ReadUint32(&lenLo) ||
		!s.ReadUint16(&r.CaptureDeviceID) || !s.ReadUint16(&r.AcquisitionLevel) || !s.ReadUint8(&n) ||
		!s.ReadUint8(&r.ScaleUnits) || !s.ReadUint16(&r.ScanResH) || !s.ReadUint16(&r.ScanResV) ||
		!s.ReadUint16(&r.ImageResH) || !s.ReadUint16(&r.ImageResV) || !s.ReadUint8(&r.PixelDepth) ||
		!s.ReadUint8(&r.Compression) || !s.ReadUint16(&r.Reserved) {
		return nil, ldsErr("DG3", "finger record header truncated")
	}
	if string(magic) != "FIR\x00" {
		return nil, ldsErr("DG3", "finger record does not start with FIR")
	}
	if string(version) != "010\x00" {
		return nil, ldsErr("DG3", fmt.Sprintf("finger record version %q is not 010", bytes.TrimRight(version, "\x00")))
	}
	if lenHi != 0 || int64(lenLo) != int64(len(b)) {
		return nil, ldsErr("DG3", "finger record length does not match its data block")
	}
	for i := 0; i < int(n); i++ {
		var size uint32
		var rec cryptobyte.String
		if !s.ReadUint32(&size) || size < fingerImageHeaderLen || !s.ReadBytes((*[]byte)(&rec), int(size)-4) {
			return nil, ldsErr("DG3", fmt.Sprintf("finger image %d truncated", i+1))
		}
		var im FingerImage
		if !rec.ReadUint8(&im.Position) || !rec.ReadUint8(&im.ViewCount) || !rec.ReadUint8(&im.ViewNumber) ||
			!rec.ReadUint8(&im.Quality) || !rec.ReadUint8(&im.ImpressionType) || !rec.ReadUint16(&im.Width) ||
			!rec.ReadUint16(&im.Height) || !rec.ReadUint8(&im.Reserved) {
			return nil, ldsErr("DG3", fmt.Sprintf("finger image %d header truncated", i+1))
		}
		im.Image = append([]byte{}, rec...)
		r.Images = append(r.Images, im)
	}
	if !s.Empty() {
		return nil, ldsErr("DG3", "bytes after the last finger image")
	}
	return r, nil
}

// FingerImageFormat names an image's encoding by its first bytes: "png",
// "jp2", "j2k", "jpeg", "wsq" or "".
func FingerImageFormat(img []byte) string {
	switch {
	case bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(img, []byte{0xFF, 0xA0}):
		return "wsq" // the SOI marker of the FBI WSQ specification
	}
	return (&FaceImage{Image: img}).ImageFormat()
}

// FingerImageSize reads a PNG or JPEG 2000 finger image's width and height
// from its header, and the record's compression code for it.
func FingerImageSize(img []byte) (w, h uint16, compression byte, err error) {
	switch FingerImageFormat(img) {
	case "png":
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil {
			return 0, 0, 0, errors.New("the PNG image has no readable header")
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 0xFFFF || cfg.Height > 0xFFFF {
			return 0, 0, 0, errors.New("image dimensions out of range")
		}
		return uint16(cfg.Width), uint16(cfg.Height), FingerPNG, nil
	case "jp2", "j2k":
		w, h, err := PhotoSize(img)
		if err != nil {
			return 0, 0, 0, errors.New(strings.TrimPrefix(err.Error(), "DG2: "))
		}
		return w, h, FingerJPEG2000, nil
	}
	return 0, 0, 0, errors.New("the image is neither PNG nor JPEG 2000")
}

// FingerInput is one finger image to put in DG3: the position and a PNG or
// JPEG 2000 image.
type FingerInput struct {
	Position byte
	Image    []byte
}

// NewFingerTemplate makes the template of one finger image: an ISO/IEC
// 19794-4 record of one view at 500 pixels per inch, 8-bit grey (image
// acquisition level 31), a live-scan rolled impression (the CCCD
// enrolment rolls the fingers), quality not computed, in a header of
// biometric type finger with the finger's subtype (ICAO 9303-10 §4.7.3).
func NewFingerTemplate(f FingerInput) (BiometricTemplate, error) {
	if f.Position < 1 || f.Position > 10 {
		return BiometricTemplate{}, ldsErr("DG3", fmt.Sprintf("finger position %d is not one of the ten fingers", f.Position))
	}
	w, h, comp, err := FingerImageSize(f.Image)
	if err != nil {
		return BiometricTemplate{}, ldsErr("DG3", FingerPositionName(f.Position)+": "+err.Error())
	}
	rec := &FingerRecord{AcquisitionLevel: 31, ScaleUnits: 1, ScanResH: 500, ScanResV: 500, ImageResH: 500, ImageResV: 500,
		PixelDepth: 8, Compression: comp,
		Images: []FingerImage{{Position: f.Position, ViewCount: 1, ViewNumber: 1, Quality: FingerQualityUndefined,
			ImpressionType: ImpressionLiveRolled, Width: w, Height: h, Image: f.Image}}}
	data, err := rec.Encode()
	if err != nil {
		return BiometricTemplate{}, err
	}
	hdr := []BiometricHeaderElement{
		{0x80, []byte{0x01, 0x01}},
		{0x81, []byte{BiometricTypeFinger}},
		{0x82, []byte{fingerSubtype(f.Position)}},
		{0x87, []byte{0x01, 0x01}},
		{0x88, []byte{0x00, FormatTypeFingerImage}},
	}
	return BiometricTemplate{Header: hdr, DataTag: 0x5F2E, Data: data, Finger: rec}, nil
}

// NewDG3 makes DG3 with one template per finger image, in the order given.
func NewDG3(fingers []FingerInput) (*DG3, error) {
	d := &DG3{}
	seen := map[byte]bool{}
	for _, f := range fingers {
		if seen[f.Position] {
			return nil, ldsErr("DG3", FingerPositionName(f.Position)+" given twice")
		}
		seen[f.Position] = true
		t, err := NewFingerTemplate(f)
		if err != nil {
			return nil, err
		}
		d.Fingers = append(d.Fingers, t)
	}
	return d, nil
}

// Images are the finger images of every template that holds a 19794-4
// record.
func (d *DG3) Images() []FingerImage {
	var out []FingerImage
	for _, t := range d.Fingers {
		if t.Finger != nil {
			out = append(out, t.Finger.Images...)
		}
	}
	return out
}

// Encode returns the DG3 file bytes.
func (d *DG3) Encode() ([]byte, error) { return encodeBiometricGroup("DG3", 0x63, d.Fingers) }

// Encode returns the DG4 file bytes.
func (d *DG4) Encode() ([]byte, error) { return encodeBiometricGroup("DG4", 0x76, d.Irises) }

func encodeBiometricGroup(name string, tag uint32, ts []BiometricTemplate) ([]byte, error) {
	if len(ts) > 255 {
		return nil, ldsErr(name, "at most 255 biometric templates")
	}
	grp := ldsAppendTLV(nil, 0x02, []byte{byte(len(ts))})
	for _, t := range ts {
		if t.DataTag != 0x5F2E && t.DataTag != 0x7F2E {
			return nil, ldsErr(name, fmt.Sprintf("data block tag %X is neither 5F2E nor 7F2E", t.DataTag))
		}
		var hdr []byte
		for _, e := range t.Header {
			hdr = ldsAppendTLV(hdr, e.Tag, e.Value)
		}
		bit := ldsAppendTLV(nil, 0xA1, hdr)
		bit = ldsAppendTLV(bit, t.DataTag, t.Data)
		grp = ldsAppendTLV(grp, 0x7F60, bit)
	}
	return ldsAppendTLV(nil, tag, ldsAppendTLV(nil, 0x7F61, grp)), nil
}

// ParseDG3 parses DG3 and the finger records inside it.
func ParseDG3(b []byte) (*DG3, error) {
	ts, err := parseBiometricGroup("DG3", 0x63, b)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		t := &ts[i]
		if t.DataTag == 0x5F2E && t.formatIs(FormatTypeFingerImage) {
			if t.Finger, err = ParseFingerRecord(t.Data); err != nil {
				return nil, err
			}
		}
	}
	return &DG3{Fingers: ts}, nil
}

// ParseDG4 parses DG4; the iris records stay as bytes.
func ParseDG4(b []byte) (*DG4, error) {
	ts, err := parseBiometricGroup("DG4", 0x76, b)
	if err != nil {
		return nil, err
	}
	return &DG4{Irises: ts}, nil
}

// formatIs reports a header naming format owner ISO/IEC JTC 1 SC 37
// (0101) and the given format type.
func (t *BiometricTemplate) formatIs(typ uint16) bool {
	var owner, ft []byte
	for _, e := range t.Header {
		switch e.Tag {
		case 0x87:
			owner = e.Value
		case 0x88:
			ft = e.Value
		}
	}
	return bytes.Equal(owner, []byte{0x01, 0x01}) && len(ft) == 2 && binary.BigEndian.Uint16(ft) == typ
}

func parseBiometricGroup(name string, tag uint32, b []byte) ([]BiometricTemplate, error) {
	v, err := ldsUnwrap(b, tag, name)
	if err != nil {
		return nil, err
	}
	r := ldsReader(v)
	grp, ok := r.readExpected(0x7F61)
	if !ok || !r.empty() {
		return nil, ldsErr(name, "expected one 7F61 biometric information group")
	}
	g := ldsReader(grp)
	cnt, ok := g.readExpected(0x02)
	if !ok || len(cnt) != 1 {
		return nil, ldsErr(name, "missing the 02 template count")
	}
	var ts []BiometricTemplate
	for !g.empty() {
		bit, ok := g.readExpected(0x7F60)
		if !ok {
			return nil, ldsErr(name, "expected a 7F60 biometric information template")
		}
		br := ldsReader(bit)
		hdr, ok := br.readExpected(0xA1)
		if !ok {
			return nil, ldsErr(name, "missing the A1 biometric header template")
		}
		var t BiometricTemplate
		hr := ldsReader(hdr)
		for !hr.empty() {
			tg, val, ok := hr.readTLV()
			if !ok {
				return nil, ldsErr(name, "malformed biometric header template")
			}
			t.Header = append(t.Header, BiometricHeaderElement{Tag: tg, Value: append([]byte{}, val...)})
		}
		tg, bdb, ok := br.readTLV()
		if !ok || (tg != 0x5F2E && tg != 0x7F2E) || !br.empty() {
			return nil, ldsErr(name, "expected a 5F2E or 7F2E biometric data block")
		}
		t.DataTag, t.Data = tg, append([]byte{}, bdb...)
		ts = append(ts, t)
	}
	if int(cnt[0]) != len(ts) {
		return nil, ldsErr(name, fmt.Sprintf("template count says %d but %d templates follow", cnt[0], len(ts)))
	}
	return ts, nil
}
