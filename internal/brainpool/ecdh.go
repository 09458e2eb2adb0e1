package brainpool

import (
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha512"
	"errors"
	"io"
)

// Errors of the byte-level functions.
var (
	ErrCurve  = errors.New("brainpool: not a brainpool curve")
	ErrPoint  = errors.New("brainpool: invalid point (not 04||X||Y on the curve)")
	ErrScalar = errors.New("brainpool: invalid scalar")
	// ErrInfinity reports a result at infinity, which has no encoding.
	ErrInfinity = errors.New("brainpool: result is the point at infinity")
)

func opsOf(c elliptic.Curve) (curveOps, error) {
	bc, ok := c.(*Curve)
	if !ok || bc == nil {
		return nil, ErrCurve
	}
	return bc.ops, nil
}

// padScalar left-pads a big-endian scalar to size bytes; it fails if k
// has more significant bytes than that.
func padScalar(k []byte, size int) ([]byte, error) {
	for len(k) > size && k[0] == 0 {
		k = k[1:]
	}
	if len(k) > size {
		return nil, ErrScalar
	}
	out := make([]byte, size)
	copy(out[size-len(k):], k)
	return out, nil
}

// ScalarMult returns k·P for a point P = 04||X||Y on the curve and a
// big-endian k of at most the curve size (any value: n and more work).
// A point off the curve, the infinity (which has no such encoding) and a
// result at infinity are errors.
func ScalarMult(c elliptic.Curve, point, k []byte) ([]byte, error) {
	ops, err := opsOf(c)
	if err != nil {
		return nil, err
	}
	if !ops.onCurve(point) {
		return nil, ErrPoint
	}
	kk, err := padScalar(k, ops.size())
	if err != nil {
		return nil, err
	}
	out := ops.mult(point, kk)
	if out == nil {
		return nil, ErrInfinity
	}
	return out, nil
}

// ScalarBaseMult returns k·G, k as for ScalarMult.
func ScalarBaseMult(c elliptic.Curve, k []byte) ([]byte, error) {
	ops, err := opsOf(c)
	if err != nil {
		return nil, err
	}
	kk, err := padScalar(k, ops.size())
	if err != nil {
		return nil, err
	}
	out := ops.baseMult(kk)
	if out == nil {
		return nil, ErrInfinity
	}
	return out, nil
}

// ECDH returns the x-coordinate (curve-size bytes) of priv·peer, the
// shared secret of Chip Authentication and PACE (ICAO Doc 9303-11 §4.4.3
// and §6.2; BSI TR-03111 §4.3.1 ECKA-DH). priv must satisfy 1 ≤ priv < n;
// peer must be on the curve (the cofactor is 1, so it then has order n
// and the result is never the infinity).
func ECDH(c elliptic.Curve, priv, peer []byte) ([]byte, error) {
	ops, err := opsOf(c)
	if err != nil {
		return nil, err
	}
	d, err := padScalar(priv, ops.size())
	if err != nil || !ops.validScalar(d) {
		return nil, ErrScalar
	}
	if !ops.onCurve(peer) {
		return nil, ErrPoint
	}
	out := ops.mult(peer, d)
	if out == nil {
		return nil, ErrInfinity
	}
	return out[1 : 1+ops.size()], nil
}

// MapGenerator returns the PACE Generic Mapping generator G' = s·G + H
// (ICAO Doc 9303-11 §4.4.3.3.1), s the decrypted nonce as a big-endian
// integer, H the shared point of the mapping's key agreement (on the
// curve). G' at infinity is an error.
func MapGenerator(c elliptic.Curve, s, h []byte) ([]byte, error) {
	ops, err := opsOf(c)
	if err != nil {
		return nil, err
	}
	if !ops.onCurve(h) {
		return nil, ErrPoint
	}
	ss, err := padScalar(s, ops.size())
	if err != nil {
		return nil, err
	}
	out := ops.baseMultAdd(ss, h)
	if out == nil {
		return nil, ErrInfinity
	}
	return out, nil
}

// GenerateKey returns a private key 1 ≤ priv < n (curve-size bytes, by
// rejection sampling of rand's bytes) and its public point 04||X||Y.
func GenerateKey(c elliptic.Curve, rand io.Reader) (priv, pub []byte, err error) {
	ops, err := opsOf(c)
	if err != nil {
		return nil, nil, err
	}
	d := make([]byte, ops.size())
	for {
		if _, err := io.ReadFull(rand, d); err != nil {
			return nil, nil, err
		}
		if ops.validScalar(d) {
			break
		}
	}
	return d, ops.baseMult(d), nil
}

// digestInt is the ECDSA digest integer (SEC 1 v2 §4.1.3 step 5): the
// leftmost bits of the digest, as many as n has; for these curves n has
// 8·size bits, so it is the first size bytes, left-padded if shorter.
func digestInt(digest []byte, size int) []byte {
	if len(digest) > size {
		digest = digest[:size]
	}
	e := make([]byte, size)
	copy(e[size-len(digest):], digest)
	return e
}

// Sign returns an ECDSA signature (r, s), each of the curve size, of a
// digest with the private key priv (1 ≤ priv < n). The nonce k is drawn
// as HMAC-SHA-512(seed, priv || e || counter) truncated to the curve size,
// with a fresh 32-byte seed from rand, rejecting k ≥ n or 0: random if
// rand is, and still secret if rand is weak. crypto/ecdsa verifies the
// result, and Verify accepts crypto/ecdsa's signatures.
func Sign(rand io.Reader, c elliptic.Curve, priv, digest []byte) (r, s []byte, err error) {
	ops, err := opsOf(c)
	if err != nil {
		return nil, nil, err
	}
	size := ops.size()
	d, err := padScalar(priv, size)
	if err != nil || !ops.validScalar(d) {
		return nil, nil, ErrScalar
	}
	e := digestInt(digest, size)
	var seed [32]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, nil, err
	}
	mac := hmac.New(sha512.New, seed[:])
	for counter := uint32(0); ; counter++ {
		mac.Reset()
		mac.Write(d)
		mac.Write(e)
		mac.Write([]byte{byte(counter >> 24), byte(counter >> 16), byte(counter >> 8), byte(counter)})
		k := mac.Sum(nil)[:size]
		if !ops.validScalar(k) {
			continue
		}
		if r, s := ops.sign(d, e, k); r != nil {
			return r, s, nil
		}
	}
}

// Verify reports whether (r, s), big-endian integers of at most the curve
// size, is a valid ECDSA signature of digest by pub = 04||X||Y.
func Verify(c elliptic.Curve, pub, digest, r, s []byte) bool {
	ops, err := opsOf(c)
	if err != nil {
		return false
	}
	size := ops.size()
	rr, err1 := padScalar(r, size)
	ss, err2 := padScalar(s, size)
	if err1 != nil || err2 != nil {
		return false
	}
	return ops.verify(pub, digestInt(digest, size), rr, ss)
}
