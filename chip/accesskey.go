package chip

import (
	"crypto/sha1"
	"errors"
	"fmt"

	"github.com/cccd-vn/cccd/lds"
)

// ErrAccessDenied reports that the chip refused the secret: the MRZ data or
// CAN given does not belong to this card. It is not a sign of forgery —
// most often a typing mistake — and callers word it so.
var ErrAccessDenied = errors.New("access denied: the MRZ/CAN does not match this card — check what was entered")

// ErrAuthentication reports an access-control exchange that went wrong in
// a way a genuine chip with the right secret does not produce (a bad
// cryptogram or token, a malformed answer).
var ErrAuthentication = errors.New("chip authentication of the access-control exchange failed")

// seed is SHA-1 of the MRZ information: its first 16 bytes are BAC's
// K_seed, all 20 are the PACE password key (§9.7.3).
func seed(k lds.Secret) ([]byte, error) {
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

// MRZPassword makes the PACE password from the MRZ fields of a secret.
func MRZPassword(k lds.Secret) (Password, error) {
	s, err := seed(k)
	if err != nil {
		return Password{}, err
	}
	return Password{Ref: PasswordMRZ, key: s}, nil
}

// CANPassword makes the PACE password from a card access number (the
// 6 digits printed on the card; for the 2021 CCCD, the last 6 digits of the
// ID number).
func CANPassword(can string) (Password, error) {
	if err := lds.CheckCAN(can); err != nil {
		return Password{}, err
	}
	return Password{Ref: PasswordCAN, key: []byte(can)}, nil
}

// piKey is K_π = KDF_π(password) for the cipher (§9.7.3).
func (p Password) piKey(c KeyCipher) []byte { return deriveKey(c, p.key, kdfPassword) }
