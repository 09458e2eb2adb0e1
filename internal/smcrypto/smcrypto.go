// Package smcrypto holds the block-cipher primitives of ICAO Doc 9303-11
// access control and secure messaging: ISO/IEC 9797-1 padding method 2,
// 3DES and AES in CBC mode, the ISO/IEC 9797-1 MAC algorithm 3 ("retail
// MAC") and AES-CMAC (RFC 4493, NIST SP 800-38B).
package smcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"errors"
	"fmt"
)

// ErrPadding reports a plaintext without valid ISO/IEC 9797-1 method 2
// padding.
var ErrPadding = errors.New("invalid ISO/IEC 9797-1 padding")

// Pad appends ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to a
// multiple of the block size (always at least one byte).
func Pad(data []byte, blockSize int) []byte {
	n := len(data) + 1
	n += (blockSize - n%blockSize) % blockSize
	out := make([]byte, n)
	copy(out, data)
	out[len(data)] = 0x80
	return out
}

// Unpad removes padding method 2.
func Unpad(data []byte) ([]byte, error) {
	for i := len(data) - 1; i >= 0; i-- {
		switch data[i] {
		case 0x00:
			continue
		case 0x80:
			return data[:i], nil
		}
		break
	}
	return nil, ErrPadding
}

// tdesKey expands a 16-byte two-key 3DES key K1||K2 to K1||K2||K1; a
// 24-byte key is used as it is.
func tdesKey(key []byte) ([]byte, error) {
	switch len(key) {
	case 16:
		k := make([]byte, 24)
		copy(k, key)
		copy(k[16:], key[:8])
		return k, nil
	case 24:
		return key, nil
	}
	return nil, fmt.Errorf("3DES key of %d bytes, want 16 or 24", len(key))
}

// NewTDES returns a two- or three-key 3DES block cipher.
func NewTDES(key []byte) (cipher.Block, error) {
	k, err := tdesKey(key)
	if err != nil {
		return nil, err
	}
	return des.NewTripleDESCipher(k)
}

// EncryptCBC encrypts data (a multiple of the block size) in CBC mode.
func EncryptCBC(b cipher.Block, iv, data []byte) ([]byte, error) {
	if len(data)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("CBC input of %d bytes is not a multiple of %d", len(data), b.BlockSize())
	}
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, data)
	return out, nil
}

// DecryptCBC decrypts data (a multiple of the block size) in CBC mode.
func DecryptCBC(b cipher.Block, iv, data []byte) ([]byte, error) {
	if len(data) == 0 || len(data)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("CBC ciphertext of %d bytes is not a multiple of %d", len(data), b.BlockSize())
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	return out, nil
}

// RetailMAC computes ISO/IEC 9797-1 MAC algorithm 3 with DES and a
// two-key 16-byte key K1||K2 over data that is already padded: CBC-MAC
// with single DES under K1, the last block then decrypted under K2 and
// encrypted under K1 again (ICAO 9303-11 §9.8.3.1).
func RetailMAC(key, data []byte) ([]byte, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("retail MAC key of %d bytes, want 16", len(key))
	}
	if len(data) == 0 || len(data)%8 != 0 {
		return nil, fmt.Errorf("retail MAC input of %d bytes is not padded to 8", len(data))
	}
	k1, _ := des.NewCipher(key[:8])
	k2, _ := des.NewCipher(key[8:16])
	h := make([]byte, 8)
	for i := 0; i < len(data); i += 8 {
		subtle.XORBytes(h, h, data[i:i+8])
		k1.Encrypt(h, h)
	}
	k2.Decrypt(h, h)
	k1.Encrypt(h, h)
	return h, nil
}

// CMAC computes AES-CMAC (RFC 4493) with a 16-, 24- or 32-byte key; the
// full 16-byte tag is returned (ICAO truncates it to 8 bytes).
func CMAC(key, data []byte) ([]byte, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	const bs = aes.BlockSize
	// Subkeys: L = AES(0); K1 = L<<1 (^ Rb if msb), K2 = K1<<1 (^ Rb).
	l := make([]byte, bs)
	b.Encrypt(l, l)
	k1 := cmacShift(l)
	k2 := cmacShift(k1)
	n := (len(data) + bs - 1) / bs
	complete := n > 0 && len(data)%bs == 0
	if n == 0 {
		n = 1
	}
	last := make([]byte, bs)
	if complete {
		subtle.XORBytes(last, data[(n-1)*bs:], k1)
	} else {
		copy(last, data[(n-1)*bs:])
		last[len(data)-(n-1)*bs] = 0x80
		subtle.XORBytes(last, last, k2)
	}
	x := make([]byte, bs)
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x, x, data[i*bs:(i+1)*bs])
		b.Encrypt(x, x)
	}
	subtle.XORBytes(x, x, last)
	b.Encrypt(x, x)
	return x, nil
}

func cmacShift(in []byte) []byte {
	out := make([]byte, len(in))
	var carry byte
	for i := len(in) - 1; i >= 0; i-- {
		out[i] = in[i]<<1 | carry
		carry = in[i] >> 7
	}
	if in[0]&0x80 != 0 {
		out[len(out)-1] ^= 0x87
	}
	return out
}

// AdjustParity sets the odd parity bit (least significant) of every byte,
// as DES keys derived by the ICAO KDF need.
func AdjustParity(key []byte) []byte {
	out := make([]byte, len(key))
	for i, b := range key {
		b &^= 1
		ones := 0
		for v := b; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		if ones%2 == 0 {
			b |= 1
		}
		out[i] = b
	}
	return out
}
