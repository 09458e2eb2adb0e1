package brainpool

import "errors"

// Helpers shared by the generated field code (gen_field.go) and the point
// arithmetic. Everything here that sees secret data is branch-free.

var (
	errFieldLength = errors.New("brainpool: field element of the wrong length")
	errFieldRange  = errors.New("brainpool: field element not less than the modulus")
)

// isZero64 returns 1 if v = 0, else 0, without a branch: v | -v has its
// top bit set exactly when v ≠ 0.
func isZero64(v uint64) uint64 { return 1 ^ ((v | -v) >> 63) }

// eq64 returns 1 if a = b, else 0, without a branch.
func eq64(a, b uint64) uint64 { return isZero64(a ^ b) }

// recode4 writes the signed 4-bit window digits of the big-endian scalar
// k (Booth recoding): k = Σ dᵢ·16ⁱ with dᵢ ∈ [-8, 8], as magnitudes
// mags[i] = |dᵢ| and signs negs[i] = 1 if dᵢ < 0. mags and negs must have
// 2·len(k)+1 entries (the last digit takes the final carry, 0 or 1).
//
// Digit by digit from the least significant nibble b: v = b + carry;
// v > 8 becomes v - 16 with a carry into the next digit. It is computed
// with masks, the same instructions whatever k is.
func recode4(k []byte, mags, negs []uint8) {
	n := 2 * len(k)
	if len(mags) != n+1 || len(negs) != n+1 {
		panic("brainpool: recode4 buffer size")
	}
	var carry uint64
	for i := 0; i < n; i++ {
		b := uint64(k[len(k)-1-i/2])
		b = (b >> (4 * uint(i&1))) & 15
		v := b + carry        // 0…16
		carry = (8 - v) >> 63 // 1 if v > 8
		// |d| = v, or 16 - v when carried.
		mag := v + ((16 - 2*v) & -carry)
		mags[i] = uint8(mag)
		negs[i] = uint8(carry)
	}
	mags[n] = uint8(carry)
	negs[n] = 0
}
