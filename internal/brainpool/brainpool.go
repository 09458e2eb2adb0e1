// Package brainpool implements the RFC 5639 "r1" elliptic curves
// brainpoolP256r1, brainpoolP384r1 and brainpoolP512r1, which Go's
// standard library lacks. Passports and ID cards use them for PACE, Chip
// Authentication and Document Signer keys.
//
// # Arithmetic
//
// Field elements (mod p, and mod n for ECDSA) are fixed arrays of 4, 6 or
// 8 64-bit limbs in the Montgomery domain, multiplied word by word (CIOS)
// and squared with math/bits; the code is generated per modulus by
// gen_field.go (go generate) and has no secret-dependent branch or memory
// index: reductions and selections go through masks (ct_test.go checks
// this on the syntax tree). Inversion is Fermat's x^(m-2) with a fixed
// window over the public exponent.
//
// Points are projective (X:Y:Z) with the complete addition and doubling
// formulas of Renes, Costello and Batina (EUROCRYPT 2016), so the
// infinity, P+P and P+(-P) need no special case. They are computed on the
// twist of RFC 5639 §3, y² = x³ - 3x + b·Z⁶, isomorphic to the curve by
// (x, y) ↦ (x·Z², y·Z³) with a·Z⁴ = -3: there Algorithms 4, 5 and 6
// (a = -3) take 3 multiplications less per addition or doubling than
// Algorithms 1-3 for a general a (14 and 13 instead of 17 and 16); points
// cross the isomorphism only when decoded and encoded.
//
// k·P uses a signed 4-bit fixed window with constant-time table lookups;
// its four doublings per window run in Jacobian coordinates (dbl-2001-b,
// 3M + 5S, exception-free since a prime-order curve has no point of
// order 2), converted to and from projective coordinates around each
// complete addition. k·G uses a table of j·16ⁱ·G (built on first use) and
// needs no doubling.
// math/big is used only at the edge of the elliptic.Curve methods, to
// convert their arguments.
//
// # API
//
// P256r1, P384r1 and P512r1 return elliptic.Curve values (with
// Curve.A, ByOID, OID): crypto/ecdsa signs and verifies with them through
// its generic path for custom curves, and their IsOnCurve, Add, Double,
// ScalarMult and ScalarBaseMult run on the arithmetic above. The
// protocols use the byte functions, on uncompressed points 04||X||Y and
// big-endian scalars of at most the curve size:
//
//   - ScalarMult(c, point, k) and ScalarBaseMult(c, k): k·P and k·G; the
//     point must lie on the curve, a result at infinity is an error;
//   - ECDH(c, priv, peer): the x-coordinate of priv·peer (Chip
//     Authentication, PACE key agreement), 1 ≤ priv < n;
//   - MapGenerator(c, s, H): G' = s·G + H, the PACE Generic Mapping of
//     ICAO Doc 9303-11 §4.4.3.3.1;
//   - GenerateKey(c, rand): a key pair (priv, 04||X||Y);
//   - Sign(rand, c, priv, digest) and Verify(c, pub, digest, r, s):
//     ECDSA of SEC 1 v2 §4.1.3/§4.1.4 with r, s of the curve size,
//     interchangeable with crypto/ecdsa's signatures. The nonce is hedged:
//     HMAC-SHA-512 keyed with 32 random bytes over the key and the digest.
package brainpool

//go:generate go run gen_field.go

import (
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"sync"
)

// Curve is a short Weierstrass curve y² = x³ + ax + b over GF(p).
type Curve struct {
	params *elliptic.CurveParams
	a      *big.Int
	ops    curveOps
}

// curveOps is the fixed-limb arithmetic of one curve (point_p256.go and
// its generated copies), at the byte level: points are 04||X||Y with
// coordinates below p, or nil for the infinity (and for an undecodable
// input); scalars are exactly size() big-endian bytes.
type curveOps interface {
	size() int
	onCurve(pt []byte) bool
	add(p1, p2 []byte) []byte
	double(pt []byte) []byte
	mult(pt, k []byte) []byte
	baseMult(k []byte) []byte
	baseMultAdd(k, pt []byte) []byte
	validScalar(k []byte) bool
	sign(d, e, k []byte) (r, s []byte)
	verify(pt, e, r, s []byte) bool
}

// OIDs of RFC 5639 §4.1 (ecStdCurvesAndGeneration 1.3.36.3.3.2.8.1.1).
var (
	OIDP256r1 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}
	OIDP384r1 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}
	OIDP512r1 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13}
)

var (
	once                   sync.Once
	p256r1, p384r1, p512r1 *Curve
)

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("brainpool: bad constant " + s)
	}
	return n
}

func newCurve(ops curveOps, name string, bits int, p, a, b, x, y, n string) *Curve {
	return &Curve{ops: ops,
		params: &elliptic.CurveParams{
			Name: name, BitSize: bits,
			P: hexInt(p), B: hexInt(b), Gx: hexInt(x), Gy: hexInt(y), N: hexInt(n),
		},
		a: hexInt(a),
	}
}

// Domain parameters from RFC 5639 §3.4, §3.6 and §3.7.
func initCurves() {
	p256r1 = newCurve(p256Ops{}, "brainpoolP256r1", 256,
		"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
		"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
		"26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
		"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
		"547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
		"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7")
	p384r1 = newCurve(p384Ops{}, "brainpoolP384r1", 384,
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
		"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
		"04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
		"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
		"8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565")
	p512r1 = newCurve(p512Ops{}, "brainpoolP512r1", 512,
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
		"7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
		"3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
		"81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
		"7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069")
}

// P256r1 returns brainpoolP256r1.
func P256r1() elliptic.Curve { once.Do(initCurves); return p256r1 }

// P384r1 returns brainpoolP384r1.
func P384r1() elliptic.Curve { once.Do(initCurves); return p384r1 }

// P512r1 returns brainpoolP512r1.
func P512r1() elliptic.Curve { once.Do(initCurves); return p512r1 }

// ByOID returns the curve an OID names, or nil.
func ByOID(oid asn1.ObjectIdentifier) elliptic.Curve {
	switch {
	case oid.Equal(OIDP256r1):
		return P256r1()
	case oid.Equal(OIDP384r1):
		return P384r1()
	case oid.Equal(OIDP512r1):
		return P512r1()
	}
	return nil
}

// OID returns the OID of a brainpool curve, or nil for any other curve.
func OID(c elliptic.Curve) asn1.ObjectIdentifier {
	switch c.Params().Name {
	case "brainpoolP256r1":
		return OIDP256r1
	case "brainpoolP384r1":
		return OIDP384r1
	case "brainpoolP512r1":
		return OIDP512r1
	}
	return nil
}

// Params returns the curve parameters. Their B, P, N, Gx, Gy are right;
// their generic methods assume a = -3 and must not be used: use the
// Curve's own methods.
func (c *Curve) Params() *elliptic.CurveParams { return c.params }

// A returns the curve coefficient a.
func (c *Curve) A() *big.Int { return new(big.Int).Set(c.a) }

// IsOnCurve reports whether (x, y) satisfies y² = x³ + ax + b mod p.
func (c *Curve) IsOnCurve(x, y *big.Int) bool {
	p := c.params.P
	if x.Sign() < 0 || x.Cmp(p) >= 0 || y.Sign() < 0 || y.Cmp(p) >= 0 {
		return false
	}
	return c.ops.onCurve(c.encode(x, y))
}

// encode turns elliptic.Curve coordinates into 04||X||Y, (0, 0) into nil
// (the infinity). Coordinates outside [0, p) are reduced mod p: such
// points are not on the curve and the result is as meaningless as the
// input, but nothing panics.
func (c *Curve) encode(x, y *big.Int) []byte {
	if x.Sign() == 0 && y.Sign() == 0 {
		return nil
	}
	p := c.params.P
	size := c.ops.size()
	out := make([]byte, 1+2*size)
	out[0] = 4
	for i, v := range []*big.Int{x, y} {
		if v.Sign() < 0 || v.Cmp(p) >= 0 {
			v = new(big.Int).Mod(v, p)
		}
		v.FillBytes(out[1+i*size : 1+(i+1)*size])
	}
	return out
}

// decode is the inverse of encode: nil (the infinity) becomes (0, 0) as
// crypto/elliptic expects.
func (c *Curve) decode(pt []byte) (*big.Int, *big.Int) {
	if pt == nil {
		return new(big.Int), new(big.Int)
	}
	size := c.ops.size()
	return new(big.Int).SetBytes(pt[1 : 1+size]), new(big.Int).SetBytes(pt[1+size:])
}

// scalar pads k to the curve size; a longer k is reduced mod n first
// (math/big, as at this edge the caller's k is a big.Int's bytes anyway).
func (c *Curve) scalar(k []byte) []byte {
	size := c.ops.size()
	if len(k) > size {
		k = new(big.Int).Mod(new(big.Int).SetBytes(k), c.params.N).Bytes()
	}
	out := make([]byte, size)
	copy(out[size-len(k):], k)
	return out
}

// Add returns the sum of two points.
func (c *Curve) Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	return c.decode(c.ops.add(c.encode(x1, y1), c.encode(x2, y2)))
}

// Double returns 2·(x, y).
func (c *Curve) Double(x1, y1 *big.Int) (*big.Int, *big.Int) {
	return c.decode(c.ops.double(c.encode(x1, y1)))
}

// ScalarMult returns k·(x, y), k a big-endian integer.
func (c *Curve) ScalarMult(x1, y1 *big.Int, k []byte) (*big.Int, *big.Int) {
	return c.decode(c.ops.mult(c.encode(x1, y1), c.scalar(k)))
}

// ScalarBaseMult returns k·G.
func (c *Curve) ScalarBaseMult(k []byte) (*big.Int, *big.Int) {
	return c.decode(c.ops.baseMult(c.scalar(k)))
}
