package lds

import "testing"

func TestCheckDigit(t *testing.T) {
	// Values from ICAO Doc 9303-11 Appendix D.2 and shared/cccd-reference.md.
	tests := []struct {
		field string
		want  byte
	}{
		{"L898902C<", '3'},
		{"690806", '1'},
		{"940623", '6'},
		{"099012345", '9'},
		{"001099012345", '0'},
		{"990518", '6'},
		{"240518", '2'},
		{"", '0'},
	}
	for _, tt := range tests {
		got, err := CheckDigit(tt.field)
		if err != nil || got != tt.want {
			t.Errorf("CheckDigit(%q) = %q, %v; want %q", tt.field, got, err, tt.want)
		}
	}
	if _, err := CheckDigit("ab1"); err == nil {
		t.Error("CheckDigit accepted lower-case letters")
	}
}
