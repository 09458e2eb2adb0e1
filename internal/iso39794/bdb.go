package iso39794

import (
	"bytes"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// DG2 carries each face in a Biometric Information Template (7F60): a
// Biometric Header Template (A1) then a biometric data block (BDB), ICAO
// Doc 9303-10 §4.7.2 after ISO/IEC 7816-11 (CBEFF patron format). The
// header's format owner (87) and format type (88) name the BDB's format,
// registered with the CBEFF registration authority (IBIA, "BDB format
// identifiers"):
//
//	19794-5:2005  BDB 5F2E, "FAC\0" record               owner 0101, type 0008
//	39794-5:2019  BDB 7F2E { A1 { 65 FaceImageDataBlock } } owner 0101, type 002A
//
// For 39794-5 the data block is the constructed 7F2E and holds, per
// ICAO's "ISO/IEC 39794-5 Application Profile for eMRTDs" (v1.00,
// Table 2, data structure under DO 7F2E), one context-specific
// constructed data object A1 wrapping the [APPLICATION 5]
// FaceImageDataBlock. (In the 19794 era 7F2E was the enciphered BDB of
// ISO/IEC 7816-11; the header tells the two apart.)
const (
	// Biometric header template data objects (ISO/IEC 7816-11 Table C.1).
	HeaderTagFormatOwner = 0x87
	HeaderTagFormatType  = 0x88

	// FormatOwnerSC37 is ISO/IEC JTC 1/SC 37, the owner of both formats.
	FormatOwnerSC37 = 0x0101
	// FormatType19794Face is ISO/IEC 19794-5 face image (Doc 9303-10
	// §4.7.2.1: the value every 19794 DG2 carries).
	FormatType19794Face = 0x0008
	// FormatType39794Face is ISO/IEC 39794-5 face image, tagged binary
	// ("g3-binary-face-image" in the CBEFF registry).
	FormatType39794Face = 0x002A

	// BDBTag19794 is the plain biometric data block of a 19794-5 record.
	BDBTag19794 = 0x5F2E
	// BDBTag39794 is the constructed biometric data block of 39794-5.
	BDBTag39794 = 0x7F2E
	// BDBInnerTag39794 is the data object directly under 7F2E.
	BDBInnerTag39794 = 0xA1
	// FaceImageDataBlockTag is [APPLICATION 5], constructed.
	FaceImageDataBlockTag = 0x65
)

// Encoding names the format of a DG2 face.
type Encoding int

const (
	EncodingUnknown Encoding = iota
	Encoding19794            // ISO/IEC 19794-5:2005 binary record
	Encoding39794            // ISO/IEC 39794-5:2019 tagged binary
)

func (e Encoding) String() string {
	switch e {
	case Encoding19794:
		return "ISO/IEC 19794-5"
	case Encoding39794:
		return "ISO/IEC 39794-5"
	}
	return "unknown"
}

// EncodingFromHeader tells the encoding from the values of the biometric
// header's format owner (87) and format type (88) data objects, two bytes
// each, big-endian.
func EncodingFromHeader(formatOwner, formatType []byte) Encoding {
	if len(formatOwner) != 2 || len(formatType) != 2 ||
		uint16(formatOwner[0])<<8|uint16(formatOwner[1]) != FormatOwnerSC37 {
		return EncodingUnknown
	}
	switch uint16(formatType[0])<<8 | uint16(formatType[1]) {
	case FormatType19794Face:
		return Encoding19794
	case FormatType39794Face:
		return Encoding39794
	}
	return EncodingUnknown
}

// EncodingFromBDB tells the encoding from a biometric data block's value
// (what follows the 5F2E or 7F2E tag and length): the "FAC\0" format
// identifier of a 19794-5 record (ISO/IEC 19794-5:2005 §5.4), or the A1
// data object holding a FaceImageDataBlock (65) of 39794-5 — a bare 65
// is recognised too. It looks at the outer structure only.
func EncodingFromBDB(value []byte) Encoding {
	if bytes.HasPrefix(value, []byte("FAC\x00")) {
		return Encoding19794
	}
	s := cryptobyte.String(value)
	var inner cryptobyte.String
	switch {
	case s.PeekASN1Tag(asn1.Tag(BDBInnerTag39794)):
		// (ReadASN1 advances even on a tag mismatch: peek first.)
		if s.ReadASN1(&inner, asn1.Tag(BDBInnerTag39794)) && inner.PeekASN1Tag(tagFaceImageDataBlock) {
			return Encoding39794
		}
	case s.PeekASN1Tag(tagFaceImageDataBlock):
		return Encoding39794
	}
	return EncodingUnknown
}

// Detect tells a DG2 face's encoding from both its biometric header
// (format owner and type values) and its data block's value. The data
// block decides when its first bytes are recognised — they are what a
// parser will meet — and the header otherwise.
func Detect(formatOwner, formatType, bdbValue []byte) Encoding {
	if e := EncodingFromBDB(bdbValue); e != EncodingUnknown {
		return e
	}
	return EncodingFromHeader(formatOwner, formatType)
}

// ParseBDB parses the value of a 39794-5 biometric data block (7F2E): the
// A1 data object holding the FaceImageDataBlock, nothing after it.
func ParseBDB(value []byte) (*FaceImageDataBlock, error) {
	s := cryptobyte.String(value)
	if s.Empty() {
		return nil, errAt("BDB", "empty biometric data block")
	}
	if !s.PeekASN1Tag(asn1.Tag(BDBInnerTag39794)) {
		if bytes.HasPrefix(value, []byte("FAC\x00")) {
			return nil, errAt("BDB", "this is an ISO/IEC 19794-5 record (FAC), not 39794-5")
		}
		return nil, errAt("BDB", "expected data object A1 under 7F2E, found tag 0x%02x", value[0])
	}
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, asn1.Tag(BDBInnerTag39794)) {
		return nil, errAt("BDB: A1", "truncated or bad DER length")
	}
	if !s.Empty() {
		return nil, errAt("BDB", "%d bytes after the A1 data object", len(s))
	}
	return Parse(inner)
}

// EncodeBDB returns the value of the 7F2E biometric data block: A1
// wrapping Encode's output.
func (f *FaceImageDataBlock) EncodeBDB() ([]byte, error) {
	inner, err := f.Encode()
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.Tag(BDBInnerTag39794), func(b *cryptobyte.Builder) { b.AddBytes(inner) })
	return b.Bytes()
}
