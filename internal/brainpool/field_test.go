package brainpool

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// fieldOps wraps one generated field type for table-driven tests against
// math/big: values cross as big-endian bytes.
type fieldOps struct {
	name    string
	m       *big.Int
	size    int
	set     func([]byte) ([]byte, error) // SetBytes then Bytes
	reduced func([]byte) []byte          // SetReducedBytes then Bytes
	binop   func(op byte, x, y []byte) []byte
	inv     func(x []byte) []byte
	neg     func(x []byte) []byte
	eq      func(x, y []byte) uint64
	isZero  func(x []byte) uint64
	sel     func(a, b []byte, c uint64) []byte
}

func mustSet[T any, PT interface {
	*T
	SetBytes([]byte) (*T, error)
}](b []byte) PT {
	var v T
	if _, err := PT(&v).SetBytes(b); err != nil {
		panic(err)
	}
	return &v
}

// ops builds a fieldOps; it is written once per type below because Go
// generics cannot name the fixed array sizes.
func allFields() []fieldOps {
	curvesP := []*Curve{P256r1().(*Curve), P384r1().(*Curve), P512r1().(*Curve)}
	var out []fieldOps
	out = append(out, fieldOpsFor("p256 mod p", curvesP[0].params.P, 32,
		func(b []byte) *p256Element { return mustSet[p256Element](b) },
		func(b []byte) []byte { var v p256Element; return v.SetReducedBytes((*[32]byte)(b)).Bytes() }))
	out = append(out, fieldOpsFor("p256 mod n", curvesP[0].params.N, 32,
		func(b []byte) *p256Scalar { return mustSet[p256Scalar](b) },
		func(b []byte) []byte { var v p256Scalar; return v.SetReducedBytes((*[32]byte)(b)).Bytes() }))
	out = append(out, fieldOpsFor("p384 mod p", curvesP[1].params.P, 48,
		func(b []byte) *p384Element { return mustSet[p384Element](b) },
		func(b []byte) []byte { var v p384Element; return v.SetReducedBytes((*[48]byte)(b)).Bytes() }))
	out = append(out, fieldOpsFor("p384 mod n", curvesP[1].params.N, 48,
		func(b []byte) *p384Scalar { return mustSet[p384Scalar](b) },
		func(b []byte) []byte { var v p384Scalar; return v.SetReducedBytes((*[48]byte)(b)).Bytes() }))
	out = append(out, fieldOpsFor("p512 mod p", curvesP[2].params.P, 64,
		func(b []byte) *p512Element { return mustSet[p512Element](b) },
		func(b []byte) []byte { var v p512Element; return v.SetReducedBytes((*[64]byte)(b)).Bytes() }))
	out = append(out, fieldOpsFor("p512 mod n", curvesP[2].params.N, 64,
		func(b []byte) *p512Scalar { return mustSet[p512Scalar](b) },
		func(b []byte) []byte { var v p512Scalar; return v.SetReducedBytes((*[64]byte)(b)).Bytes() }))
	return out
}

// element is the method set every generated field type has.
type element[T any] interface {
	*T
	SetBytes([]byte) (*T, error)
	Bytes() []byte
	Add(x, y *T) *T
	Sub(x, y *T) *T
	Mul(x, y *T) *T
	Square(x *T) *T
	Neg(x *T) *T
	Invert(x *T) *T
	Equal(x *T) uint64
	IsZero() uint64
	Select(a, b *T, c uint64) *T
}

func fieldOpsFor[T any, PT element[T]](name string, m *big.Int, size int, parse func([]byte) PT, reduced func([]byte) []byte) fieldOps {
	return fieldOps{
		name: name, m: m, size: size,
		set: func(b []byte) ([]byte, error) {
			var v T
			if _, err := PT(&v).SetBytes(b); err != nil {
				return nil, err
			}
			return PT(&v).Bytes(), nil
		},
		reduced: reduced,
		binop: func(op byte, x, y []byte) []byte {
			var z T
			a, b := parse(x), parse(y)
			switch op {
			case '+':
				PT(&z).Add(a, b)
			case '-':
				PT(&z).Sub(a, b)
			case '*':
				PT(&z).Mul(a, b)
			case 's':
				PT(&z).Square(a)
			case 'a': // aliasing: z = x, z *= y
				z = *a
				PT(&z).Mul(&z, b)
				PT(&z).Add(&z, &z)
			}
			return PT(&z).Bytes()
		},
		inv: func(x []byte) []byte { var z T; PT(&z).Invert(parse(x)); return PT(&z).Bytes() },
		neg: func(x []byte) []byte { var z T; PT(&z).Neg(parse(x)); return PT(&z).Bytes() },
		eq:  func(x, y []byte) uint64 { return parse(x).Equal(parse(y)) },
		isZero: func(x []byte) uint64 {
			return parse(x).IsZero()
		},
		sel: func(a, b []byte, c uint64) []byte {
			var z T
			PT(&z).Select(parse(a), parse(b), c)
			return PT(&z).Bytes()
		},
	}
}

func fieldSamples(t *testing.T, m *big.Int, size int) []*big.Int {
	one := big.NewInt(1)
	s := []*big.Int{big.NewInt(0), one, big.NewInt(2), big.NewInt(3),
		new(big.Int).Sub(m, one), new(big.Int).Sub(m, big.NewInt(2)),
		new(big.Int).Rsh(m, 1), new(big.Int).Lsh(one, uint(8*size-65)),
		new(big.Int).Sub(new(big.Int).Lsh(one, 64), one)}
	for range 40 {
		v, err := rand.Int(rand.Reader, m)
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, v)
	}
	return s
}

// TestFieldArithmetic checks every generated field operation against
// math/big on edge values (0, 1, m-1, …) and random ones.
func TestFieldArithmetic(t *testing.T) {
	for _, f := range allFields() {
		m := f.m
		fb := func(v *big.Int) []byte { return v.FillBytes(make([]byte, f.size)) }
		samples := fieldSamples(t, m, f.size)
		for _, x := range samples {
			xb := fb(x)
			if got, err := f.set(xb); err != nil || new(big.Int).SetBytes(got).Cmp(x) != 0 {
				t.Fatalf("%s: SetBytes/Bytes(%x) = %x, %v", f.name, x, got, err)
			}
			want := new(big.Int).Neg(x)
			want.Mod(want, m)
			if got := new(big.Int).SetBytes(f.neg(xb)); got.Cmp(want) != 0 {
				t.Fatalf("%s: -%x = %x, want %x", f.name, x, got, want)
			}
			if x.Sign() != 0 {
				want = new(big.Int).ModInverse(x, m)
			} else {
				want = new(big.Int)
			}
			if got := new(big.Int).SetBytes(f.inv(xb)); got.Cmp(want) != 0 {
				t.Fatalf("%s: 1/%x = %x, want %x", f.name, x, got, want)
			}
			if z := f.isZero(xb); z != b2u(x.Sign() == 0) {
				t.Fatalf("%s: IsZero(%x) = %d", f.name, x, z)
			}
			for _, y := range samples[:12] {
				yb := fb(y)
				check := func(op byte, want *big.Int) {
					t.Helper()
					want.Mod(want, m)
					if got := new(big.Int).SetBytes(f.binop(op, xb, yb)); got.Cmp(want) != 0 {
						t.Fatalf("%s: %x %c %x = %x, want %x", f.name, x, op, y, got, want)
					}
				}
				check('+', new(big.Int).Add(x, y))
				check('-', new(big.Int).Sub(x, y))
				check('*', new(big.Int).Mul(x, y))
				check('s', new(big.Int).Mul(x, x))
				check('a', new(big.Int).Lsh(new(big.Int).Mul(x, y), 1))
				if e := f.eq(xb, yb); e != b2u(x.Cmp(y) == 0) {
					t.Fatalf("%s: Equal(%x, %x) = %d", f.name, x, y, e)
				}
				if got := new(big.Int).SetBytes(f.sel(xb, yb, 1)); got.Cmp(x) != 0 {
					t.Fatalf("%s: Select(1) picked the wrong value", f.name)
				}
				if got := new(big.Int).SetBytes(f.sel(xb, yb, 0)); got.Cmp(y) != 0 {
					t.Fatalf("%s: Select(0) picked the wrong value", f.name)
				}
			}
		}
		// Out-of-range and wrong-length encodings are refused.
		for _, bad := range []*big.Int{m, new(big.Int).Add(m, big.NewInt(1)), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(8*f.size)), big.NewInt(1))} {
			if _, err := f.set(fb(bad)); err == nil {
				t.Fatalf("%s: SetBytes accepted %x ≥ m", f.name, bad)
			}
			if got, want := new(big.Int).SetBytes(f.reduced(fb(bad))), new(big.Int).Mod(bad, m); got.Cmp(want) != 0 {
				t.Fatalf("%s: SetReducedBytes(%x) = %x, want %x", f.name, bad, got, want)
			}
		}
		if _, err := f.set(make([]byte, f.size-1)); err == nil {
			t.Fatalf("%s: SetBytes accepted a short input", f.name)
		}
		for range 20 {
			v := make([]byte, f.size)
			rand.Read(v)
			want := new(big.Int).Mod(new(big.Int).SetBytes(v), m)
			if got := new(big.Int).SetBytes(f.reduced(v)); got.Cmp(want) != 0 {
				t.Fatalf("%s: SetReducedBytes(%x) = %x, want %x", f.name, v, got, want)
			}
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// TestGeneratedConstants compares the constants gen_field.go wrote with
// the RFC 5639 parameters in brainpool.go.
func TestGeneratedConstants(t *testing.T) {
	check := func(name string, got []byte, want *big.Int) {
		t.Helper()
		if new(big.Int).SetBytes(got).Cmp(want) != 0 {
			t.Errorf("%s = %x, want %x", name, got, want)
		}
	}
	limbsToInt := func(l []uint64) *big.Int {
		v := new(big.Int)
		for i := len(l) - 1; i >= 0; i-- {
			v.Lsh(v, 64)
			v.Or(v, new(big.Int).SetUint64(l[i]))
		}
		return v
	}
	for _, c := range curves() {
		bc := c.(*Curve)
		p := bc.params
		var got [][]byte // a, b, Gx, Gy, Z², Z³, Z⁻², Z⁻³, Bt, 3Bt
		var mp, mn *big.Int
		switch p.Name {
		case "brainpoolP256r1":
			got = [][]byte{p256A.Bytes(), p256B.Bytes(), p256Gx.Bytes(), p256Gy.Bytes(), p256Z2.Bytes(), p256Z3.Bytes(), p256Z2Inv.Bytes(), p256Z3Inv.Bytes(), p256Bt.Bytes(), p256Bt3.Bytes()}
			mp, mn = limbsToInt(p256ElementModulus[:]), limbsToInt(p256ScalarModulus[:])
		case "brainpoolP384r1":
			got = [][]byte{p384A.Bytes(), p384B.Bytes(), p384Gx.Bytes(), p384Gy.Bytes(), p384Z2.Bytes(), p384Z3.Bytes(), p384Z2Inv.Bytes(), p384Z3Inv.Bytes(), p384Bt.Bytes(), p384Bt3.Bytes()}
			mp, mn = limbsToInt(p384ElementModulus[:]), limbsToInt(p384ScalarModulus[:])
		case "brainpoolP512r1":
			got = [][]byte{p512A.Bytes(), p512B.Bytes(), p512Gx.Bytes(), p512Gy.Bytes(), p512Z2.Bytes(), p512Z3.Bytes(), p512Z2Inv.Bytes(), p512Z3Inv.Bytes(), p512Bt.Bytes(), p512Bt3.Bytes()}
			mp, mn = limbsToInt(p512ElementModulus[:]), limbsToInt(p512ScalarModulus[:])
		}
		check(p.Name+" a", got[0], bc.a)
		check(p.Name+" b", got[1], p.B)
		check(p.Name+" Gx", got[2], p.Gx)
		check(p.Name+" Gy", got[3], p.Gy)
		if mp.Cmp(p.P) != 0 || mn.Cmp(p.N) != 0 {
			t.Errorf("%s: generated moduli differ from p, n", p.Name)
		}
		if bc.ops.size() != (p.BitSize+7)/8 {
			t.Errorf("%s: size %d", p.Name, bc.ops.size())
		}
		// The twist of RFC 5639 §3: a·Z⁴ = -3, Z³² = Z²³, Bt = b·Z⁶, and
		// Z² is a square.
		v := make([]*big.Int, len(got))
		for i := range got {
			v[i] = new(big.Int).SetBytes(got[i])
		}
		mod := func(x *big.Int) *big.Int { return x.Mod(x, p.P) }
		z2, z3, z2i, z3i, bt, bt3 := v[4], v[5], v[6], v[7], v[8], v[9]
		minus3 := mod(big.NewInt(-3))
		if mod(new(big.Int).Mul(new(big.Int).Mul(z2, z2), bc.a)).Cmp(minus3) != 0 {
			t.Errorf("%s: a·Z⁴ ≠ -3", p.Name)
		}
		z2cubed := mod(new(big.Int).Mul(new(big.Int).Mul(z2, z2), z2))
		if mod(new(big.Int).Mul(z3, z3)).Cmp(z2cubed) != 0 || big.Jacobi(z2, p.P) != 1 {
			t.Errorf("%s: Z², Z³ inconsistent", p.Name)
		}
		if mod(new(big.Int).Mul(z2, z2i)).Cmp(big.NewInt(1)) != 0 || mod(new(big.Int).Mul(z3, z3i)).Cmp(big.NewInt(1)) != 0 {
			t.Errorf("%s: Z⁻², Z⁻³ wrong", p.Name)
		}
		if mod(new(big.Int).Mul(p.B, z2cubed)).Cmp(bt) != 0 || mod(new(big.Int).Mul(bt, big.NewInt(3))).Cmp(bt3) != 0 {
			t.Errorf("%s: Bt ≠ b·Z⁶", p.Name)
		}
	}
}

// TestRecode4 checks the signed-digit recoding: Σ dᵢ·16ⁱ = k, |dᵢ| ≤ 8.
func TestRecode4(t *testing.T) {
	for trial := range 200 {
		k := make([]byte, 32)
		switch trial {
		case 0: // zero
		case 1:
			for i := range k {
				k[i] = 0xff
			}
		case 2:
			for i := range k {
				k[i] = 0x88
			}
		case 3:
			for i := range k {
				k[i] = 0x99
			}
		default:
			rand.Read(k)
		}
		mags := make([]uint8, 65)
		negs := make([]uint8, 65)
		recode4(k, mags, negs)
		sum := new(big.Int)
		for i := len(mags) - 1; i >= 0; i-- {
			if mags[i] > 8 || negs[i] > 1 {
				t.Fatalf("digit %d: |d| = %d, neg = %d", i, mags[i], negs[i])
			}
			sum.Lsh(sum, 4)
			d := big.NewInt(int64(mags[i]))
			if negs[i] == 1 {
				d.Neg(d)
			}
			sum.Add(sum, d)
		}
		if sum.Cmp(new(big.Int).SetBytes(k)) != 0 {
			t.Fatalf("recode4(%x) sums to %x", k, sum)
		}
	}
}
