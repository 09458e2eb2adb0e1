package pcsc

import (
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	readers := []Reader{
		{Index: 0, Name: "Virtual PCD 00 00"},
		{Index: 1, Name: "Virtual PCD 00 01"},
		{Index: 2, Name: "ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00"},
	}
	for _, tt := range []struct {
		spec, want, err string
	}{
		{spec: "Virtual PCD 00 01", want: "Virtual PCD 00 01"},
		{spec: "1", want: "Virtual PCD 00 01"},
		{spec: "0", want: "Virtual PCD 00 00"},
		{spec: "picc", want: readers[2].Name},
		{spec: "PCD 00 00", want: "Virtual PCD 00 00"},
		{spec: "Virtual", err: `"Virtual" matches 2 readers`},
		{spec: "3", err: "there is no reader 3"},
		{spec: "omnikey", err: `no reader matches "omnikey": the readers are 0 "Virtual PCD 00 00"`},
	} {
		got, err := resolve(tt.spec, readers)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("resolve(%q) error = %v, want %q", tt.spec, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolve(%q) = %q, %v; want %q", tt.spec, got, err, tt.want)
		}
	}
}
