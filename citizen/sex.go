package citizen

import (
	"fmt"
	"strings"
)

// Sex is the holder's sex as the card records it: "Nam" / "Nữ" in Vietnamese
// text (QR, DG13), M / F in the MRZ.
type Sex byte

const (
	SexUnknown Sex = 0
	Male       Sex = 'M'
	Female     Sex = 'F'
)

// ParseSex accepts the Vietnamese words (Nam, Nữ, and Nu without the
// diacritic), the MRZ letters M / F, and male / female, in any case.
func ParseSex(s string) (Sex, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "nam", "m", "male":
		return Male, nil
	case "nữ", "nu", "f", "female":
		return Female, nil
	}
	return SexUnknown, &FieldError{Field: "sex", Value: s, Reason: "is not a sex: use Nam or Nữ (or M / F)", Err: ErrSex}
}

// Vietnamese returns "Nam" or "Nữ" (empty when unknown).
func (s Sex) Vietnamese() string {
	switch s {
	case Male:
		return "Nam"
	case Female:
		return "Nữ"
	}
	return ""
}

// MRZ returns the ICAO 9303-3 sex letter: M, F or < when unspecified.
func (s Sex) MRZ() string {
	switch s {
	case Male:
		return "M"
	case Female:
		return "F"
	}
	return "<"
}

func (s Sex) String() string {
	if v := s.Vietnamese(); v != "" {
		return v
	}
	return "unknown"
}

// MarshalText writes M or F, so that JSON carries the stable MRZ letter.
func (s Sex) MarshalText() ([]byte, error) {
	switch s {
	case Male, Female:
		return []byte{byte(s)}, nil
	case SexUnknown:
		return []byte{}, nil
	}
	return nil, fmt.Errorf("citizen: invalid Sex value %d", byte(s))
}

// UnmarshalText accepts what ParseSex accepts, and the empty string.
func (s *Sex) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = SexUnknown
		return nil
	}
	v, err := ParseSex(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
