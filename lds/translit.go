package lds

import (
	"fmt"
	"strings"
	"unicode"
)

// translitTable maps letters with diacritics to MRZ letters. Vietnamese:
// every vowel with its breve/circumflex/horn and the five tone marks loses
// them, Đ becomes D (ICAO 9303-3 §6 allows national transliteration for the
// MRZ; Vietnam prints the bare Latin letters). Other Latin letters follow the
// ICAO 9303-3 §6 table (Ä→AE, ß→SS, …) for foreign names.
var translitTable = func() map[rune]string {
	m := map[rune]string{}
	groups := map[string]string{
		"A": "àáảãạăằắẳẵặâầấẩẫậäåāą",
		"E": "èéẻẽẹêềếểễệëēęė",
		"I": "ìíỉĩịîïīį",
		"O": "òóỏõọôồốổỗộơờớởỡợō",
		"U": "ùúủũụưừứửữựûūů",
		"Y": "ỳýỷỹỵÿ",
		"D": "đð",
		"C": "çćč",
		"N": "ñńň",
		"S": "śšş",
		"Z": "źżž",
		"R": "ř",
		"L": "ł",
	}
	for base, letters := range groups {
		for _, r := range letters {
			m[r] = base
			m[unicode.ToUpper(r)] = base
		}
	}
	// ICAO 9303-3 §6 two-letter transliterations.
	for r, s := range map[rune]string{'ä': "AE", 'ö': "OE", 'ü': "UE", 'ß': "SS", 'å': "AA", 'æ': "AE", 'ø': "OE", 'þ': "TH", 'œ': "OE"} {
		m[r] = s
		if u := unicode.ToUpper(r); u != r {
			m[u] = s
		}
	}
	m['Đ'] = "D"
	return m
}()

// TransliterateMRZ turns a name as printed (UTF-8, with Vietnamese or other
// Latin diacritics, precomposed or decomposed) into MRZ characters: letters
// A–Z, spaces, hyphens and commas become the filler '<', apostrophes and
// periods vanish. "Nguyễn Văn Ánh" → "NGUYEN<VAN<ANH". A character with no
// MRZ form is an error that names it by position, not by the name.
func TransliterateMRZ(s string) (string, error) {
	var b strings.Builder
	pos := 0
	for _, r := range s {
		pos++
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '<':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == ',' || r == '\t':
			b.WriteByte('<')
		case r == '\'' || r == '.' || r == '’':
		case unicode.Is(unicode.Mn, r):
			// Combining marks of decomposed (NFD) input: drop them.
		default:
			t, ok := translitTable[r]
			if !ok {
				return "", fmt.Errorf("character %d (%U) has no MRZ transliteration", pos, r)
			}
			b.WriteString(t)
		}
	}
	return b.String(), nil
}

// SplitVietnameseName splits a Vietnamese full name into the primary
// identifier (the family name, first word) and the secondary identifier
// (middle and given names): "Nguyễn Văn Ánh" → "Nguyễn", "Văn Ánh".
func SplitVietnameseName(full string) (surname, given string) {
	f := strings.Fields(full)
	if len(f) == 0 {
		return "", ""
	}
	return f[0], strings.Join(f[1:], " ")
}

// MRZNameField builds the MRZ name field of the given width from a primary
// and secondary identifier (already transliterated or not: both are passed
// through TransliterateMRZ). Names that do not fit are truncated as ICAO
// 9303-3 §4.6 directs: the secondary identifier first, its components from
// the last one shortened down to initials and then dropped, and only then
// the primary identifier; the field then ends with a letter, which marks
// possible truncation. truncated reports whether anything was cut.
func MRZNameField(surname, given string, width int) (field string, truncated bool, err error) {
	ps, err := TransliterateMRZ(surname)
	if err != nil {
		return "", false, fmt.Errorf("surname: %w", err)
	}
	gs, err := TransliterateMRZ(given)
	if err != nil {
		return "", false, fmt.Errorf("given names: %w", err)
	}
	prim := mrzWords(ps)
	sec := mrzWords(gs)
	join := func() string {
		s := strings.Join(prim, "<")
		if len(sec) > 0 {
			s += "<<" + strings.Join(sec, "<")
		}
		return s
	}
	for len(join()) > width {
		truncated = true
		// Shorten the last secondary component longer than one letter.
		cut := false
		for i := len(sec) - 1; i >= 0; i-- {
			if len(sec[i]) > 1 {
				sec[i] = sec[i][:len(sec[i])-1]
				cut = true
				break
			}
		}
		if cut {
			continue
		}
		if len(sec) > 0 {
			sec = sec[:len(sec)-1]
			continue
		}
		// Only the primary identifier is left: cut it at the width.
		s := join()[:width]
		return strings.TrimRight(s, "<") + strings.Repeat("<", width-len(strings.TrimRight(s, "<"))), true, nil
	}
	s := join()
	return s + strings.Repeat("<", width-len(s)), truncated, nil
}

// mrzWords splits MRZ text on fillers, dropping empty words.
func mrzWords(s string) []string {
	var out []string
	for _, w := range strings.Split(s, "<") {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}
