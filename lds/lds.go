package lds

import (
	"crypto"
	"fmt"
)

// LDSFiles are the files built from a set of data groups: EF.COM listing
// them and the security object to sign into EF.SOD.
type LDSFiles struct {
	COM            []byte
	SecurityObject *LDSSecurityObject
}

// BuildLDS checks that every data-group file (number → file bytes) starts
// with its data group's tag, then builds EF.COM (LDS 1.7, Unicode 4.0.0)
// and the security object hashing every group with h. Sign the object with
// SignSOD to get EF.SOD.
func BuildLDS(dgs map[int][]byte, h crypto.Hash) (*LDSFiles, error) {
	var ns []int
	for n, f := range dgs {
		if DGTag(n) == 0 {
			return nil, fmt.Errorf("LDS: data group %d does not exist", n)
		}
		if len(f) == 0 || f[0] != DGTag(n) {
			return nil, fmt.Errorf("LDS: the DG%d file does not start with tag %02X", n, DGTag(n))
		}
		ns = append(ns, n)
	}
	com, err := NewCOM(ns)
	if err != nil {
		return nil, err
	}
	comBytes, err := com.Encode()
	if err != nil {
		return nil, err
	}
	obj, err := NewLDSSecurityObject(dgs, h)
	if err != nil {
		return nil, err
	}
	return &LDSFiles{COM: comBytes, SecurityObject: obj}, nil
}
