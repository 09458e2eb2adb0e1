package lds

// DG1 is data group 1 (tag 61): the MRZ as printed, in element 5F1F (ICAO
// 9303-10 §4.7.1).
type DG1 struct {
	MRZ *MRZ
}

// Encode returns the DG1 file bytes.
func (d *DG1) Encode() ([]byte, error) {
	if d.MRZ == nil {
		return nil, ldsErr("DG1", "no MRZ")
	}
	return ldsAppendTLV(nil, 0x61, ldsAppendTLV(nil, 0x5F1F, []byte(d.MRZ.String()))), nil
}

// ParseDG1 parses DG1. Check digits are not verified here: call
// d.MRZ.Check.
func ParseDG1(b []byte) (*DG1, error) {
	v, err := ldsUnwrap(b, 0x61, "DG1")
	if err != nil {
		return nil, err
	}
	r := ldsReader(v)
	mrz, ok := r.readExpected(0x5F1F)
	if !ok || !r.empty() {
		return nil, ldsErr("DG1", "expected exactly one 5F1F MRZ element")
	}
	m, err := ParseMRZ(string(mrz))
	if err != nil {
		return nil, ldsErr("DG1", err.Error())
	}
	if m.String() != string(mrz) {
		return nil, ldsErr("DG1", "the MRZ element contains separators")
	}
	return &DG1{MRZ: m}, nil
}
