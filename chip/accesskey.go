package chip

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"strings"
)

// ErrAccessDenied reports that the chip refused the secret: the MRZ data or
// CAN given does not belong to this card. It is not a sign of forgery —
// most often a typing mistake — and callers word it so.
var ErrAccessDenied = errors.New("access denied: the MRZ/CAN does not match this card — check what was entered")

// ErrAuthentication reports an access-control exchange that went wrong in
// a way a genuine chip with the right secret does not produce (a bad
// cryptogram or token, a malformed answer).
var ErrAuthentication = errors.New("chip authentication of the access-control exchange failed")

// BACKey is the part of the MRZ that opens the chip (ICAO 9303-11 §9.7.2):
// the document number, date of birth and date of expiry (YYMMDD). Check
// digits are computed here. It prints as "{redacted}".
type BACKey struct {
	DocumentNumber string
	DateOfBirth    string
	DateOfExpiry   string
}

func (k BACKey) String() string   { return "{redacted}" }
func (k BACKey) GoString() string { return "chip.BACKey{redacted}" }

// MRZInformation is the string hashed into K_seed: document number (padded
// with '<' to 9 characters; a longer number is used whole) with its check
// digit, date of birth with its, date of expiry with its.
func (k BACKey) MRZInformation() (string, error) {
	doc := strings.ToUpper(strings.TrimSpace(k.DocumentNumber))
	if doc == "" {
		return "", errors.New("document number is empty")
	}
	for len(doc) < 9 {
		doc += "<"
	}
	var b strings.Builder
	for _, f := range []struct{ name, v string }{
		{"document number", doc},
		{"date of birth", k.DateOfBirth},
		{"date of expiry", k.DateOfExpiry},
	} {
		if f.name != "document number" && !isYYMMDD(f.v) {
			return "", fmt.Errorf("%s must be YYMMDD (6 digits)", f.name)
		}
		cd, err := CheckDigit(f.v)
		if err != nil {
			return "", fmt.Errorf("%s: %v", f.name, err)
		}
		b.WriteString(f.v)
		b.WriteByte(cd)
	}
	return b.String(), nil
}

func isYYMMDD(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// seed is SHA-1 of the MRZ information: its first 16 bytes are BAC's
// K_seed, all 20 are the PACE password key (§9.7.3).
func (k BACKey) seed() ([]byte, error) {
	info, err := k.MRZInformation()
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum([]byte(info))
	return sum[:], nil
}

// PasswordRef is the PACE password reference of MSE:Set AT (§4.4.4.1).
type PasswordRef byte

const (
	PasswordMRZ PasswordRef = 1
	PasswordCAN PasswordRef = 2
)

func (r PasswordRef) String() string {
	switch r {
	case PasswordMRZ:
		return "MRZ"
	case PasswordCAN:
		return "CAN"
	}
	return fmt.Sprintf("password %d", byte(r))
}

// Password is a PACE password: its reference and the key it stands for
// (SHA-1 of the MRZ information, or the CAN digits). It prints as
// "{redacted}".
type Password struct {
	Ref PasswordRef
	key []byte
}

func (p Password) String() string   { return p.Ref.String() + "{redacted}" }
func (p Password) GoString() string { return "chip.Password{" + p.Ref.String() + ", redacted}" }

// MRZPassword makes the PACE password from the MRZ.
func MRZPassword(k BACKey) (Password, error) {
	s, err := k.seed()
	if err != nil {
		return Password{}, err
	}
	return Password{Ref: PasswordMRZ, key: s}, nil
}

// CANPassword makes the PACE password from a card access number (the
// 6 digits printed on the card; for the 2021 CCCD, the last 6 digits of the
// ID number).
func CANPassword(can string) (Password, error) {
	if len(can) != 6 || !isDigits(can) {
		return Password{}, errors.New("the CAN must be 6 digits")
	}
	return Password{Ref: PasswordCAN, key: []byte(can)}, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// piKey is K_π = KDF_π(password) for the cipher (§9.7.3).
func (p Password) piKey(c KeyCipher) []byte { return deriveKey(c, p.key, kdfPassword) }
