package cvc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/brainpool"
)

// Tags of the public key data object (TR-03110 part 3 §D.3.1, §D.3.3).
const (
	tagOID       apdu.Tag = 0x06
	tagPublicKey apdu.Tag = 0x7F49
	tagKey1      apdu.Tag = 0x81 // p (EC) or n (RSA)
	tagKey2      apdu.Tag = 0x82 // a (EC) or e (RSA)
	tagKey3      apdu.Tag = 0x83 // b
	tagKey4      apdu.Tag = 0x84 // G
	tagKey5      apdu.Tag = 0x85 // r
	tagKey6      apdu.Tag = 0x86 // Y
	tagKey7      apdu.Tag = 0x87 // f
)

// PublicKey is a public key data object 7F49 (TR-03110 part 3 §D.3). The
// values are kept as encoded, so that a parsed key encodes back to the
// same bytes.
type PublicKey struct {
	Algorithm Algorithm // 06: the Terminal Authentication algorithm

	// ECDSA (§D.3.3, Table 31).
	Params *DomainParams // 81-85 and 87; nil when absent (DV and terminal certificates)
	Point  []byte        // 86: public point Y, uncompressed (§D.2.1.2)

	// RSA (§D.3.1, Table 29).
	Modulus  []byte // 81: n, unsigned big-endian
	Exponent []byte // 82: e, unsigned big-endian
}

// DomainParams are the elliptic curve domain parameters of a public key
// data object (TR-03110 part 3 Table 31), as encoded: unsigned big-endian
// integers and an uncompressed base point.
type DomainParams struct {
	Prime     []byte // 81: p
	A         []byte // 82: a
	B         []byte // 83: b
	Generator []byte // 84: G
	Order     []byte // 85: r
	Cofactor  []byte // 87: f; nil when absent
}

// supportedCurves are the curves a CV key may be on: the NIST curves
// (FIPS 186-4) and the brainpool r1 curves (RFC 5639) that TR-03110 part 3
// Table 4 standardizes.
func supportedCurves() []elliptic.Curve {
	return []elliptic.Curve{
		elliptic.P224(), elliptic.P256(), elliptic.P384(), elliptic.P521(),
		brainpool.P256r1(), brainpool.P384r1(), brainpool.P512r1(),
	}
}

// curveA returns the coefficient a: brainpool curves carry it, the NIST
// curves have a = -3.
func curveA(c elliptic.Curve) *big.Int {
	if ac, ok := c.(interface{ A() *big.Int }); ok {
		return ac.A()
	}
	p := c.Params().P
	return new(big.Int).Sub(p, big.NewInt(3))
}

func coordSize(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }

// encodePoint is the uncompressed encoding 04 || X || Y of TR-03111 §3.2.1.
func encodePoint(c elliptic.Curve, x, y *big.Int) []byte {
	n := coordSize(c)
	out := make([]byte, 1+2*n)
	out[0] = 4
	x.FillBytes(out[1 : 1+n])
	y.FillBytes(out[1+n:])
	return out
}

// decodePoint reads an uncompressed point and checks it is on the curve.
func decodePoint(c elliptic.Curve, b []byte) (*big.Int, *big.Int, bool) {
	n := coordSize(c)
	if len(b) != 1+2*n || b[0] != 4 {
		return nil, nil, false
	}
	x, y := new(big.Int).SetBytes(b[1:1+n]), new(big.Int).SetBytes(b[1+n:])
	p := c.Params().P
	if x.Cmp(p) >= 0 || y.Cmp(p) >= 0 || !c.IsOnCurve(x, y) {
		return nil, nil, false
	}
	return x, y, true
}

// DomainParamsFor returns the domain parameters of a supported curve, with
// the cofactor (1 for all of them).
func DomainParamsFor(c elliptic.Curve) (*DomainParams, error) {
	if !isSupported(c) {
		return nil, fmt.Errorf("%w: curve %s", ErrUnsupported, c.Params().Name)
	}
	p := c.Params()
	return &DomainParams{
		Prime:     p.P.Bytes(),
		A:         curveA(c).Bytes(),
		B:         p.B.Bytes(),
		Generator: encodePoint(c, p.Gx, p.Gy),
		Order:     p.N.Bytes(),
		Cofactor:  []byte{1},
	}, nil
}

func isSupported(c elliptic.Curve) bool {
	for _, s := range supportedCurves() {
		if s == c || s.Params().Name == c.Params().Name && c.Params().Name != "" {
			return true
		}
	}
	return false
}

// Curve finds the supported curve these parameters describe, comparing
// values and not encodings.
func (d *DomainParams) Curve() (elliptic.Curve, error) {
	if d == nil {
		return nil, ErrNoDomainParameters
	}
	num := func(b []byte) *big.Int { return new(big.Int).SetBytes(b) }
	if d.Cofactor != nil && num(d.Cofactor).Cmp(big.NewInt(1)) != 0 {
		return nil, fmt.Errorf("%w: cofactor %X", ErrUnsupported, d.Cofactor)
	}
	for _, c := range supportedCurves() {
		p := c.Params()
		if p.P.Cmp(num(d.Prime)) != 0 || curveA(c).Cmp(num(d.A)) != 0 || p.B.Cmp(num(d.B)) != 0 || p.N.Cmp(num(d.Order)) != 0 {
			continue
		}
		if x, y, ok := decodePoint(c, d.Generator); ok && x.Cmp(p.Gx) == 0 && y.Cmp(p.Gy) == 0 {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: domain parameters of an unknown curve (p = %X)", ErrUnsupported, d.Prime)
}

// Equal compares two parameter sets by value.
func (d *DomainParams) Equal(o *DomainParams) bool {
	if d == nil || o == nil {
		return d == o
	}
	eq := func(a, b []byte) bool { return new(big.Int).SetBytes(a).Cmp(new(big.Int).SetBytes(b)) == 0 }
	return eq(d.Prime, o.Prime) && eq(d.A, o.A) && eq(d.B, o.B) && bytes.Equal(d.Generator, o.Generator) && eq(d.Order, o.Order)
}

// NewPublicKey builds the data object of an *ecdsa.PublicKey or
// *rsa.PublicKey for the algorithm; withParams includes the domain
// parameters of an EC key, as a CVCA certificate and a request must and DV
// and terminal certificates must not (TR-03110 part 3 §D.3.3).
func NewPublicKey(alg Algorithm, pub crypto.PublicKey, withParams bool) (*PublicKey, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if !alg.IsECDSA() {
			return nil, fmt.Errorf("%w: %s with an EC key", ErrUnsupported, alg)
		}
		if !isSupported(k.Curve) {
			return nil, fmt.Errorf("%w: curve %s", ErrUnsupported, k.Curve.Params().Name)
		}
		out := &PublicKey{Algorithm: alg, Point: encodePoint(k.Curve, k.X, k.Y)}
		if withParams {
			d, err := DomainParamsFor(k.Curve)
			if err != nil {
				return nil, err
			}
			out.Params = d
		}
		return out, nil
	case *rsa.PublicKey:
		if !alg.IsRSA() {
			return nil, fmt.Errorf("%w: %s with an RSA key", ErrUnsupported, alg)
		}
		return &PublicKey{Algorithm: alg, Modulus: k.N.Bytes(), Exponent: big.NewInt(int64(k.E)).Bytes()}, nil
	}
	return nil, fmt.Errorf("%w: key type %T", ErrUnsupported, pub)
}

// CryptoPublicKey returns the key as *ecdsa.PublicKey or *rsa.PublicKey.
// An EC key without its own domain parameters takes inherited, those of
// the CVCA key of its chain (TR-03110 part 3 §D.3.3).
func (k *PublicKey) CryptoPublicKey(inherited *DomainParams) (crypto.PublicKey, error) {
	switch {
	case k.Algorithm.IsECDSA():
		d := k.Params
		if d == nil {
			d = inherited
		}
		c, err := d.Curve()
		if err != nil {
			return nil, err
		}
		x, y, ok := decodePoint(c, k.Point)
		if !ok {
			return nil, fmt.Errorf("%w: public point is not an uncompressed point on %s", ErrMalformed, c.Params().Name)
		}
		return &ecdsa.PublicKey{Curve: c, X: x, Y: y}, nil
	case k.Algorithm.IsRSA():
		n, e := new(big.Int).SetBytes(k.Modulus), new(big.Int).SetBytes(k.Exponent)
		// TR-03110 part 3 §A.7.3.2: the exponent has at most 32 bits.
		if n.Sign() == 0 || e.BitLen() > 32 || e.Cmp(big.NewInt(3)) < 0 || e.Bit(0) == 0 {
			return nil, fmt.Errorf("%w: RSA key with modulus of %d bits, exponent %s", ErrUnsupported, n.BitLen(), e)
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, k.Algorithm)
}

// EffectiveParams returns the key's own domain parameters, or inherited.
func (k *PublicKey) EffectiveParams(inherited *DomainParams) *DomainParams {
	if k.Params != nil {
		return k.Params
	}
	return inherited
}

func (k *PublicKey) build(b *apdu.TLVBuilder) {
	oid, err := encodeOID(k.Algorithm.OID())
	if err != nil {
		b.SetError(fmt.Errorf("cvc: public key: %w", err))
		return
	}
	b.AddTLV(tagPublicKey, func(b *apdu.TLVBuilder) {
		b.AddTLVBytes(tagOID, oid)
		switch {
		case k.Algorithm.IsRSA():
			b.AddTLVBytes(tagKey1, k.Modulus)
			b.AddTLVBytes(tagKey2, k.Exponent)
		default:
			if d := k.Params; d != nil {
				b.AddTLVBytes(tagKey1, d.Prime)
				b.AddTLVBytes(tagKey2, d.A)
				b.AddTLVBytes(tagKey3, d.B)
				b.AddTLVBytes(tagKey4, d.Generator)
				b.AddTLVBytes(tagKey5, d.Order)
			}
			b.AddTLVBytes(tagKey6, k.Point)
			if d := k.Params; d != nil && d.Cofactor != nil {
				b.AddTLVBytes(tagKey7, d.Cofactor)
			}
		}
	})
}

// Encode returns the 7F49 data object.
func (k *PublicKey) Encode() ([]byte, error) {
	var b apdu.TLVBuilder
	k.build(&b)
	return b.Bytes()
}

// readPublicKey reads a 7F49 data object from r.
func readPublicKey(r *apdu.TLVReader) (PublicKey, error) {
	const obj = "public key (7F49)"
	var v apdu.TLVReader
	if !r.Read(tagPublicKey, &v) {
		return PublicKey{}, malformed(obj, "missing or truncated")
	}
	var oidV apdu.TLVReader
	if !v.Read(tagOID, &oidV) {
		return PublicKey{}, malformed(obj, "no object identifier (06)")
	}
	oid, err := parseOID(obj, oidV)
	if err != nil {
		return PublicKey{}, err
	}
	k := PublicKey{Algorithm: AlgorithmFromOID(oid)}
	// readVal reads a mandatory non-empty value.
	readVal := func(tag apdu.Tag, name string, out *[]byte) error {
		if !v.ReadBytes(tag, out) {
			return malformed(obj, "missing %s (%s)", name, tag)
		}
		if len(*out) == 0 {
			return malformed(obj, "empty %s (%s)", name, tag)
		}
		return nil
	}
	switch {
	case k.Algorithm.IsRSA():
		if err := readVal(tagKey1, "modulus", &k.Modulus); err != nil {
			return PublicKey{}, err
		}
		if err := readVal(tagKey2, "exponent", &k.Exponent); err != nil {
			return PublicKey{}, err
		}
	case k.Algorithm.IsECDSA():
		if t, ok := v.PeekTag(); ok && t == tagKey1 {
			d := &DomainParams{}
			for _, f := range []struct {
				tag  apdu.Tag
				name string
				out  *[]byte
			}{{tagKey1, "prime", &d.Prime}, {tagKey2, "coefficient a", &d.A}, {tagKey3, "coefficient b", &d.B},
				{tagKey4, "base point", &d.Generator}, {tagKey5, "order", &d.Order}} {
				if err := readVal(f.tag, f.name, f.out); err != nil {
					return PublicKey{}, err
				}
			}
			if !isUncompressed(d.Generator) {
				return PublicKey{}, malformed(obj, "base point is not an uncompressed point")
			}
			k.Params = d
		}
		if err := readVal(tagKey6, "public point", &k.Point); err != nil {
			return PublicKey{}, err
		}
		if !isUncompressed(k.Point) {
			return PublicKey{}, malformed(obj, "public point is not an uncompressed point")
		}
		if t, ok := v.PeekTag(); ok && t == tagKey7 {
			if k.Params == nil {
				return PublicKey{}, malformed(obj, "cofactor without the other domain parameters")
			}
			if err := readVal(tagKey7, "cofactor", &k.Params.Cofactor); err != nil {
				return PublicKey{}, err
			}
		}
	default:
		return PublicKey{}, malformed(obj, "object identifier %s is not a Terminal Authentication algorithm", oid)
	}
	if !v.Empty() {
		t, _ := v.PeekTag()
		return PublicKey{}, malformed(obj, "unexpected data object %s", t)
	}
	return k, nil
}

func isUncompressed(p []byte) bool { return len(p) >= 3 && p[0] == 4 && len(p)%2 == 1 }

// parseOID decodes the value of an 06 data object (TR-03110 part 3
// §D.2.1.6, X.690 §8.19).
func parseOID(object string, v []byte) (asn1.ObjectIdentifier, error) {
	s := cryptobyte.String(apdu.EncodeTLV(tagOID, v))
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1ObjectIdentifier(&oid) || !s.Empty() {
		return nil, malformed(object, "invalid object identifier % X", v)
	}
	return oid, nil
}

// encodeOID returns the value octets of an object identifier.
func encodeOID(oid asn1.ObjectIdentifier) ([]byte, error) {
	if len(oid) == 0 {
		return nil, fmt.Errorf("%w: no object identifier", ErrUnsupported)
	}
	der, err := asn1.Marshal(oid)
	if err != nil {
		return nil, err
	}
	t, err := apdu.ParseTLV(der)
	if err != nil {
		return nil, err
	}
	return t.Value, nil
}
