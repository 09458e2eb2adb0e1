package cvc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// digest hashes msg with the algorithm's hash function.
func digest(alg Algorithm, msg []byte) ([]byte, crypto.Hash, error) {
	h := alg.Hash()
	if h == 0 || !h.Available() {
		return nil, 0, fmt.Errorf("%w: %s", ErrUnsupported, alg)
	}
	w := h.New()
	w.Write(msg)
	return w.Sum(nil), h, nil
}

// Sign signs msg with the algorithm of Terminal Authentication: for
// ECDSA the plain format r || s, each integer as many octets as the order
// of the base point (TR-03111 §5.2.1; TR-03110 part 3 §A.7.4.1), converted
// from the ASN.1 form a crypto.Signer returns; for RSA PKCS #1 v1.5 or
// PSS with MGF1 and a salt as long as the hash (§A.7.3.1).
func Sign(rand io.Reader, signer crypto.Signer, alg Algorithm, msg []byte) ([]byte, error) {
	d, h, err := digest(alg, msg)
	if err != nil {
		return nil, err
	}
	switch pub := signer.Public().(type) {
	case *ecdsa.PublicKey:
		if !alg.IsECDSA() {
			return nil, fmt.Errorf("%w: %s with an EC key", ErrUnsupported, alg)
		}
		der, err := signer.Sign(rand, d, h)
		if err != nil {
			return nil, err
		}
		return PlainFromASN1(der, orderLen(pub))
	case *rsa.PublicKey:
		if !alg.IsRSA() {
			return nil, fmt.Errorf("%w: %s with an RSA key", ErrUnsupported, alg)
		}
		var opts crypto.SignerOpts = h
		if alg.IsPSS() {
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
		}
		return signer.Sign(rand, d, opts)
	}
	return nil, fmt.Errorf("%w: signer key %T", ErrUnsupported, signer.Public())
}

// Verify checks a signature made as Sign makes it; the error wraps
// ErrBadSignature when the signature is wrong.
func Verify(pub crypto.PublicKey, alg Algorithm, msg, sig []byte) error {
	d, h, err := digest(alg, msg)
	if err != nil {
		return err
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if !alg.IsECDSA() {
			return fmt.Errorf("%w: %s with an EC key", ErrUnsupported, alg)
		}
		n := orderLen(k)
		if len(sig) != 2*n {
			return fmt.Errorf("%w: plain ECDSA signature of %d octets, want %d", ErrBadSignature, len(sig), 2*n)
		}
		r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
		if !ecdsa.Verify(k, d, r, s) {
			return ErrBadSignature
		}
		return nil
	case *rsa.PublicKey:
		if !alg.IsRSA() {
			return fmt.Errorf("%w: %s with an RSA key", ErrUnsupported, alg)
		}
		if alg.IsPSS() {
			err = rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
		} else {
			err = rsa.VerifyPKCS1v15(k, h, d, sig)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		return nil
	}
	return fmt.Errorf("%w: key type %T", ErrUnsupported, pub)
}

func orderLen(k *ecdsa.PublicKey) int { return (k.Curve.Params().N.BitLen() + 7) / 8 }

// PlainFromASN1 converts an ECDSA-Sig-Value SEQUENCE { r, s } into the
// plain format r || s with n octets each (TR-03111 §5.2.1, §5.2.2).
func PlainFromASN1(der []byte, n int) ([]byte, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	r, sv := new(big.Int), new(big.Int)
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1Integer(r) || !seq.ReadASN1Integer(sv) || !seq.Empty() {
		return nil, fmt.Errorf("%w: not an ASN.1 ECDSA signature", ErrBadSignature)
	}
	if r.Sign() <= 0 || sv.Sign() <= 0 || len(r.Bytes()) > n || len(sv.Bytes()) > n {
		return nil, fmt.Errorf("%w: ECDSA signature values out of range", ErrBadSignature)
	}
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	sv.FillBytes(out[n:])
	return out, nil
}

// ASN1FromPlain converts a plain r || s signature into an ECDSA-Sig-Value.
func ASN1FromPlain(sig []byte) ([]byte, error) {
	if len(sig) == 0 || len(sig)%2 != 0 {
		return nil, fmt.Errorf("%w: plain ECDSA signature of odd length %d", ErrBadSignature, len(sig))
	}
	n := len(sig) / 2
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(new(big.Int).SetBytes(sig[:n]))
		b.AddASN1BigInt(new(big.Int).SetBytes(sig[n:]))
	})
	return b.Bytes()
}
