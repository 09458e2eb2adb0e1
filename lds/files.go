package lds

import "fmt"

// File identifiers of the LDS (ICAO 9303-10 §3.6 and §3.11, Tables 3 and
// 38): EF.CardAccess and EF.ATR/INFO live in the master file and are
// readable before access control; the others are in the eMRTD application.
const (
	FIDCardAccess uint16 = 0x011C
	FIDSOD        uint16 = 0x011D
	FIDCOM        uint16 = 0x011E
	FIDATRInfo    uint16 = 0x2F01
	FIDMasterFile uint16 = 0x3F00
)

// AID is the eMRTD application identifier (9303-10 §3.3.1).
var AID = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// IsApplicationFile reports whether fid names a file of the eMRTD
// application: DG1..DG16, EF.SOD or EF.COM.
func IsApplicationFile(fid uint16) bool {
	return (fid >= 0x0101 && fid <= 0x0110) || fid == FIDSOD || fid == FIDCOM
}

// IsMasterFile reports whether fid names one of the master file's LDS
// files (EF.CardAccess, EF.ATR/INFO).
func IsMasterFile(fid uint16) bool { return fid == FIDCardAccess || fid == FIDATRInfo }

// ShortEF is the short EF identifier of an LDS file: the low five bits of
// its file identifier (9303-10 §3.6, Table 3), 0 for a file without one.
func ShortEF(fid uint16) byte {
	if IsApplicationFile(fid) || fid == FIDCardAccess {
		return byte(fid & 0x1F)
	}
	return 0
}

// FileName names a file identifier as the standard does ("EF.COM", "DG2").
func FileName(fid uint16) string {
	switch {
	case fid == FIDCOM:
		return "EF.COM"
	case fid == FIDSOD:
		return "EF.SOD"
	case fid == FIDCardAccess:
		return "EF.CardAccess"
	case fid == FIDATRInfo:
		return "EF.ATR/INFO"
	case fid >= 0x0101 && fid <= 0x0110:
		return fmt.Sprintf("DG%d", fid-0x0100)
	}
	return fmt.Sprintf("EF %04X", fid)
}

// FileID is the inverse of FileName: the identifier of "EF.COM", "DG2", ….
func FileID(name string) (uint16, bool) {
	for _, fid := range []uint16{FIDCOM, FIDSOD, FIDCardAccess, FIDATRInfo} {
		if FileName(fid) == name {
			return fid, true
		}
	}
	var n int
	if _, err := fmt.Sscanf(name, "DG%d", &n); err == nil && n >= 1 && n <= 16 && fmt.Sprintf("DG%d", n) == name {
		return DGFileID(n), true
	}
	return 0, false
}

// ldsDGTags maps data-group numbers 1..16 to their file tags (ICAO 9303-10
// §4.6.1, Table 34).
var ldsDGTags = [17]byte{0, 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70}

// DGTag returns the tag that opens data group n (1..16), or 0.
func DGTag(n int) byte {
	if n < 1 || n > 16 {
		return 0
	}
	return ldsDGTags[n]
}

// DGNumber returns the data-group number of a file tag, or 0.
func DGNumber(tag byte) int {
	for n := 1; n <= 16; n++ {
		if ldsDGTags[n] == tag {
			return n
		}
	}
	return 0
}

// DGFileID returns the short file identifier 0101..0110 of data group n
// (ICAO 9303-10 §4.6.1).
func DGFileID(n int) uint16 { return 0x0100 + uint16(n) }
