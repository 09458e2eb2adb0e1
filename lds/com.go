package lds

import (
	"fmt"
	"sort"
)

// COM is EF.COM (tag 60, ICAO 9303-10 §4.6.1): the LDS and Unicode versions
// and the list of data-group tags present.
type COM struct {
	// LDSVersion is "aabb" for LDS version aa.bb, e.g. "0107".
	LDSVersion string
	// UnicodeVersion is "aabbcc", e.g. "040000".
	UnicodeVersion string
	// Tags lists the data-group tags (61, 75, …) in file order.
	Tags []byte
}

// NewCOM builds EF.COM for LDS 1.7 / Unicode 4.0.0 listing the given data
// groups in ascending order.
func NewCOM(dgs []int) (*COM, error) {
	c := &COM{LDSVersion: "0107", UnicodeVersion: "040000"}
	s := append([]int(nil), dgs...)
	sort.Ints(s)
	for i, n := range s {
		if DGTag(n) == 0 {
			return nil, fmt.Errorf("EF.COM: data group %d does not exist (1..16)", n)
		}
		if i > 0 && s[i-1] == n {
			return nil, fmt.Errorf("EF.COM: data group %d listed twice", n)
		}
		c.Tags = append(c.Tags, DGTag(n))
	}
	return c, nil
}

// DataGroups returns the data-group numbers listed in the tag list; unknown
// tags are skipped.
func (c *COM) DataGroups() []int {
	var out []int
	for _, t := range c.Tags {
		if n := DGNumber(t); n != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Encode returns the EF.COM file bytes.
func (c *COM) Encode() ([]byte, error) {
	if len(c.LDSVersion) != 4 || len(c.UnicodeVersion) != 6 {
		return nil, ldsErr("EF.COM", "LDS version must have 4 digits and Unicode version 6")
	}
	var v []byte
	v = ldsAppendTLV(v, 0x5F01, []byte(c.LDSVersion))
	v = ldsAppendTLV(v, 0x5F36, []byte(c.UnicodeVersion))
	v = ldsAppendTLV(v, 0x5C, c.Tags)
	return ldsAppendTLV(nil, 0x60, v), nil
}

// ParseCOM parses EF.COM.
func ParseCOM(b []byte) (*COM, error) {
	v, err := ldsUnwrap(b, 0x60, "EF.COM")
	if err != nil {
		return nil, err
	}
	r := ldsReader(v)
	c := &COM{}
	lv, ok1 := r.readExpected(0x5F01)
	uv, ok2 := r.readExpected(0x5F36)
	tl, ok3 := r.readExpected(0x5C)
	if !ok1 || !ok2 || !ok3 || !r.empty() {
		return nil, ldsErr("EF.COM", "expected 5F01 LDS version, 5F36 Unicode version and 5C tag list")
	}
	c.LDSVersion, c.UnicodeVersion = string(lv), string(uv)
	c.Tags = append([]byte{}, tl...)
	return c, nil
}
