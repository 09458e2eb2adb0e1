package main

import (
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
)

// TestParseScript: the script syntax — comments, hex with spaces and
// colons, expectations and their wildcards, free text after them.
func TestParseScript(t *testing.T) {
	src := "\ufeff# header\n" +
		"\n" +
		"00A4040C07A0000002471001   # 9000\n" +
		"00:B0:00:00:04\t# 62xx,9000 free text\n" +
		"00B0000000 # 6?8?\n" +
		"0084000008 # read the challenge: no expectation\n" +
		"0084000008 # 9000x is not a status word\n" +
		"   # 6A82 a comment line, skipped\n"
	lines, err := parseScript(strings.NewReader(src), "t.apdu")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		line   int
		ins    byte
		expect string
		ok     []apdu.SW
		not    []apdu.SW
	}
	for i, w := range []want{
		{3, 0xA4, "9000", []apdu.SW{0x9000}, []apdu.SW{0x9001, 0x6A82}},
		{4, 0xB0, "62XX,9000", []apdu.SW{0x6282, 0x62FF, 0x9000}, []apdu.SW{0x6300}},
		{5, 0xB0, "6?8?", []apdu.SW{0x6A82, 0x6982, 0x6A80}, []apdu.SW{0x6A90, 0x9000}},
		{6, 0x84, "", nil, nil},
		{7, 0x84, "", nil, nil},
	} {
		if i >= len(lines) {
			t.Fatalf("%d lines, want 5", len(lines))
		}
		l := lines[i]
		if l.line != w.line || l.cmd.INS != w.ins || l.text != w.expect {
			t.Errorf("line %d: got line %d INS %02X expect %q", w.line, l.line, l.cmd.INS, l.text)
		}
		for _, sw := range w.ok {
			if !l.matches(sw) {
				t.Errorf("line %d: %s should match %s", w.line, l.text, sw)
			}
		}
		for _, sw := range w.not {
			if l.matches(sw) {
				t.Errorf("line %d: %s should not match %s", w.line, l.text, sw)
			}
		}
	}
	if len(lines) != 5 {
		t.Errorf("%d lines, want 5", len(lines))
	}
	for _, bad := range []struct{ src, err string }{
		{"00A4040C07A0000002471001\n00B0ZZ # 9000\n", `t.apdu:2: "00B0ZZ" is not hex`},
		{"00A4040C05A000\n", "t.apdu:1: "},
		{"# nothing\n\n", "no APDU in the script"},
	} {
		if _, err := parseScript(strings.NewReader(bad.src), "t.apdu"); err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("%q: err %v, want %q", bad.src, err, bad.err)
		}
	}
}
