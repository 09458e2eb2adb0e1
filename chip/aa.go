package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-vn/cccd/apdu"
)

// Active Authentication, ICAO Doc 9303-11 §6.1: the chip signs a random
// challenge with the private key whose public half is in DG15 (signed by
// EF.SOD), proving it is not a copy. RSA signatures follow ISO/IEC 9796-2
// digital signature scheme 1 (message recovery); ECDSA ones are plain
// r||s over the hash named by DG14's ActiveAuthenticationInfo.

// ErrAAFailed reports an Active Authentication signature that does not
// verify: the chip does not hold the key of DG15 (a clone).
var ErrAAFailed = errors.New("active authentication failed: the chip does not hold the key of DG15 (cloned chip?)")

// ActiveAuthenticate sends INTERNAL AUTHENTICATE with a fresh 8-byte
// challenge from rnd and verifies the chip's answer with pub, the DG15
// key. ecHash is the hash for ECDSA keys (from DG14; SHA-256 when zero).
func ActiveAuthenticate(card *apdu.Card, pub crypto.PublicKey, ecHash crypto.Hash, rnd io.Reader) error {
	challenge := make([]byte, 8)
	if _, err := io.ReadFull(rnd, challenge); err != nil {
		return err
	}
	sig, err := card.Send(apdu.Command{INS: 0x88, Data: challenge, Ne: apdu.MaxShortLe})
	if err != nil {
		return fmt.Errorf("active authentication: %w", err)
	}
	return VerifyAA(pub, ecHash, challenge, sig)
}

// VerifyAA checks an Active Authentication signature over challenge.
func VerifyAA(pub crypto.PublicKey, ecHash crypto.Hash, challenge, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return aaVerifyRSA(k, challenge, sig)
	case *ecdsa.PublicKey:
		if ecHash == 0 {
			ecHash = crypto.SHA256
		}
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		if len(sig) != 2*n {
			return fmt.Errorf("%w: ECDSA signature of %d bytes, want %d", ErrAAFailed, len(sig), 2*n)
		}
		h := ecHash.New()
		h.Write(challenge)
		r := new(big.Int).SetBytes(sig[:n])
		s := new(big.Int).SetBytes(sig[n:])
		if !ecdsa.Verify(k, h.Sum(nil), r, s) {
			return ErrAAFailed
		}
		return nil
	}
	return fmt.Errorf("active authentication: unsupported DG15 key type %T", pub)
}

// aaTrailerHashes maps ISO/IEC 10118-3 hash identifiers of the two-byte
// trailer (xx CC) to hashes; the one-byte trailer BC means SHA-1.
var aaTrailerHashes = map[byte]crypto.Hash{
	0x33: crypto.SHA1,
	0x34: crypto.SHA256,
	0x35: crypto.SHA512,
	0x36: crypto.SHA384,
	0x38: crypto.SHA224,
}

func aaVerifyRSA(pub *rsa.PublicKey, challenge, sig []byte) error {
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) == 0 || len(sig) > k {
		return fmt.Errorf("%w: RSA signature of %d bytes for a %d-byte modulus", ErrAAFailed, len(sig), k)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return ErrAAFailed
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	f := m.FillBytes(make([]byte, k))
	if f[k-1]&0x0F != 0x0C {
		// ISO/IEC 9796-2 lets the signer send n - σ; undo it.
		f = new(big.Int).Sub(pub.N, m).FillBytes(make([]byte, k))
	}
	var h crypto.Hash
	var tlen int
	switch {
	case f[k-1] == 0xBC:
		h, tlen = crypto.SHA1, 1
	case f[k-1] == 0xCC && aaTrailerHashes[f[k-2]] != 0:
		h, tlen = aaTrailerHashes[f[k-2]], 2
	default:
		return fmt.Errorf("%w: unknown ISO/IEC 9796-2 trailer", ErrAAFailed)
	}
	if f[0]&0xC0 != 0x40 || k < 1+h.Size()+tlen {
		return fmt.Errorf("%w: not an ISO/IEC 9796-2 message representative", ErrAAFailed)
	}
	digest := f[k-tlen-h.Size() : k-tlen]
	m1 := f[1 : k-tlen-h.Size()]
	hh := h.New()
	hh.Write(m1)
	hh.Write(challenge)
	if !bytes.Equal(hh.Sum(nil), digest) {
		return ErrAAFailed
	}
	return nil
}
