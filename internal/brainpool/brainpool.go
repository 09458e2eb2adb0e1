// Package brainpool implements the RFC 5639 "r1" elliptic curves
// brainpoolP256r1, brainpoolP384r1 and brainpoolP512r1 as elliptic.Curve
// values, which Go's standard library lacks. Passports and ID cards use
// them for PACE, Chip Authentication and Document Signer keys.
//
// The arithmetic is general short Weierstrass (a ≠ -3) on math/big in
// Jacobian coordinates. It is not constant-time: it serves a terminal, an
// emulated chip and test PKIs, never a long-lived secret key on a server.
// crypto/ecdsa signs and verifies with these curves through its generic
// path for custom curves.
package brainpool

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

func newCurve(name string, bits int, p, a, b, x, y, n string) *Curve {
	return &Curve{
		params: &elliptic.CurveParams{
			Name: name, BitSize: bits,
			P: hexInt(p), B: hexInt(b), Gx: hexInt(x), Gy: hexInt(y), N: hexInt(n),
		},
		a: hexInt(a),
	}
}

// Domain parameters from RFC 5639 §3.4, §3.6 and §3.7.
func initCurves() {
	p256r1 = newCurve("brainpoolP256r1", 256,
		"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
		"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
		"26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
		"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
		"547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
		"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7")
	p384r1 = newCurve("brainpoolP384r1", 384,
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
		"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
		"04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
		"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
		"8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565")
	p512r1 = newCurve("brainpoolP512r1", 512,
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
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, p)
	rhs := new(big.Int).Mul(x, x)
	rhs.Add(rhs, c.a)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, c.params.B)
	rhs.Mod(rhs, p)
	return lhs.Cmp(rhs) == 0
}

// jacobian is a point (X/Z², Y/Z³); Z = 0 is the point at infinity.
type jacobian struct{ x, y, z *big.Int }

func (c *Curve) toJacobian(x, y *big.Int) jacobian {
	if x.Sign() == 0 && y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	return jacobian{new(big.Int).Set(x), new(big.Int).Set(y), big.NewInt(1)}
}

// affine converts back; the point at infinity becomes (0, 0) as
// crypto/elliptic expects.
func (c *Curve) affine(j jacobian) (*big.Int, *big.Int) {
	if j.z.Sign() == 0 {
		return new(big.Int), new(big.Int)
	}
	p := c.params.P
	zinv := new(big.Int).ModInverse(j.z, p)
	zinv2 := new(big.Int).Mul(zinv, zinv)
	zinv2.Mod(zinv2, p)
	x := new(big.Int).Mul(j.x, zinv2)
	x.Mod(x, p)
	zinv3 := zinv2.Mul(zinv2, zinv)
	zinv3.Mod(zinv3, p)
	y := new(big.Int).Mul(j.y, zinv3)
	y.Mod(y, p)
	return x, y
}

// double uses dbl-2007-bl (general a), from the Explicit-Formulas Database.
func (c *Curve) double(q jacobian) jacobian {
	p := c.params.P
	if q.z.Sign() == 0 || q.y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	xx := mod(new(big.Int).Mul(q.x, q.x))
	yy := mod(new(big.Int).Mul(q.y, q.y))
	yyyy := mod(new(big.Int).Mul(yy, yy))
	zz := mod(new(big.Int).Mul(q.z, q.z))
	// S = 2((X+YY)² - XX - YYYY)
	s := new(big.Int).Add(q.x, yy)
	s.Mul(s, s)
	s.Sub(s, xx)
	s.Sub(s, yyyy)
	s.Lsh(s, 1)
	mod(s)
	// M = 3XX + a·ZZ²
	m := new(big.Int).Mul(zz, zz)
	m.Mul(m, c.a)
	m.Add(m, new(big.Int).Mul(xx, big.NewInt(3)))
	mod(m)
	// X3 = M² - 2S
	x3 := new(big.Int).Mul(m, m)
	x3.Sub(x3, new(big.Int).Lsh(s, 1))
	mod(x3)
	// Y3 = M(S - X3) - 8YYYY
	y3 := new(big.Int).Sub(s, x3)
	y3.Mul(y3, m)
	y3.Sub(y3, new(big.Int).Lsh(yyyy, 3))
	mod(y3)
	// Z3 = (Y+Z)² - YY - ZZ
	z3 := new(big.Int).Add(q.y, q.z)
	z3.Mul(z3, z3)
	z3.Sub(z3, yy)
	z3.Sub(z3, zz)
	mod(z3)
	return jacobian{x3, y3, z3}
}

// add uses add-2007-bl, falling back to doubling for equal points.
func (c *Curve) add(a, b jacobian) jacobian {
	if a.z.Sign() == 0 {
		return b
	}
	if b.z.Sign() == 0 {
		return a
	}
	p := c.params.P
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	z1z1 := mod(new(big.Int).Mul(a.z, a.z))
	z2z2 := mod(new(big.Int).Mul(b.z, b.z))
	u1 := mod(new(big.Int).Mul(a.x, z2z2))
	u2 := mod(new(big.Int).Mul(b.x, z1z1))
	s1 := new(big.Int).Mul(a.y, b.z)
	s1 = mod(s1.Mul(s1, z2z2))
	s2 := new(big.Int).Mul(b.y, a.z)
	s2 = mod(s2.Mul(s2, z1z1))
	h := mod(new(big.Int).Sub(u2, u1))
	r := mod(new(big.Int).Sub(s2, s1))
	if h.Sign() == 0 {
		if r.Sign() == 0 {
			return c.double(a)
		}
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	r.Lsh(r, 1)
	mod(r)
	i := new(big.Int).Lsh(h, 1)
	i = mod(i.Mul(i, i))
	j := mod(new(big.Int).Mul(h, i))
	v := mod(new(big.Int).Mul(u1, i))
	x3 := new(big.Int).Mul(r, r)
	x3.Sub(x3, j)
	x3.Sub(x3, new(big.Int).Lsh(v, 1))
	mod(x3)
	y3 := new(big.Int).Sub(v, x3)
	y3.Mul(y3, r)
	t := new(big.Int).Mul(s1, j)
	y3.Sub(y3, t.Lsh(t, 1))
	mod(y3)
	z3 := new(big.Int).Add(a.z, b.z)
	z3.Mul(z3, z3)
	z3.Sub(z3, z1z1)
	z3.Sub(z3, z2z2)
	z3.Mul(z3, h)
	mod(z3)
	return jacobian{x3, y3, z3}
}

// Add returns the sum of two points.
func (c *Curve) Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	return c.affine(c.add(c.toJacobian(x1, y1), c.toJacobian(x2, y2)))
}

// Double returns 2·(x, y).
func (c *Curve) Double(x1, y1 *big.Int) (*big.Int, *big.Int) {
	return c.affine(c.double(c.toJacobian(x1, y1)))
}

// ScalarMult returns k·(x, y), k a big-endian integer. It uses a 4-bit
// fixed window: 14 additions to tabulate 1·P…15·P, then per 4 bits of k
// four doublings and at most one addition (instead of one addition per set
// bit), which saves about a third of the work on 256-bit scalars.
func (c *Curve) ScalarMult(x1, y1 *big.Int, k []byte) (*big.Int, *big.Int) {
	var table [16]jacobian
	table[1] = c.toJacobian(x1, y1)
	for i := 2; i < 16; i++ {
		if i%2 == 0 {
			table[i] = c.double(table[i/2])
		} else {
			table[i] = c.add(table[i-1], table[1])
		}
	}
	acc := jacobian{new(big.Int), new(big.Int), new(big.Int)}
	for _, byt := range k {
		for _, nib := range [2]byte{byt >> 4, byt & 0x0F} {
			for range 4 {
				acc = c.double(acc)
			}
			if nib != 0 {
				acc = c.add(acc, table[nib])
			}
		}
	}
	return c.affine(acc)
}

// ScalarBaseMult returns k·G.
func (c *Curve) ScalarBaseMult(k []byte) (*big.Int, *big.Int) {
	return c.ScalarMult(c.params.Gx, c.params.Gy, k)
}
