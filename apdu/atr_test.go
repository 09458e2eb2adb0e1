package apdu

import (
	"encoding/hex"
	"testing"
)

func TestParseCapabilities(t *testing.T) {
	for _, tt := range []struct {
		name, atr string
		want      Capabilities
	}{
		// NXP JCOP 41 (a published ATR): historical bytes 80 31F8 73F741E0
		// 829000 — card capabilities F7 41 E0: chaining, extended Lc/Le,
		// extended length information in EF.ATR/INFO.
		{"JCOP", "3B8A800180 31F873F741E0829000 75", Capabilities{Known: true, Chaining: true, ExtendedLength: true, ExtendedLengthInfo: true}},
		// No card capabilities object: nothing known.
		{"plain historical bytes", "3B8A80016363636364", Capabilities{}},
		{"no historical bytes", "3B00", Capabilities{}},
		{"truncated", "3B8F80", Capabilities{}},
		{"bad compact-TLV", "3B8380017F", Capabilities{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(stripSpaces(tt.atr))
			if got := ParseCapabilities(b); got != tt.want {
				t.Fatalf("%+v, want %+v", got, tt.want)
			}
		})
	}
	// What we announce reads back.
	for _, c := range []Capabilities{{Known: true}, {Known: true, ExtendedLength: true}, {Known: true, Chaining: true, ExtendedLength: true}} {
		hist := CardCapabilities(c, []byte("cccd"))
		atr := append([]byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}, hist...)
		if got := ParseCapabilities(atr); got != c {
			t.Fatalf("%X: %+v, want %+v", atr, got, c)
		}
	}
}

func stripSpaces(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func FuzzParseCapabilities(f *testing.F) {
	f.Add([]byte{0x3B, 0x8A, 0x80, 0x01, 0x80, 0x31, 0xF8, 0x73, 0xF7, 0x41, 0xE0, 0x82, 0x90, 0x00, 0x75})
	f.Add([]byte{0x3B, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, atr []byte) { ParseCapabilities(atr) })
}
