package personalize

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// EncodingError refuses an input file that is not UTF-8 text. It names the
// line and the byte's value and guesses the encoding the file is in; it
// never quotes the text (it holds personal data).
type EncodingError struct {
	Line  int
	Byte  byte
	Guess string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("the input is not UTF-8 text (line %d, byte 0x%02X): it looks like %s; nothing was read from it — save it as UTF-8 (Excel: Save As › CSV UTF-8; LibreOffice: Character set › Unicode (UTF-8)) and run again", e.Line, e.Byte, e.Guess)
}

// utf8Reader passes a file through while checking that it is UTF-8 (a
// UTF-8 byte-order mark at the start is dropped), so that validation
// streams and still refuses a file in another encoding as a whole, at its
// first bad byte. NUL bytes are refused too: no text record has one, and a
// UTF-16 file of plain ASCII is valid UTF-8 but for them.
type utf8Reader struct {
	r      io.Reader
	carry  []byte // bytes read, not yet returned (an incomplete sequence, or what did not fit p)
	good   int    // carry[:good] is checked
	line   int
	start  bool
	sample []byte // the first bytes, for the guess
	err    error
	eof    bool
}

func newUTF8Reader(r io.Reader) *utf8Reader { return &utf8Reader{r: r, line: 1, start: true} }

const sampleSize = 64 * 1024

func (u *utf8Reader) Read(p []byte) (int, error) {
	for {
		if u.err != nil {
			return 0, u.err
		}
		// Return what is known good first.
		if ok := u.validPrefix(); ok > 0 {
			n := copy(p, u.carry[:ok])
			u.carry, u.good = u.carry[n:], ok-n
			return n, nil
		}
		if u.eof {
			if len(u.carry) > 0 {
				u.fail(u.carry[0]) // a sequence cut off by the end
				continue
			}
			return 0, io.EOF
		}
		buf := make([]byte, max(len(p), 4096))
		n, err := u.r.Read(buf)
		if len(u.sample) < sampleSize {
			u.sample = append(u.sample, buf[:min(n, sampleSize-len(u.sample))]...)
		}
		u.carry = append(u.carry, buf[:n]...)
		if u.start && len(u.carry) >= 3 || u.start && err != nil {
			u.start = false
			u.carry = bytes.TrimPrefix(u.carry, []byte("\xEF\xBB\xBF"))
		}
		if err == io.EOF {
			u.eof = true
		} else if err != nil {
			return 0, err
		}
	}
}

// validPrefix checks carry and returns how many bytes of it are whole,
// valid UTF-8; it records the first bad byte as the reader's error.
func (u *utf8Reader) validPrefix() int {
	if u.start && !u.eof && len(u.carry) < 3 {
		return 0 // a byte-order mark may be coming
	}
	i := u.good
	defer func() { u.good = i }()
	for i < len(u.carry) {
		b := u.carry[i]
		if b == 0 {
			u.fail(b)
			return i
		}
		if b < utf8.RuneSelf {
			if b == '\n' {
				u.line++
			}
			i++
			continue
		}
		if !utf8.FullRune(u.carry[i:]) {
			if u.eof {
				u.fail(b)
			}
			return i // wait for the rest of the sequence
		}
		r, size := utf8.DecodeRune(u.carry[i:])
		if r == utf8.RuneError && size == 1 {
			u.fail(b)
			return i
		}
		i += size
	}
	return i
}

func (u *utf8Reader) fail(b byte) {
	if u.err == nil {
		u.err = &EncodingError{Line: u.line, Byte: b, Guess: guessEncoding(u.sample)}
	}
}

// guessEncoding names the likeliest encoding of text that is not UTF-8:
// UTF-16 or UTF-32 by their byte-order marks or NUL bytes, else one of the
// 8-bit code pages Vietnamese text is found in, by the marks each puts
// after a vowel: Windows-1258 writes tones as combining bytes (CC, EC, D2,
// DE, F2), VNI writes every diacritic as a byte after an ASCII vowel (E0–
// FB), TCVN3 (ABC) has whole letters in A1–FE, mostly after consonants.
func guessEncoding(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0, 0}):
		return "UTF-32 (little-endian)"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return "UTF-16 (little-endian, as Windows saves 'Unicode text')"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return "UTF-16 (big-endian)"
	}
	if nul := bytes.Count(b, []byte{0}); nul > len(b)/4 {
		if len(b) > 1 && b[0] == 0 {
			return "UTF-16 (big-endian)"
		}
		return "UTF-16 (little-endian)"
	}
	isVowel := func(c byte) bool { return bytes.IndexByte([]byte("aeiouyAEIOUY"), c) >= 0 }
	var cp1258, vni, tcvn, high int
	for i, c := range b {
		if c < 0x80 {
			continue
		}
		high++
		prev := byte(0)
		if i > 0 {
			prev = b[i-1]
		}
		switch {
		case (c == 0xCC || c == 0xEC || c == 0xD2 || c == 0xDE || c == 0xF2) && (isVowel(prev) || bytes.IndexByte([]byte{0xC2, 0xC3, 0xCA, 0xD4, 0xD5, 0xDD, 0xE2, 0xE3, 0xEA, 0xF4, 0xF5, 0xFD}, prev) >= 0):
			cp1258 += 2
		case c >= 0xE0 && c <= 0xFB && isVowel(prev):
			vni++
		case c >= 0xA1 && prev < 0x80 && (prev|0x20) >= 'a' && (prev|0x20) <= 'z' && !isVowel(prev):
			tcvn++
		}
	}
	switch {
	case high == 0:
		return "text with control bytes"
	case cp1258 >= vni && cp1258 >= tcvn && cp1258 > 0:
		return "Windows-1258 (a Vietnamese code page)"
	case vni >= tcvn && vni > 0:
		return "VNI (a Vietnamese 8-bit encoding)"
	case tcvn > 0:
		return "TCVN3/ABC (a Vietnamese 8-bit encoding)"
	}
	return "an 8-bit code page such as Windows-1252 or ISO-8859-1"
}
