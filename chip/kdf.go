package chip

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/cccd-vn/cccd/internal/smcrypto"
)

// KDF counters of ICAO Doc 9303-11 §9.7.1.
const (
	kdfEnc      = 1
	kdfMAC      = 2
	kdfPassword = 3
)

// KeyCipher is the block cipher and key length a derived key is for.
type KeyCipher int

const (
	Cipher3DES KeyCipher = iota + 1
	CipherAES128
	CipherAES192
	CipherAES256
)

func (c KeyCipher) String() string {
	switch c {
	case Cipher3DES:
		return "3DES"
	case CipherAES128:
		return "AES-128"
	case CipherAES192:
		return "AES-192"
	case CipherAES256:
		return "AES-256"
	}
	return fmt.Sprintf("cipher(%d)", int(c))
}

// deriveKey is KDF(K, c) of ICAO 9303-11 §9.7.1: a hash of K || c (c a
// 32-bit big-endian counter), SHA-1 for 3DES and AES-128, SHA-256 for
// AES-192/256, cut to the key length; 3DES keys get odd parity.
func deriveKey(c KeyCipher, secret []byte, counter uint32) []byte {
	var ctr [4]byte
	binary.BigEndian.PutUint32(ctr[:], counter)
	in := append(append([]byte(nil), secret...), ctr[:]...)
	switch c {
	case Cipher3DES:
		sum := sha1.Sum(in)
		return smcrypto.AdjustParity(sum[:16])
	case CipherAES128:
		sum := sha1.Sum(in)
		return sum[:16]
	case CipherAES192:
		sum := sha256.Sum256(in)
		return sum[:24]
	default:
		sum := sha256.Sum256(in)
		return sum[:32]
	}
}

// sessionKeys derives KS_enc and KS_mac from a shared secret.
func sessionKeys(c KeyCipher, secret []byte) (enc, mac []byte) {
	return deriveKey(c, secret, kdfEnc), deriveKey(c, secret, kdfMAC)
}
