package lds

import (
	"encoding/asn1"
	"fmt"
)

// Object identifiers of the LDS objects (ICAO 9303-10 §4.6, 9303-11 §9.2,
// 9303-12 §9). Protocol OIDs of PACE, CA and TA stay plain
// asn1.ObjectIdentifier values inside SecurityInfos and are classified by
// their BSI prefix (see SecurityInfoKind).
var (
	// OIDLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject, the
	// eContentType of EF.SOD.
	OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	// OIDLDSSecurityObjectLegacy is the eContentType seen on early Belgian
	// and French documents.
	OIDLDSSecurityObjectLegacy = asn1.ObjectIdentifier{1, 3, 27, 1, 1, 1}
	// OIDCSCAMasterList is id-icao-cscaMasterList (9303-12 §9).
	OIDCSCAMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	// OIDActiveAuthentication is id-icao-mrtd-security-aaProtocolObject,
	// the protocol of ActiveAuthenticationInfo (9303-11 §9.2.8).
	OIDActiveAuthentication = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
	// OIDUTF8Encoding is ISO 10646 UTF-8 (1.0.10646.1.0.8), the encoding
	// marker at the head of the Vietnamese DG13.
	OIDUTF8Encoding = asn1.ObjectIdentifier{1, 0, 10646, 1, 0, 8}
	// OIDChipAuthenticationPublicKeyDH and ...ECDH are id-PK-DH and
	// id-PK-ECDH (BSI TR-03110-3 A.1.1), the protocols of
	// ChipAuthenticationPublicKeyInfo.
	OIDChipAuthenticationPublicKeyDH   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 1}
	OIDChipAuthenticationPublicKeyECDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 2}
	// OIDTerminalAuthentication is id-TA (TerminalAuthenticationInfo).
	OIDTerminalAuthentication = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}
)

// PACE protocol OIDs (§9.2.x): id-PACE 0.4.0.127.0.7.2.2.4, mapping and
// key agreement, then the cipher suite.
var (
	OIDPACEDHGM3DES     = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 1}
	OIDPACEDHGMAES128   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 2}
	OIDPACEDHGMAES192   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 3}
	OIDPACEDHGMAES256   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 4}
	OIDPACEECDHGM3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 1}
	OIDPACEECDHGMAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}
	OIDPACEECDHGMAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 3}
	OIDPACEECDHGMAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 4}
)

// CA protocol OIDs (§9.2.5): id-CA-ECDH with the cipher suite.
var (
	OIDCAECDH3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 1}
	OIDCAECDHAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}
	OIDCAECDHAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 3}
	OIDCAECDHAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 4}
)

// The BSI protocol arcs under bsi-de protocols smartcard (0.4.0.127.0.7.2.2)
// that classify a SecurityInfo (TR-03110-3 A.1.1; ICAO 9303-11 §9.2).
var (
	sinfoArcPK   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1}
	sinfoArcTA   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}
	sinfoArcCA   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3}
	sinfoArcPACE = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}
)

// sinfoUnder reports whether oid lies under arc and is longer than it.
func sinfoUnder(oid, arc asn1.ObjectIdentifier) bool {
	return len(oid) > len(arc) && oid[:len(arc)].Equal(arc)
}

// ProtocolName names a SecurityInfo protocol OID as BSI TR-03110-3 A.1.1
// and ICAO 9303-11 §9.2 do ("id-PACE-ECDH-GM-AES-CBC-CMAC-128"), or returns
// the dotted OID for one it does not know.
func ProtocolName(oid asn1.ObjectIdentifier) string {
	ciphers := []string{"", "3DES-CBC-CBC", "AES-CBC-CMAC-128", "AES-CBC-CMAC-192", "AES-CBC-CMAC-256"}
	under := func(arc asn1.ObjectIdentifier, extra int) (int, int, bool) {
		if len(oid) != len(arc)+extra || !oid[:len(arc)].Equal(arc) {
			return 0, 0, false
		}
		a, b := oid[len(arc)], 0
		if extra == 2 {
			b = oid[len(arc)+1]
		}
		return a, b, true
	}
	name := func(prefix string, ka, c int) string {
		if c < 1 || c >= len(ciphers) {
			return ""
		}
		k := map[int]string{1: "DH", 2: "ECDH"}[ka]
		if k == "" {
			return ""
		}
		return prefix + k + "-" + ciphers[c]
	}
	switch {
	case oid.Equal(OIDActiveAuthentication):
		return "id-icao-mrtd-security-aaProtocolObject"
	case oid.Equal(OIDTerminalAuthentication):
		return "id-TA"
	case oid.Equal(OIDChipAuthenticationPublicKeyDH):
		return "id-PK-DH"
	case oid.Equal(OIDChipAuthenticationPublicKeyECDH):
		return "id-PK-ECDH"
	}
	if m, c, ok := under(sinfoArcPACE, 2); ok {
		mapping := map[int]string{1: "DH-GM", 2: "ECDH-GM", 3: "DH-IM", 4: "ECDH-IM", 6: "ECDH-CAM"}[m]
		if mapping != "" && c >= 1 && c < len(ciphers) {
			return "id-PACE-" + mapping + "-" + ciphers[c]
		}
	}
	if ka, c, ok := under(sinfoArcCA, 2); ok {
		if n := name("id-CA-", ka, c); n != "" {
			return n
		}
	}
	if v, _, ok := under(sinfoArcTA, 1); ok {
		return fmt.Sprintf("id-TA (version arc %d)", v)
	}
	return oid.String()
}
