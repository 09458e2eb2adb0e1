package cvc

import (
	"fmt"
	"strings"
)

// Reference is a Certificate Holder Reference or Certification Authority
// Reference: country code (2 characters, ISO 3166-1 alpha-2), holder
// mnemonic (up to 9) and sequence number (5), concatenated (TR-03110 part
// 3 §A.7.1, Table 15). The string holds the ISO/IEC 8859-1 octets as they
// are encoded (§D.2.1.4), at most 16.
type Reference string

// maxReferenceLen is the 16V of tags 42 and 5F20 (TR-03110 part 3 Table 27).
const maxReferenceLen = 16

// NewReference builds a reference from its parts, checking them against
// TR-03110 part 3 Table 15: an upper-case two-letter country, a mnemonic
// of 1 to 9 characters and a numeric or upper-case alphanumeric sequence
// number of 5.
func NewReference(country, mnemonic, sequence string) (Reference, error) {
	if len(country) != 2 || !isUpperAlpha(country) {
		return "", fmt.Errorf("cvc: country code %q is not ISO 3166-1 alpha-2", country)
	}
	if len(mnemonic) == 0 || len(mnemonic) > 9 || !validLatin1(mnemonic) {
		return "", fmt.Errorf("cvc: holder mnemonic %q must be 1 to 9 ISO 8859-1 characters", mnemonic)
	}
	if len(sequence) != 5 || strings.IndexFunc(sequence, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return "", fmt.Errorf("cvc: sequence number %q must be 5 characters 0-9 A-Z", sequence)
	}
	return Reference(country + mnemonic + sequence), nil
}

// Country returns the country code, "" when the reference is too short
// to have the three parts.
func (r Reference) Country() string {
	if len(r) < 8 {
		return ""
	}
	return string(r[:2])
}

// Mnemonic returns the holder mnemonic, "" when the reference is too short.
func (r Reference) Mnemonic() string {
	if len(r) < 8 {
		return ""
	}
	return string(r[2 : len(r)-5])
}

// Sequence returns the sequence number, "" when the reference is too short.
func (r Reference) Sequence() string {
	if len(r) < 8 {
		return ""
	}
	return string(r[len(r)-5:])
}

// String shows the reference as UTF-8 text.
func (r Reference) String() string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		b.WriteRune(rune(r[i])) // ISO 8859-1 code points are the first 256 of Unicode
	}
	return b.String()
}

func isUpperAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// validLatin1 checks the octets are assigned ISO 8859-1 characters: not
// 00-1F nor 7F-9F (TR-03110 part 3 §D.2.1.4).
func validLatin1(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7F && c <= 0x9F {
			return false
		}
	}
	return true
}

func parseReference(object string, v []byte) (Reference, error) {
	switch {
	case len(v) == 0:
		return "", malformed(object, "empty reference")
	case len(v) > maxReferenceLen:
		return "", malformed(object, "%d octets, at most %d allowed", len(v), maxReferenceLen)
	case !validLatin1(string(v)):
		return "", malformed(object, "unassigned ISO 8859-1 character in % X", v)
	}
	return Reference(v), nil
}

func (r Reference) check(object string) error {
	_, err := parseReference(object, []byte(r))
	return err
}
