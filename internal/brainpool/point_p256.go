package brainpool

// Point arithmetic of brainpoolP256r1. The code for the 256-bit curve is
// the master copy: gen_field.go writes the files of the 384- and 512-bit
// curves from it by renaming the curve's identifiers, so nothing here may
// depend on the curve size except through the byte length and the
// generated constants.

import "sync"

// p256Point is a point of brainpoolP256r1 held on its twist
// E_t: y² = x³ - 3x + Bt (RFC 5639 §3: (x, y) ↦ (x·Z², y·Z³) with
// a·Z⁴ = -3 and Bt = b·Z⁶, an isomorphism, so the group, its order n and
// every scalar multiple are the same), in homogeneous projective
// coordinates (X:Y:Z), x_t = X/Z and y_t = Y/Z; the point at infinity is
// (0:1:0) (or any (0:Y:0)). On E_t the complete formulas of Renes,
// Costello and Batina for a = -3 apply: they need no special case for the
// infinity, for P+P or for P+(-P), and cost 3 multiplications less per
// operation than those for a general a. Only setAffine and affine cross
// the isomorphism.
type p256Point struct{ x, y, z p256Element }

// p256Affine is a point (x_t, y_t) of the twist with an implicit Z = 1;
// it cannot be the point at infinity.
type p256Affine struct{ x, y p256Element }

func (q *p256Point) setInfinity() *p256Point {
	q.x = p256Element{}
	q.y = p256ElementOne
	q.z = p256Element{}
	return q
}

// setAffine sets q to the curve point (x, y), mapped onto the twist.
func (q *p256Point) setAffine(x, y *p256Element) *p256Point {
	q.x.Mul(x, &p256Z2)
	q.y.Mul(y, &p256Z3)
	q.z = p256ElementOne
	return q
}

// affine returns the curve coordinates of q, x = X/(Z·Z²) and
// y = Y/(Z·Z³), and inf = 1 for the point at infinity (whose x, y come
// out 0). One constant-time inversion.
func (q *p256Point) affine() (x, y p256Element, inf uint64) {
	var zinv, zx, zy p256Element
	zinv.Invert(&q.z)
	zx.Mul(&zinv, &p256Z2Inv)
	zy.Mul(&zinv, &p256Z3Inv)
	x.Mul(&q.x, &zx)
	y.Mul(&q.y, &zy)
	return x, y, q.z.IsZero()
}

// add sets q = p1 + p2: Renes, Costello and Batina, "Complete addition
// formulas for prime order elliptic curves" (EUROCRYPT 2016), Algorithm 4
// (a = -3): 12M + 2m_b + 29a. q may alias p1 or p2.
func (q *p256Point) add(p1, p2 *p256Point) *p256Point {
	var t0, t1, t2, t3, t4, x3, y3 p256Element
	t0.Mul(&p1.x, &p2.x) // 1. t0 = X1·X2
	t1.Mul(&p1.y, &p2.y) // 2. t1 = Y1·Y2
	t2.Mul(&p1.z, &p2.z) // 3. t2 = Z1·Z2
	t3.Add(&p1.x, &p1.y) // 4. t3 = X1+Y1
	t4.Add(&p2.x, &p2.y) // 5. t4 = X2+Y2
	t3.Mul(&t3, &t4)     // 6. t3 = t3·t4
	t4.Add(&t0, &t1)     // 7. t4 = t0+t1
	t3.Sub(&t3, &t4)     // 8. t3 = t3-t4 = X1·Y2+X2·Y1
	t4.Add(&p1.y, &p1.z) // 9. t4 = Y1+Z1
	x3.Add(&p2.y, &p2.z) // 10. X3 = Y2+Z2
	t4.Mul(&t4, &x3)     // 11. t4 = t4·X3
	x3.Add(&t1, &t2)     // 12. X3 = t1+t2
	t4.Sub(&t4, &x3)     // 13. t4 = t4-X3 = Y1·Z2+Y2·Z1
	x3.Add(&p1.x, &p1.z) // 14. X3 = X1+Z1
	y3.Add(&p2.x, &p2.z) // 15. Y3 = X2+Z2
	x3.Mul(&x3, &y3)     // 16. X3 = X3·Y3
	y3.Add(&t0, &t2)     // 17. Y3 = t0+t2
	y3.Sub(&x3, &y3)     // 18. Y3 = X3-Y3 = X1·Z2+X2·Z1
	p256AddTail(q, &t0, &t1, &t2, &t3, &t4, &y3)
	return q
}

// addAffine sets q = p1 + p2 for an affine p2: RCB16 Algorithm 5 (mixed
// addition, a = -3, Z2 = 1): 11M + 2m_b + 23a. It is complete for every
// p1, the infinity included; p2 cannot be the infinity. q may alias p1.
func (q *p256Point) addAffine(p1 *p256Point, p2 *p256Affine) *p256Point {
	var t0, t1, t2, t3, t4, y3 p256Element
	t0.Mul(&p1.x, &p2.x) // 1. t0 = X1·X2
	t1.Mul(&p1.y, &p2.y) // 2. t1 = Y1·Y2
	t3.Add(&p2.x, &p2.y) // 3. t3 = X2+Y2
	t4.Add(&p1.x, &p1.y) // 4. t4 = X1+Y1
	t3.Mul(&t3, &t4)     // 5. t3 = t3·t4
	t4.Add(&t0, &t1)     // 6. t4 = t0+t1
	t3.Sub(&t3, &t4)     // 7. t3 = t3-t4 = X1·Y2+X2·Y1
	t4.Mul(&p2.y, &p1.z) // 8. t4 = Y2·Z1
	t4.Add(&t4, &p1.y)   // 9. t4 = t4+Y1 = Y1·Z2+Y2·Z1
	y3.Mul(&p2.x, &p1.z) // 10. Y3 = X2·Z1
	y3.Add(&y3, &p1.x)   // 11. Y3 = Y3+X1 = X1·Z2+X2·Z1
	t2 = p1.z            //     t2 = Z1 (= Z1·Z2)
	p256AddTail(q, &t0, &t1, &t2, &t3, &t4, &y3)
	return q
}

// p256AddTail is what Algorithms 4 and 5 share (Algorithm 4 steps
// 19-43), from t0 = X1·X2, t1 = Y1·Y2, t2 = Z1·Z2, t3 = X1·Y2+X2·Y1,
// t4 = Y1·Z2+Y2·Z1 and y3 = X1·Z2+X2·Z1. It clobbers its arguments.
func p256AddTail(q *p256Point, t0, t1, t2, t3, t4, y3 *p256Element) {
	var x3, z3 p256Element
	z3.Mul(&p256Bt, t2) // 19. Z3 = b·t2
	x3.Sub(y3, &z3)     // 20. X3 = Y3-Z3
	z3.Add(&x3, &x3)    // 21. Z3 = X3+X3
	x3.Add(&x3, &z3)    // 22. X3 = X3+Z3
	z3.Sub(t1, &x3)     // 23. Z3 = t1-X3
	x3.Add(t1, &x3)     // 24. X3 = t1+X3
	y3.Mul(&p256Bt, y3) // 25. Y3 = b·Y3
	t1.Add(t2, t2)      // 26. t1 = t2+t2
	t2.Add(t1, t2)      // 27. t2 = t1+t2
	y3.Sub(y3, t2)      // 28. Y3 = Y3-t2
	y3.Sub(y3, t0)      // 29. Y3 = Y3-t0
	t1.Add(y3, y3)      // 30. t1 = Y3+Y3
	y3.Add(t1, y3)      // 31. Y3 = t1+Y3
	t1.Add(t0, t0)      // 32. t1 = t0+t0
	t0.Add(t1, t0)      // 33. t0 = t1+t0
	t0.Sub(t0, t2)      // 34. t0 = t0-t2
	t1.Mul(t4, y3)      // 35. t1 = t4·Y3
	t2.Mul(t0, y3)      // 36. t2 = t0·Y3
	y3.Mul(&x3, &z3)    // 37. Y3 = X3·Z3
	y3.Add(y3, t2)      // 38. Y3 = Y3+t2
	x3.Mul(t3, &x3)     // 39. X3 = t3·X3
	x3.Sub(&x3, t1)     // 40. X3 = X3-t1
	z3.Mul(t4, &z3)     // 41. Z3 = t4·Z3
	t1.Mul(t3, t0)      // 42. t1 = t3·t0
	z3.Add(&z3, t1)     // 43. Z3 = Z3+t1
	q.x, q.y, q.z = x3, *y3, z3
}

// double sets q = 2·p with RCB16 Algorithm 6 (a = -3): 8M + 3S + 2m_b +
// 21a. q may alias p.
func (q *p256Point) double(p *p256Point) *p256Point {
	var t0, t1, t2, t3, x3, y3, z3 p256Element
	t0.Square(&p.x)      // 1. t0 = X·X
	t1.Square(&p.y)      // 2. t1 = Y·Y
	t2.Square(&p.z)      // 3. t2 = Z·Z
	t3.Mul(&p.x, &p.y)   // 4. t3 = X·Y
	t3.Add(&t3, &t3)     // 5. t3 = t3+t3
	z3.Mul(&p.x, &p.z)   // 6. Z3 = X·Z
	z3.Add(&z3, &z3)     // 7. Z3 = Z3+Z3
	y3.Mul(&p256Bt, &t2) // 8. Y3 = b·t2
	y3.Sub(&y3, &z3)     // 9. Y3 = Y3-Z3
	x3.Add(&y3, &y3)     // 10. X3 = Y3+Y3
	y3.Add(&x3, &y3)     // 11. Y3 = X3+Y3
	x3.Sub(&t1, &y3)     // 12. X3 = t1-Y3
	y3.Add(&t1, &y3)     // 13. Y3 = t1+Y3
	y3.Mul(&x3, &y3)     // 14. Y3 = X3·Y3
	x3.Mul(&x3, &t3)     // 15. X3 = X3·t3
	t3.Add(&t2, &t2)     // 16. t3 = t2+t2
	t2.Add(&t2, &t3)     // 17. t2 = t2+t3
	z3.Mul(&p256Bt, &z3) // 18. Z3 = b·Z3
	z3.Sub(&z3, &t2)     // 19. Z3 = Z3-t2
	z3.Sub(&z3, &t0)     // 20. Z3 = Z3-t0
	t3.Add(&z3, &z3)     // 21. t3 = Z3+Z3
	z3.Add(&z3, &t3)     // 22. Z3 = Z3+t3
	t3.Add(&t0, &t0)     // 23. t3 = t0+t0
	t0.Add(&t3, &t0)     // 24. t0 = t3+t0
	t0.Sub(&t0, &t2)     // 25. t0 = t0-t2
	t0.Mul(&t0, &z3)     // 26. t0 = t0·Z3
	y3.Add(&y3, &t0)     // 27. Y3 = Y3+t0
	t0.Mul(&p.y, &p.z)   // 28. t0 = Y·Z
	t0.Add(&t0, &t0)     // 29. t0 = t0+t0
	z3.Mul(&t0, &z3)     // 30. Z3 = t0·Z3
	x3.Sub(&x3, &z3)     // 31. X3 = X3-Z3
	z3.Mul(&t0, &t1)     // 32. Z3 = t0·t1
	z3.Add(&z3, &z3)     // 33. Z3 = Z3+Z3
	z3.Add(&z3, &z3)     // 34. Z3 = Z3+Z3
	q.x, q.y, q.z = x3, y3, z3
	return q
}

// p256Jacobian is a point of the twist in Jacobian coordinates (X:Y:Z),
// x_t = X/Z², y_t = Y/Z³, with the point at infinity as (1:1:0). The
// scalar-multiplication loop doubles in these coordinates, where a
// doubling costs 3M + 5S instead of Algorithm 6's 8M + 3S + 2m_b, and
// converts once per window to and from the projective coordinates of the
// complete addition (3 multiplications each way): 52 multiplications per
// 4-bit window instead of 66.
//
// The doubling is exception-free, so nothing is lost in completeness: a
// prime-order curve has no point of order 2 (Y = 0), so the formula is
// right for every finite point, and (1:1:0) doubles to (1:1:0).
type p256Jacobian struct{ x, y, z p256Element }

// fromProjective sets j = (X·Z : Y·Z² : Z), the same point as (X:Y:Z),
// or (1:1:0) for the infinity (selected with a mask).
func (j *p256Jacobian) fromProjective(p *p256Point) {
	var zz p256Element
	zz.Square(&p.z)
	j.x.Mul(&p.x, &p.z)
	j.y.Mul(&p.y, &zz)
	j.z = p.z
	inf := p.z.IsZero()
	j.x.Select(&p256ElementOne, &j.x, inf)
	j.y.Select(&p256ElementOne, &j.y, inf)
}

// toProjective sets p = (X·Z : Y : Z³), the same point as j; (1:1:0)
// becomes (0:1:0).
func (j *p256Jacobian) toProjective(p *p256Point) {
	var zz p256Element
	zz.Square(&j.z)
	p.x.Mul(&j.x, &j.z)
	p.y = j.y
	p.z.Mul(&zz, &j.z)
}

// double sets j = 2·j with dbl-2001-b (Bernstein, Explicit-Formulas
// Database, Jacobian coordinates with a = -3): the affine doubling
// λ = (3x² + a)/2y with M = 3(X - Z²)(X + Z²) = 3X² + aZ⁴, S = 4XY²:
// X3 = M² - 2S, Y3 = M(S - X3) - 8Y⁴, Z3 = 2YZ = (Y + Z)² - Y² - Z².
func (j *p256Jacobian) double() {
	var delta, gamma, beta, alpha, t, x3, y3, z3 p256Element
	delta.Square(&j.z)      // δ = Z²
	gamma.Square(&j.y)      // γ = Y²
	beta.Mul(&j.x, &gamma)  // β = X·γ
	t.Sub(&j.x, &delta)     // X - δ
	alpha.Add(&j.x, &delta) // X + δ
	alpha.Mul(&alpha, &t)   // (X - δ)(X + δ)
	t.Add(&alpha, &alpha)   //
	alpha.Add(&alpha, &t)   // α = 3(X - δ)(X + δ)
	beta.Add(&beta, &beta)  //
	beta.Add(&beta, &beta)  // 4β
	x3.Square(&alpha)       // α²
	t.Add(&beta, &beta)     // 8β
	x3.Sub(&x3, &t)         // X3 = α² - 8β
	z3.Add(&j.y, &j.z)      // Y + Z
	z3.Square(&z3)          // (Y + Z)²
	z3.Sub(&z3, &gamma)     //
	z3.Sub(&z3, &delta)     // Z3 = (Y + Z)² - γ - δ
	y3.Sub(&beta, &x3)      // 4β - X3
	y3.Mul(&alpha, &y3)     // α(4β - X3)
	gamma.Square(&gamma)    // γ²
	gamma.Add(&gamma, &gamma)
	gamma.Add(&gamma, &gamma)
	gamma.Add(&gamma, &gamma) // 8γ²
	y3.Sub(&y3, &gamma)       // Y3 = α(4β - X3) - 8γ²
	j.x, j.y, j.z = x3, y3, z3
}

// selectPoint sets q = a if cond is 1, b if cond is 0, with masks.
func (q *p256Point) selectPoint(a, b *p256Point, cond uint64) *p256Point {
	q.x.Select(&a.x, &b.x, cond)
	q.y.Select(&a.y, &b.y, cond)
	q.z.Select(&a.z, &b.z, cond)
	return q
}

// condNeg negates q if neg is 1 (-(X:Y:Z) = (X:-Y:Z)), with a mask.
func (q *p256Point) condNeg(neg uint64) {
	var ny p256Element
	ny.Neg(&q.y)
	q.y.Select(&ny, &q.y, neg)
}

// p256OnCurve returns 1 if y² = x³ + ax + b (RFC 5639 §2.1), else 0.
func p256OnCurve(x, y *p256Element) uint64 {
	var lhs, rhs p256Element
	lhs.Square(y)
	rhs.Square(x)
	rhs.Add(&rhs, &p256A)
	rhs.Mul(&rhs, x)
	rhs.Add(&rhs, &p256B)
	return lhs.Equal(&rhs)
}

// p256Table holds 0·P, 1·P, …, 8·P for the signed 4-bit window.
type p256Table [9]p256Point

func (t *p256Table) init(p *p256Point) {
	t[0].setInfinity()
	t[1] = *p
	for i := 2; i < 9; i++ {
		if i%2 == 0 {
			t[i].double(&t[i/2])
		} else {
			t[i].add(&t[i-1], p)
		}
	}
}

// lookup sets q = ±t[mag] (minus when neg is 1) reading every entry, so
// that the memory access pattern does not depend on mag.
func (t *p256Table) lookup(q *p256Point, mag, neg uint8) {
	q.setInfinity()
	for i := 1; i < 9; i++ {
		q.selectPoint(&t[i], q, eq64(uint64(i), uint64(mag)))
	}
	q.condNeg(uint64(neg))
}

// scalarMult sets q = k·p, k a big-endian integer of p256Bytes bytes (any
// value, n and more included: the group law is complete). Fixed signed
// 4-bit window: 7 group operations for the table, then per digit four
// doublings (in Jacobian coordinates, see p256Jacobian) and one complete
// addition of a table entry fetched in constant time.
func (q *p256Point) scalarMult(p *p256Point, k *[p256Bytes]byte) *p256Point {
	var table p256Table
	table.init(p)
	var mags, negs [2*p256Bytes + 1]uint8
	recode4(k[:], mags[:], negs[:])
	var acc, t p256Point
	top := len(mags) - 1
	table.lookup(&acc, mags[top], negs[top])
	var jac p256Jacobian
	for i := top - 1; i >= 0; i-- {
		jac.fromProjective(&acc)
		jac.double()
		jac.double()
		jac.double()
		jac.double()
		jac.toProjective(&acc)
		table.lookup(&t, mags[i], negs[i])
		acc.add(&acc, &t)
	}
	*q = acc
	return q
}

// p256BaseTable[i][j-1] = j·16ⁱ·G in affine coordinates, j = 1…8, one row
// per digit of recode4: ScalarBaseMult then needs no doubling at all.
var (
	p256BaseTable     *[2*p256Bytes + 1][8]p256Affine
	p256BaseTableOnce sync.Once
)

func p256Base() *[2*p256Bytes + 1][8]p256Affine {
	p256BaseTableOnce.Do(func() {
		var proj [2*p256Bytes + 1][8]p256Point
		var g p256Point
		g.setAffine(&p256Gx, &p256Gy)
		for i := range proj {
			proj[i][0] = g
			for j := 1; j < 8; j++ {
				if j%2 == 1 {
					proj[i][j].double(&proj[i][j/2])
				} else {
					proj[i][j].add(&proj[i][j-1], &g)
				}
			}
			g.double(&proj[i][7]) // 16·16ⁱ·G
		}
		// Batch normalisation (Montgomery's trick): one inversion for all.
		// None of these points is the infinity: j·16ⁱ is not a multiple
		// of the prime n.
		flat := proj[:]
		var prefix [len(proj) * 8]p256Element
		acc := p256ElementOne
		for i := range flat {
			for j := range flat[i] {
				prefix[i*8+j] = acc
				acc.Mul(&acc, &flat[i][j].z)
			}
		}
		var inv p256Element
		inv.Invert(&acc)
		t := new([2*p256Bytes + 1][8]p256Affine)
		for i := len(flat) - 1; i >= 0; i-- {
			for j := 7; j >= 0; j-- {
				var zinv p256Element
				zinv.Mul(&inv, &prefix[i*8+j])
				inv.Mul(&inv, &flat[i][j].z)
				t[i][j].x.Mul(&flat[i][j].x, &zinv)
				t[i][j].y.Mul(&flat[i][j].y, &zinv)
			}
		}
		p256BaseTable = t
	})
	return p256BaseTable
}

// scalarBaseMult sets q = k·G, k of p256Bytes big-endian bytes: one mixed
// addition per signed digit from the precomputed rows, each entry fetched
// by reading all eight of its row; a zero digit keeps the accumulator.
func (q *p256Point) scalarBaseMult(k *[p256Bytes]byte) *p256Point {
	table := p256Base()
	var mags, negs [2*p256Bytes + 1]uint8
	recode4(k[:], mags[:], negs[:])
	var acc, t p256Point
	acc.setInfinity()
	for i := range mags {
		var e p256Affine
		mag := uint64(mags[i])
		for j := range table[i] {
			cond := eq64(uint64(j+1), mag)
			e.x.Select(&table[i][j].x, &e.x, cond)
			e.y.Select(&table[i][j].y, &e.y, cond)
		}
		var ny p256Element
		ny.Neg(&e.y)
		e.y.Select(&ny, &e.y, uint64(negs[i]))
		t.addAffine(&acc, &e)
		acc.selectPoint(&acc, &t, isZero64(mag))
	}
	*q = acc
	return q
}

// p256Ops is the byte-level face of this file (the curveOps interface of
// brainpool.go). Points are 04||X||Y with coordinates below p, or nil for
// the infinity; scalars are p256Bytes big-endian bytes.
type p256Ops struct{}

func (p256Ops) size() int { return p256Bytes }

// decode reads an encoded point without the curve check (the callers that
// need it call onCurve); the coordinates must be less than p.
func (p256Ops) decode(b []byte) (*p256Point, bool) {
	var q p256Point
	if len(b) == 0 {
		return q.setInfinity(), true
	}
	if len(b) != 1+2*p256Bytes || b[0] != 4 {
		return nil, false
	}
	var x, y p256Element
	if _, err := x.SetBytes(b[1 : 1+p256Bytes]); err != nil {
		return nil, false
	}
	if _, err := y.SetBytes(b[1+p256Bytes:]); err != nil {
		return nil, false
	}
	return q.setAffine(&x, &y), true
}

func (p256Ops) encode(q *p256Point) []byte {
	x, y, inf := q.affine()
	if inf == 1 {
		return nil
	}
	out := make([]byte, 1+2*p256Bytes)
	out[0] = 4
	x.PutBytes((*[p256Bytes]byte)(out[1 : 1+p256Bytes]))
	y.PutBytes((*[p256Bytes]byte)(out[1+p256Bytes:]))
	return out
}

func (o p256Ops) onCurve(b []byte) bool {
	if len(b) != 1+2*p256Bytes || b[0] != 4 {
		return false
	}
	var x, y p256Element
	if _, err := x.SetBytes(b[1 : 1+p256Bytes]); err != nil {
		return false
	}
	if _, err := y.SetBytes(b[1+p256Bytes:]); err != nil {
		return false
	}
	return p256OnCurve(&x, &y) == 1
}

func (o p256Ops) add(b1, b2 []byte) []byte {
	p1, ok1 := o.decode(b1)
	p2, ok2 := o.decode(b2)
	if !ok1 || !ok2 {
		return nil
	}
	return o.encode(p1.add(p1, p2))
}

func (o p256Ops) double(b []byte) []byte {
	p, ok := o.decode(b)
	if !ok {
		return nil
	}
	return o.encode(p.double(p))
}

func (o p256Ops) mult(b, k []byte) []byte {
	p, ok := o.decode(b)
	if !ok || len(k) != p256Bytes {
		return nil
	}
	return o.encode(p.scalarMult(p, (*[p256Bytes]byte)(k)))
}

func (o p256Ops) baseMult(k []byte) []byte {
	if len(k) != p256Bytes {
		return nil
	}
	var q p256Point
	return o.encode(q.scalarBaseMult((*[p256Bytes]byte)(k)))
}

// baseMultAdd returns k·G + P.
func (o p256Ops) baseMultAdd(k, b []byte) []byte {
	p, ok := o.decode(b)
	if !ok || len(k) != p256Bytes {
		return nil
	}
	var q p256Point
	q.scalarBaseMult((*[p256Bytes]byte)(k))
	return o.encode(q.add(&q, p))
}

// validScalar reports whether 1 ≤ k < n, k of p256Bytes bytes.
func (p256Ops) validScalar(k []byte) bool {
	var s p256Scalar
	if _, err := s.SetBytes(k); err != nil {
		return false
	}
	return s.IsZero() == 0
}

// sign computes the ECDSA signature (SEC 1 v2 §4.1.3 steps 1-6) with the
// private key d, the digest integer e (p256Bytes bytes, any value: it is
// reduced mod n) and the nonce k, 1 ≤ d, k < n. r = x(k·G) mod n and
// s = k⁻¹(e + r·d) mod n, all constant-time (k⁻¹ by Fermat mod n). It
// returns nil, nil if r or s is 0 (the caller draws another k).
func (o p256Ops) sign(d, e, k []byte) (r, s []byte) {
	var ds, ks, es, rs, ss p256Scalar
	if _, err := ds.SetBytes(d); err != nil {
		return nil, nil
	}
	if _, err := ks.SetBytes(k); err != nil {
		return nil, nil
	}
	es.SetReducedBytes((*[p256Bytes]byte)(e))
	var R p256Point
	R.scalarBaseMult((*[p256Bytes]byte)(k))
	x, _, _ := R.affine()
	var xb [p256Bytes]byte
	x.PutBytes(&xb)
	rs.SetReducedBytes(&xb) // x < p < 2n
	ss.Mul(&rs, &ds)
	ss.Add(&ss, &es)
	ks.Invert(&ks)
	ss.Mul(&ss, &ks)
	if rs.IsZero() == 1 || ss.IsZero() == 1 {
		return nil, nil
	}
	return rs.Bytes(), ss.Bytes()
}

// verify checks an ECDSA signature (SEC 1 v2 §4.1.4 steps 4-8) of digest
// integer e by the public point b, r and s of p256Bytes bytes. The inputs
// are public; it is constant-time anyway, as it reuses the code above.
func (o p256Ops) verify(b, e, r, s []byte) bool {
	if !o.onCurve(b) {
		return false
	}
	p, _ := o.decode(b)
	var rs, ss, es, w, u1, u2 p256Scalar
	if _, err := rs.SetBytes(r); err != nil || rs.IsZero() == 1 {
		return false
	}
	if _, err := ss.SetBytes(s); err != nil || ss.IsZero() == 1 {
		return false
	}
	es.SetReducedBytes((*[p256Bytes]byte)(e))
	w.Invert(&ss)
	u1.Mul(&es, &w)
	u2.Mul(&rs, &w)
	var q1, q2 p256Point
	q1.scalarBaseMult((*[p256Bytes]byte)(u1.Bytes()))
	q2.scalarMult(p, (*[p256Bytes]byte)(u2.Bytes()))
	q1.add(&q1, &q2)
	x, _, inf := q1.affine()
	if inf == 1 {
		return false
	}
	var xb [p256Bytes]byte
	x.PutBytes(&xb)
	var v p256Scalar
	v.SetReducedBytes(&xb)
	return v.Equal(&rs) == 1
}
