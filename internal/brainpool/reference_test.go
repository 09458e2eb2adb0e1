package brainpool

// The package's former arithmetic, kept as the reference the new code is
// tested against: general short Weierstrass (a ≠ -3) on math/big in
// Jacobian coordinates, not constant-time. Formulas from the
// Explicit-Formulas Database (dbl-2007-bl, add-2007-bl).

import (
	"crypto/elliptic"
	"math/big"
)

// refCurve is the reference implementation of one curve.
type refCurve struct {
	params *elliptic.CurveParams
	a      *big.Int
}

func newRef(c elliptic.Curve) *refCurve {
	return &refCurve{params: c.Params(), a: c.(*Curve).A()}
}

// IsOnCurve reports whether (x, y) satisfies y² = x³ + ax + b mod p.
func (c *refCurve) IsOnCurve(x, y *big.Int) bool {
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

func (c *refCurve) toJacobian(x, y *big.Int) jacobian {
	if x.Sign() == 0 && y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	return jacobian{new(big.Int).Set(x), new(big.Int).Set(y), big.NewInt(1)}
}

// affine converts back; the point at infinity becomes (0, 0) as
// crypto/elliptic expects.
func (c *refCurve) affine(j jacobian) (*big.Int, *big.Int) {
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
func (c *refCurve) double(q jacobian) jacobian {
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
func (c *refCurve) add(a, b jacobian) jacobian {
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
func (c *refCurve) Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	return c.affine(c.add(c.toJacobian(x1, y1), c.toJacobian(x2, y2)))
}

// Double returns 2·(x, y).
func (c *refCurve) Double(x1, y1 *big.Int) (*big.Int, *big.Int) {
	return c.affine(c.double(c.toJacobian(x1, y1)))
}

// ScalarMult returns k·(x, y), k a big-endian integer. It uses a 4-bit
// fixed window: 14 additions to tabulate 1·P…15·P, then per 4 bits of k
// four doublings and at most one addition (instead of one addition per set
// bit), which saves about a third of the work on 256-bit scalars.
func (c *refCurve) ScalarMult(x1, y1 *big.Int, k []byte) (*big.Int, *big.Int) {
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
func (c *refCurve) ScalarBaseMult(k []byte) (*big.Int, *big.Int) {
	return c.ScalarMult(c.params.Gx, c.params.Gy, k)
}
