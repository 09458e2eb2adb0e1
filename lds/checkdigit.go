package lds

import "fmt"

// CheckDigit computes the ICAO Doc 9303-3 §4.9 check digit of an MRZ field:
// digits count as themselves, A–Z as 10–35 and the filler '<' as 0, weighted
// 7, 3, 1 repeating, summed modulo 10. It returns the digit as an ASCII byte.
func CheckDigit(field string) (byte, error) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(field); i++ {
		c := field[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return 0, fmt.Errorf("character %q at position %d is not allowed in an MRZ field", c, i+1)
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), nil
}
