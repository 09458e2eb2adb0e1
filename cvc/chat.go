package cvc

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"strings"
)

// Terminal types: id-roles = bsi-de applications(3) mrtd(1) roles(2)
// (TR-03110 part 4 §2, §C.4), the object identifier of a CHAT.
var (
	OIDInspectionSystem       = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 1, 2, 1} // id-IS
	OIDAuthenticationTerminal = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 1, 2, 2} // id-AT
	OIDSignatureTerminal      = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 1, 2, 3} // id-ST
)

// Role is the role a CHAT gives its holder: the two most significant bits
// of the relative authorization (TR-03110 part 4 Table 2; ICAO Doc 9303-11
// §7.1.4.3.6).
type Role uint8

// Roles, by the value of bits 8-7.
const (
	RoleTerminal   Role = 0b00 // inspection system (or other terminal)
	RoleDVForeign  Role = 0b01 // DV (official foreign / non-official)
	RoleDVDomestic Role = 0b10 // DV (official domestic)
	RoleCVCA       Role = 0b11 // CVCA
)

func (r Role) String() string {
	switch r & 3 {
	case RoleCVCA:
		return "CVCA"
	case RoleDVDomestic:
		return "DV (official domestic)"
	case RoleDVForeign:
		return "DV (foreign)"
	}
	return "terminal"
}

// IsDV reports a Document Verifier role, domestic or foreign.
func (r Role) IsDV() bool { return r == RoleDVDomestic || r == RoleDVForeign }

// AccessRights are the access rights of an inspection system: bits 6-1 of
// the one-octet relative authorization under id-IS (TR-03110 part 4
// Table 2).
type AccessRights uint8

// Access rights of inspection systems; bits 6-3 are RFU.
const (
	ReadDG3 AccessRights = 0x01 // read access to ePassport application: DG3 (fingerprint)
	ReadDG4 AccessRights = 0x02 // read access to ePassport application: DG4 (iris)

	rightsMask AccessRights = 0x3F
)

func (a AccessRights) String() string {
	var parts []string
	if a&ReadDG3 != 0 {
		parts = append(parts, "read DG3 (fingerprint)")
	}
	if a&ReadDG4 != 0 {
		parts = append(parts, "read DG4 (iris)")
	}
	for bit := AccessRights(0x04); bit <= 0x20; bit <<= 1 {
		if a&bit != 0 {
			parts = append(parts, fmt.Sprintf("RFU bit %02X", uint8(bit)))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// CHAT is a Certificate Holder Authorization Template: the terminal type
// and the relative authorization of the certificate holder (TR-03110 part
// 3 §C.1.5).
type CHAT struct {
	Type          asn1.ObjectIdentifier // 06: id-IS, id-AT, id-ST
	Authorization []byte                // 53: role bits and access rights
}

// InspectionSystemCHAT builds an id-IS CHAT.
func InspectionSystemCHAT(role Role, rights AccessRights) CHAT {
	return CHAT{Type: OIDInspectionSystem, Authorization: []byte{byte(role&3)<<6 | byte(rights&rightsMask)}}
}

// Role returns the role bits (bits 8-7 of the first octet).
func (c CHAT) Role() Role {
	if len(c.Authorization) == 0 {
		return RoleTerminal
	}
	return Role(c.Authorization[0] >> 6)
}

// IsInspectionSystem reports an id-IS template.
func (c CHAT) IsInspectionSystem() bool { return c.Type.Equal(OIDInspectionSystem) }

// Rights returns the access rights of an id-IS template, 0 for another
// terminal type.
func (c CHAT) Rights() AccessRights {
	if !c.IsInspectionSystem() || len(c.Authorization) != 1 {
		return 0
	}
	return AccessRights(c.Authorization[0]) & rightsMask
}

// Equal reports identical templates.
func (c CHAT) Equal(o CHAT) bool {
	return c.Type.Equal(o.Type) && bytes.Equal(c.Authorization, o.Authorization)
}

// Intersect is the bitwise AND of two relative authorizations of the same
// terminal type (TR-03110 part 3 §2.7 step 2); ok is false when the types
// or lengths differ.
func (c CHAT) Intersect(o CHAT) (CHAT, bool) {
	if !c.Type.Equal(o.Type) || len(c.Authorization) != len(o.Authorization) {
		return CHAT{}, false
	}
	out := CHAT{Type: c.Type, Authorization: make([]byte, len(c.Authorization))}
	for i := range out.Authorization {
		out.Authorization[i] = c.Authorization[i] & o.Authorization[i]
	}
	return out, true
}

func (c CHAT) String() string {
	switch {
	case c.IsInspectionSystem():
		return fmt.Sprintf("id-IS, role %s, rights: %s", c.Role(), c.Rights())
	case c.Type.Equal(OIDAuthenticationTerminal):
		return fmt.Sprintf("id-AT, role %s, authorization %X", c.Role(), c.Authorization)
	case c.Type.Equal(OIDSignatureTerminal):
		return fmt.Sprintf("id-ST, role %s, authorization %X", c.Role(), c.Authorization)
	}
	return fmt.Sprintf("%s, role %s, authorization %X", c.Type, c.Role(), c.Authorization)
}
