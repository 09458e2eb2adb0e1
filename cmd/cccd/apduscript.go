package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/cccd-vn/cccd/apdu"
)

// APDU scripts (cccd apdu --script FILE|-): one command APDU per line, in
// hex, with an optional expected status word in the comment that follows
// it:
//
//	# SELECT the eMRTD application, then read EF.COM's first bytes
//	00A4040C07A0000002471001        # 9000
//	00 B0 9E 00 04                  # 9000 the tag and length of EF.COM
//	00B0000000                      # 6282|9000  either will do
//	00B1000000                      # 6XXX       any error, X any digit
//	00840000 08                     # no expectation: any status word
//
// Rules: '#' starts a comment that runs to the end of the line; a line
// that holds only a comment (or nothing) is skipped. Spaces, tabs and ':'
// inside the hex are ignored. After the APDU's '#', the first word is the
// expectation when it is a status word pattern — four hex digits, 'X' (or
// 'x', '?') for any digit, alternatives joined by '|' or ',' — and the
// rest is commentary; a first word of another shape is all commentary.

// scriptLine is one APDU of a script.
type scriptLine struct {
	line   int // 1-based line number in the script
	cmd    apdu.Command
	expect []swPattern // empty: any status word
	text   string      // the expectation as written, for messages
}

// swPattern is one expected status word, 'X' for any nibble.
type swPattern string

func (p swPattern) matches(sw apdu.SW) bool {
	got := fmt.Sprintf("%04X", uint16(sw))
	for i := 0; i < 4; i++ {
		if p[i] != 'X' && p[i] != got[i] {
			return false
		}
	}
	return true
}

// parseSWPatterns reads "9000", "61XX", "9000|6282"; ok is false when the
// word is not a status word pattern at all (commentary).
func parseSWPatterns(word string) ([]swPattern, bool) {
	var out []swPattern
	for _, alt := range strings.FieldsFunc(word, func(r rune) bool { return r == '|' || r == ',' }) {
		p := strings.ToUpper(strings.ReplaceAll(alt, "?", "X"))
		if len(p) != 4 {
			return nil, false
		}
		for _, c := range p {
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c == 'X') {
				return nil, false
			}
		}
		out = append(out, swPattern(p))
	}
	return out, len(out) > 0
}

// parseScript reads a whole script; an error names the line and is bad
// input (exit 2), found before any card is touched.
func parseScript(r io.Reader, name string) ([]scriptLine, error) {
	var out []scriptLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		code, comment, hasComment := strings.Cut(text, "#")
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		l := scriptLine{line: n}
		if hasComment {
			if f := strings.Fields(comment); len(f) > 0 {
				if p, ok := parseSWPatterns(f[0]); ok {
					l.expect, l.text = p, strings.ToUpper(f[0])
				}
			}
		}
		cmd, err := parseAPDUHex(code)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		l.cmd = cmd
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no APDU in the script (one hex APDU per line; '#' starts a comment)", name)
	}
	return out, nil
}

// parseAPDUHex reads one command APDU written in hex; spaces, tabs and
// colons are ignored.
func parseAPDUHex(s string) (apdu.Command, error) {
	clean := strings.NewReplacer(" ", "", "\t", "", ":", "").Replace(s)
	raw, err := hex.DecodeString(clean)
	if err != nil {
		return apdu.Command{}, fmt.Errorf("%q is not hex: %v", s, err)
	}
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return apdu.Command{}, fmt.Errorf("%q: %v", s, err)
	}
	return cmd, nil
}
