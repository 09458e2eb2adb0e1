//go:build ignore

// gen_field writes the fixed-limb Montgomery arithmetic of the package:
// one file per curve (field_p256.go, field_p384.go, field_p512.go) with an
// element type mod p and one mod n, and the point arithmetic of P384r1 and
// P512r1 (point_p384.go, point_p512.go) copied from the hand-written
// point_p256.go with the curve name substituted.
//
// Run it with `go generate` in this directory. It uses math/big, but only
// here, to compute constants; the generated code does not.
//
// The multiplication is the word-by-word ("CIOS") Montgomery product of
// Koç, Acar and Kaliski, "Analyzing and Comparing Montgomery Multiplication
// Algorithms" (1996), on saturated 64-bit limbs, unrolled for the limb
// count, as fiat-crypto's word-by-word Montgomery output does.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"math/big"
	"os"
	"strings"
)

type curve struct {
	name               string // "p256"
	rfc                string // "brainpoolP256r1"
	section            string // RFC 5639 section of the parameters
	p, a, b, gx, gy, n string
	limbs              int
}

// Domain parameters from RFC 5639 §3.4, §3.6 and §3.7 (the same strings as
// brainpool.go; a test compares the generated constants with them).
var curves = []curve{
	{"p256", "brainpoolP256r1", "3.4",
		"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
		"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
		"26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
		"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
		"547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
		"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7", 4},
	{"p384", "brainpoolP384r1", "3.6",
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
		"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
		"04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
		"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
		"8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565", 6},
	{"p512", "brainpoolP512r1", "3.7",
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
		"7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
		"3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
		"81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
		"7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069", 8},
}

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		log.Fatalf("bad hex %s", s)
	}
	return n
}

// limbs returns v as n little-endian 64-bit words.
func limbs(v *big.Int, n int) []uint64 {
	out := make([]uint64, n)
	t := new(big.Int).Set(v)
	mask := new(big.Int).SetUint64(^uint64(0))
	for i := range out {
		out[i] = new(big.Int).And(t, mask).Uint64()
		t.Rsh(t, 64)
	}
	if t.Sign() != 0 {
		log.Fatalf("%x does not fit %d limbs", v, n)
	}
	return out
}

func lit(v []uint64) string {
	var s []string
	for _, w := range v {
		s = append(s, fmt.Sprintf("0x%016x", w))
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// field writes the arithmetic of one modulus m on type T.
func field(w *bytes.Buffer, T, what string, m *big.Int, n int) {
	L := 8 * n
	R := new(big.Int).Lsh(big.NewInt(1), uint(64*n))
	if m.BitLen() != 64*n {
		log.Fatalf("%s: modulus of %d bits, not %d", T, m.BitLen(), 64*n)
	}
	// -m⁻¹ mod 2⁶⁴, for the Montgomery reduction.
	two64 := new(big.Int).Lsh(big.NewInt(1), 64)
	minv := new(big.Int).ModInverse(m, two64)
	minv.Sub(two64, minv)
	one := new(big.Int).Mod(R, m)
	rr := new(big.Int).Mul(R, R)
	rr.Mod(rr, m)
	ml := limbs(m, n)
	exp := new(big.Int).Sub(m, big.NewInt(2)).FillBytes(make([]byte, L))

	f := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	f("// %s is an integer mod %s in the Montgomery domain: the element x is\n", T, what)
	f("// held as x·R mod m, R = 2^%d, in %d little-endian 64-bit limbs, always\n", 64*n, n)
	f("// fully reduced (less than m).\n")
	f("type %s [%d]uint64\n\n", T, n)
	f("// %sModulus is m in plain limbs.\n", T)
	f("var %sModulus = %s%s\n\n", T, T, lit(ml))
	f("// %sOne is 1 (R mod m); %sRR is R² mod m, to enter the domain.\n", T, T)
	f("var %sOne = %s%s\n\n", T, T, lit(limbs(one, n)))
	f("var %sRR = %s%s\n\n", T, T, lit(limbs(rr, n)))
	f("// %sInvExp is m-2, big-endian: Fermat's exponent for inversion.\n", T)
	f("var %sInvExp = [%d]byte{", T, L)
	for i, b := range exp {
		if i > 0 {
			f(", ")
		}
		f("0x%02x", b)
	}
	f("}\n\n")

	// emitReduce writes z = t mod m for t < 2m in limbs t[0..n-1] and top,
	// inline (a call costs as much as the subtraction itself).
	emitReduce := func(t func(j int) string, top string) {
		f("\t// z = t - m unless that borrows (t < m); masked, no branch.\n")
		f("\tvar b uint64\n")
		for j := 0; j < n; j++ {
			f("\tr%d, b := bits.Sub64(%s, 0x%016x, b)\n", j, t(j), ml[j])
		}
		f("\t_, b = bits.Sub64(%s, 0, b)\n", top)
		f("\tmask := -b\n")
		for j := 0; j < n; j++ {
			f("\tz[%d] = (%s & mask) | (r%d &^ mask)\n", j, t(j), j)
		}
	}
	tv := func(j int) string { return fmt.Sprintf("t%d", j) }

	// Mul.
	f("// Mul sets z = x·y·R⁻¹ mod m (the Montgomery product) and returns z.\n")
	f("// CIOS: for each limb y[i], t += x·y[i], then t += q·m with\n")
	f("// q = t[0]·(-m⁻¹) mod 2⁶⁴ and t >>= 64; t < 2m stays in n+1 limbs. A\n")
	f("// final masked subtraction brings it below m. No branch, no table.\n")
	f("// The products of a row come first, then unbroken carry chains, which\n")
	f("// the compiler turns into ADC sequences.\n")
	f("func (z *%s) Mul(x, y *%s) *%s {\n", T, T, T)
	f("\tvar c, q uint64\n")
	for j := 0; j <= n+1; j++ {
		f("\tvar t%d uint64\n", j)
	}
	for j := 0; j < n; j++ {
		f("\tvar h%d, l%d uint64\n", j, j)
	}
	f("\tx0")
	for j := 1; j < n; j++ {
		f(", x%d", j)
	}
	f(" := x[0]")
	for j := 1; j < n; j++ {
		f(", x[%d]", j)
	}
	f("\n")
	// row emits h_j, l_j = a_j·v and the n+1-limb sum into l0..l(n-1), h(n-1).
	row := func(v string, coef func(j int) string) {
		for j := 0; j < n; j++ {
			f("\th%d, l%d = bits.Mul64(%s, %s)\n", j, j, coef(j), v)
		}
		f("\tl1, c = bits.Add64(l1, h0, 0)\n")
		for j := 2; j < n; j++ {
			f("\tl%d, c = bits.Add64(l%d, h%d, c)\n", j, j, j-1)
		}
		f("\th%d += c\n", n-1)
	}
	xs := func(j int) string { return fmt.Sprintf("x%d", j) }
	ms := func(j int) string { return fmt.Sprintf("0x%016x", ml[j]) }
	for i := 0; i < n; i++ {
		f("\t// t += x·y[%d]\n", i)
		row(fmt.Sprintf("y[%d]", i), xs)
		if i == 0 {
			for j := 0; j < n; j++ {
				f("\tt%d = l%d\n", j, j)
			}
			f("\tt%d = h%d\n", n, n-1)
		} else {
			f("\tt0, c = bits.Add64(t0, l0, 0)\n")
			for j := 1; j < n; j++ {
				f("\tt%d, c = bits.Add64(t%d, l%d, c)\n", j, j, j)
			}
			f("\tt%d, c = bits.Add64(t%d, h%d, c)\n", n, n, n-1)
			f("\tt%d = c\n", n+1)
		}
		f("\t// t = (t + q·m) / 2⁶⁴\n")
		f("\tq = t0 * 0x%016x\n", minv.Uint64())
		row("q", ms)
		f("\t_, c = bits.Add64(t0, l0, 0)\n")
		for j := 1; j < n; j++ {
			f("\tt%d, c = bits.Add64(t%d, l%d, c)\n", j-1, j, j)
		}
		f("\tt%d, c = bits.Add64(t%d, h%d, c)\n", n-1, n, n-1)
		if i == 0 {
			f("\tt%d = c\n", n)
		} else {
			f("\tt%d = t%d + c\n", n, n+1)
		}
	}
	emitReduce(tv, fmt.Sprintf("t%d", n))
	f("\treturn z\n}\n\n")

	// Square.
	f("// Square sets z = x²·R⁻¹ mod m and returns z. The product x² takes\n")
	f("// n(n+1)/2 limb products (the cross terms once, doubled by a shift,\n")
	f("// then the squares); its low half is Montgomery-reduced row by row\n")
	f("// (u = (u + q·m)/2⁶⁴, n times, leaving u ≤ m) and the high half added:\n")
	f("// (x² + Q·m)/R < 2m. Then the masked subtraction of Mul.\n")
	f("func (z *%s) Square(x *%s) *%s {\n", T, T, T)
	f("\tvar c, q uint64\n")
	for j := 0; j < 2*n; j++ {
		f("\tvar T%d uint64\n", j)
	}
	for j := 0; j < n; j++ {
		f("\tvar h%d, l%d uint64\n", j, j)
	}
	f("\t_, _ = c, q\n")
	// Cross terms, row i: x_i·x_j for j > i at positions i+j.
	for i := 0; i < n-1; i++ {
		f("\t// cross terms x[%d]·x[j], j > %d\n", i, i)
		cnt := n - 1 - i
		for k := 0; k < cnt; k++ {
			f("\th%d, l%d = bits.Mul64(x[%d], x[%d])\n", k, k, i, i+1+k)
		}
		if cnt > 1 {
			f("\tl1, c = bits.Add64(l1, h0, 0)\n")
			for k := 2; k < cnt; k++ {
				f("\tl%d, c = bits.Add64(l%d, h%d, c)\n", k, k, k-1)
			}
			f("\th%d += c\n", cnt-1)
		}
		// V = l0..l(cnt-1), h(cnt-1) at positions 2i+1 .. i+n
		if i == 0 {
			for k := 0; k < cnt; k++ {
				f("\tT%d = l%d\n", 2*i+1+k, k)
			}
			f("\tT%d = h%d\n", i+n, cnt-1)
		} else {
			f("\tT%d, c = bits.Add64(T%d, l0, 0)\n", 2*i+1, 2*i+1)
			for k := 1; k < cnt; k++ {
				f("\tT%d, c = bits.Add64(T%d, l%d, c)\n", 2*i+1+k, 2*i+1+k, k)
			}
			f("\tT%d = h%d + c\n", i+n, cnt-1)
		}
	}
	f("\t// double the cross terms\n")
	f("\tT1, c = bits.Add64(T1, T1, 0)\n")
	for k := 2; k < 2*n; k++ {
		f("\tT%d, c = bits.Add64(T%d, T%d, c)\n", k, k, k)
	}
	f("\t// add the squares x[i]²\n")
	// products in two halves to limit live values
	for i := 0; i < n; i++ {
		f("\th%d, l%d = bits.Mul64(x[%d], x[%d])\n", i, i, i, i)
	}
	f("\tT0, c = bits.Add64(T0, l0, 0)\n")
	f("\tT1, c = bits.Add64(T1, h0, c)\n")
	for i := 1; i < n; i++ {
		f("\tT%d, c = bits.Add64(T%d, l%d, c)\n", 2*i, 2*i, i)
		f("\tT%d, c = bits.Add64(T%d, h%d, c)\n", 2*i+1, 2*i+1, i)
	}
	// Montgomery reduction of the low half u = T0..T(n-1), u_n = Tn' (a fresh carry word).
	f("\t// reduce the low half\n\tvar un uint64\n")
	uv := func(j int) string {
		if j == n {
			return "un"
		}
		return fmt.Sprintf("T%d", j)
	}
	for i := 0; i < n; i++ {
		f("\tq = T0 * 0x%016x\n", minv.Uint64())
		for j := 0; j < n; j++ {
			f("\th%d, l%d = bits.Mul64(q, 0x%016x)\n", j, j, ml[j])
		}
		f("\tl1, c = bits.Add64(l1, h0, 0)\n")
		for j := 2; j < n; j++ {
			f("\tl%d, c = bits.Add64(l%d, h%d, c)\n", j, j, j-1)
		}
		f("\th%d += c\n", n-1)
		f("\t_, c = bits.Add64(T0, l0, 0)\n")
		for j := 1; j < n; j++ {
			f("\t%s, c = bits.Add64(%s, l%d, c)\n", uv(j-1), uv(j), j)
		}
		f("\t%s, c = bits.Add64(%s, h%d, c)\n", uv(n-1), uv(n), n-1)
		f("\tun = c\n")
	}
	f("\t// add the high half\n")
	f("\tt0, c := bits.Add64(T0, T%d, 0)\n", n)
	for j := 1; j < n; j++ {
		f("\tt%d, c := bits.Add64(T%d, T%d, c)\n", j, j, n+j)
	}
	f("\ttop := un + c\n")
	emitReduce(tv, "top")
	f("\treturn z\n}\n\n")

	// Add.
	f("// Add sets z = x + y mod m and returns z.\n")
	f("func (z *%s) Add(x, y *%s) *%s {\n\tvar c uint64\n", T, T, T)
	for j := 0; j < n; j++ {
		f("\tt%d, c := bits.Add64(x[%d], y[%d], c)\n", j, j, j)
	}
	emitReduce(tv, "c")
	f("\treturn z\n}\n\n")

	// Sub.
	f("// Sub sets z = x - y mod m and returns z: on a borrow, m is added back\n// through a mask.\n")
	f("func (z *%s) Sub(x, y *%s) *%s {\n\tvar b uint64\n", T, T, T)
	for j := 0; j < n; j++ {
		f("\tt%d, b := bits.Sub64(x[%d], y[%d], b)\n", j, j, j)
	}
	f("\tmask := -b\n\tvar c uint64\n")
	for j := 0; j < n; j++ {
		f("\tz[%d], c = bits.Add64(t%d, 0x%016x&mask, c)\n", j, j, ml[j])
	}
	f("\treturn z\n}\n\n")

	// The rest is limb-count independent.
	src := strings.NewReplacer("TT", T, "LL", fmt.Sprint(L), "NN", fmt.Sprint(n)).Replace(commonField)
	w.WriteString(src)
}

const commonField = `// Neg sets z = -x mod m and returns z.
func (z *TT) Neg(x *TT) *TT {
	var zero TT
	return z.Sub(&zero, x)
}

// Set sets z = x and returns z.
func (z *TT) Set(x *TT) *TT { *z = *x; return z }

// Select sets z = a if cond is 1, z = b if cond is 0 (cond must be 0 or
// 1), through masks, and returns z.
func (z *TT) Select(a, b *TT, cond uint64) *TT {
	mask := -cond
	for i := range z {
		z[i] = (a[i] & mask) | (b[i] &^ mask)
	}
	return z
}

// IsZero returns 1 if z = 0, else 0, without a branch.
func (z *TT) IsZero() uint64 {
	var acc uint64
	for i := range z {
		acc |= z[i]
	}
	return isZero64(acc)
}

// Equal returns 1 if z = x, else 0, without a branch.
func (z *TT) Equal(x *TT) uint64 {
	var acc uint64
	for i := range z {
		acc |= z[i] ^ x[i]
	}
	return isZero64(acc)
}

// fromLimbs enters the Montgomery domain: z = v·R mod m for v < m.
func (z *TT) fromLimbs(v *TT) *TT { return z.Mul(v, &TTRR) }

// limbs leaves the Montgomery domain: it returns x with z = x·R.
func (z *TT) limbs() TT {
	var one, v TT
	one[0] = 1
	v.Mul(z, &one)
	return v
}

// SetBytes sets z to the big-endian integer b of exactly LL bytes; it
// fails, leaving z alone, if b is not less than m.
func (z *TT) SetBytes(b []byte) (*TT, error) {
	if len(b) != LL {
		return nil, errFieldLength
	}
	var v TT
	for i := range v {
		v[i] = binary.BigEndian.Uint64(b[LL-8-8*i:])
	}
	var borrow uint64
	for i := range v {
		_, borrow = bits.Sub64(v[i], TTModulus[i], borrow)
	}
	if borrow == 0 {
		return nil, errFieldRange
	}
	return z.fromLimbs(&v), nil
}

// SetReducedBytes sets z to the big-endian integer b of exactly LL bytes
// mod m, whatever its value: 2^(8·LL) < 2m, so one masked subtraction
// reduces it. It is constant-time.
func (z *TT) SetReducedBytes(b *[LL]byte) *TT {
	var v TT
	for i := range v {
		v[i] = binary.BigEndian.Uint64(b[LL-8-8*i:])
	}
	var r TT
	var borrow uint64
	for i := range v {
		r[i], borrow = bits.Sub64(v[i], TTModulus[i], borrow)
	}
	r.Select(&v, &r, borrow)
	return z.fromLimbs(&r)
}

// Bytes returns z as LL big-endian bytes.
func (z *TT) Bytes() []byte {
	var b [LL]byte
	z.PutBytes(&b)
	return b[:]
}

// PutBytes writes z as LL big-endian bytes.
func (z *TT) PutBytes(b *[LL]byte) {
	v := z.limbs()
	for i := range v {
		binary.BigEndian.PutUint64(b[LL-8-8*i:], v[i])
	}
}

// Invert sets z = x⁻¹ = x^(m-2) mod m (Fermat; 0 maps to 0) and returns z.
// The exponent is public: a fixed 4-bit window over it, 14 products for
// the table x⁰…x¹⁵ then 4 squarings and at most one product per digit;
// which products happen depends on m only, never on x.
func (z *TT) Invert(x *TT) *TT {
	var table [16]TT
	table[0] = TTOne
	table[1] = *x
	for i := 2; i < 16; i++ {
		table[i].Mul(&table[i-1], x)
	}
	acc := TTOne
	for _, byt := range TTInvExp {
		for _, nib := range [2]byte{byt >> 4, byt & 15} {
			acc.Square(&acc)
			acc.Square(&acc)
			acc.Square(&acc)
			acc.Square(&acc)
			if nib != 0 {
				acc.Mul(&acc, &table[nib])
			}
		}
	}
	*z = acc
	return z
}

`

func mont(v, m *big.Int, n int) []uint64 {
	R := new(big.Int).Lsh(big.NewInt(1), uint(64*n))
	t := new(big.Int).Mul(v, R)
	return limbs(t.Mod(t, m), n)
}

func main() {
	for _, c := range curves {
		var w bytes.Buffer
		fmt.Fprintf(&w, "// Code generated by gen_field.go; DO NOT EDIT.\n\n")
		fmt.Fprintf(&w, "package brainpool\n\nimport (\n\t\"encoding/binary\"\n\t\"math/bits\"\n)\n\n")
		p, n := hexInt(c.p), hexInt(c.n)
		fmt.Fprintf(&w, "// %sBytes is the length of a coordinate or scalar of %s.\nconst %sBytes = %d\n\n", c.name, c.rfc, c.name, 8*c.limbs)
		field(&w, c.name+"Element", "p of "+c.rfc+" (RFC 5639 §"+c.section+")", p, c.limbs)
		field(&w, c.name+"Scalar", "n, the group order of "+c.rfc, n, c.limbs)
		b := hexInt(c.b)
		b3 := new(big.Int).Mul(b, big.NewInt(3))
		// The twist of RFC 5639 §3: with Z⁴ = -3/a, (x, y) ↦ (x·Z², y·Z³)
		// maps the curve onto y² = x³ - 3x + b·Z⁶. Z² is the square root
		// of -3/a that is itself a square (p ≡ 3 mod 4: exactly one is).
		a := hexInt(c.a)
		u := new(big.Int).ModInverse(a, p)
		u.Mul(u, big.NewInt(-3))
		u.Mod(u, p)
		z2 := new(big.Int).ModSqrt(u, p)
		if z2 == nil {
			log.Fatalf("%s: -3/a is not a square", c.rfc)
		}
		if big.Jacobi(z2, p) != 1 {
			z2.Sub(p, z2)
		}
		z := new(big.Int).ModSqrt(z2, p)
		z3 := new(big.Int).Mul(z2, z)
		z3.Mod(z3, p)
		z6 := new(big.Int).Mul(z3, z3)
		bt := new(big.Int).Mul(b, z6)
		bt.Mod(bt, p)
		bt3 := new(big.Int).Mul(bt, big.NewInt(3))
		bt3.Mod(bt3, p)
		z2inv := new(big.Int).ModInverse(z2, p)
		z3inv := new(big.Int).ModInverse(z3, p)
		fmt.Fprintf(&w, "// Curve constants of %s (RFC 5639 §%s) in the Montgomery domain:\n", c.rfc, c.section)
		fmt.Fprintf(&w, "// a, b, G of the curve; Z² and Z³ of the isomorphism (x, y) ↦ (x·Z², y·Z³)\n")
		fmt.Fprintf(&w, "// onto the twist y² = x³ - 3x + Bt (RFC 5639 §3, a·Z⁴ = -3, Bt = b·Z⁶),\n")
		fmt.Fprintf(&w, "// their inverses, and Bt.\n")
		fmt.Fprintf(&w, "var (\n")
		for _, k := range []struct {
			name string
			v    *big.Int
		}{{"A", a}, {"B", b}, {"Gx", hexInt(c.gx)}, {"Gy", hexInt(c.gy)},
			{"Z2", z2}, {"Z3", z3}, {"Z2Inv", z2inv}, {"Z3Inv", z3inv}, {"Bt", bt}, {"Bt3", bt3}} {
			fmt.Fprintf(&w, "\t%s%s = %sElement%s\n", c.name, k.name, c.name, lit(mont(k.v, p, c.limbs)))
		}
		fmt.Fprintf(&w, ")\n")
		_ = b3
		write("field_"+c.name+".go", w.Bytes())
	}
	// Point arithmetic of the larger curves from the P256r1 master.
	master, err := os.ReadFile("point_p256.go")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range curves[1:] {
		num := strings.TrimPrefix(c.name, "p")
		src := string(master)
		src = strings.ReplaceAll(src, "p256", c.name)
		src = strings.ReplaceAll(src, "P256", "P"+num)
		src = "// Code generated by gen_field.go from point_p256.go; DO NOT EDIT.\n\n" + src
		write("point_"+c.name+".go", []byte(src))
	}
}

func write(name string, src []byte) {
	out, err := format.Source(src)
	if err != nil {
		os.WriteFile(name, src, 0o644)
		log.Fatalf("%s: %v", name, err)
	}
	if err := os.WriteFile(name, out, 0o644); err != nil {
		log.Fatal(err)
	}
}
