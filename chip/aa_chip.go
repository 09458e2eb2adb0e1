package chip

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"fmt"
	"io"
	"math/big"
)

// The chip side of Active Authentication (ICAO 9303-11 §6.1), for the
// emulated card: INTERNAL AUTHENTICATE signs the challenge.

// AASign is the chip side: it answers INTERNAL AUTHENTICATE's challenge
// with the AA private key (RSA: ISO/IEC 9796-2 scheme 1, SHA-1, partial
// recovery; EC: plain r||s over ecHash of the challenge).
func AASign(priv crypto.PrivateKey, ecHash crypto.Hash, challenge []byte, rnd io.Reader) ([]byte, error) {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		n := (k.N.BitLen() + 7) / 8
		m1 := make([]byte, n-2-sha1.Size)
		if _, err := io.ReadFull(rnd, m1); err != nil {
			return nil, err
		}
		d := sha1.Sum(append(append([]byte(nil), m1...), challenge...))
		f := append(append(append([]byte{0x6A}, m1...), d[:]...), 0xBC)
		return new(big.Int).Exp(new(big.Int).SetBytes(f), k.D, k.N).FillBytes(make([]byte, n)), nil
	case *ecdsa.PrivateKey:
		if ecHash == 0 {
			ecHash = crypto.SHA256
		}
		h := ecHash.New()
		h.Write(challenge)
		r, s, err := ecdsa.Sign(rnd, k, h.Sum(nil))
		if err != nil {
			return nil, err
		}
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		out := make([]byte, 2*n)
		r.FillBytes(out[:n])
		s.FillBytes(out[n:])
		return out, nil
	}
	return nil, fmt.Errorf("active authentication: unsupported key type %T", priv)
}
