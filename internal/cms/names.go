package cms

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Name comparison of X.501 distinguished names, as RFC 5280 §7.1 asks
// for (with the string preparation of RFC 4518 reduced to what real
// certificates need): a Name is a SEQUENCE OF RelativeDistinguishedName,
// an RDN a SET OF AttributeTypeAndValue.
//
// Two names are equal when they have the same RDNs, each RDN compared as
// a set of (type, value) pairs. Directory strings (PrintableString,
// UTF8String, IA5String, TeletexString, BMPString, UniversalString) are
// compared by their characters whatever their ASN.1 string type,
// case-insensitively, with leading and trailing white space removed and
// inner runs of white space folded to one space (RFC 4518 §2.3, §2.6.1);
// other values are compared as DER.
//
// The RDN order is not significant either: issuers are seen writing a
// SignerInfo's issuer with its RDNs in another order than the
// certificate's subject. Name equality never replaces a signature check:
// it only selects the candidate certificate whose key is then used.

// maxNameRDNs bounds the work on hostile input.
const maxNameRDNs = 64

// NamesEqual reports whether two DER-encoded Names denote the same
// distinguished name under the rules above. Identical bytes are always
// equal; if either input is not a well-formed Name the bytes must be
// identical.
func NamesEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ka, ok := nameKey(a)
	if !ok {
		return false
	}
	kb, ok := nameKey(b)
	if !ok {
		return false
	}
	if len(ka) != len(kb) {
		return false
	}
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// nameKey returns the sorted canonical keys of the RDNs of a Name.
func nameKey(der []byte) ([]string, bool) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, false
	}
	var rdns []string
	for !seq.Empty() {
		if len(rdns) >= maxNameRDNs {
			return nil, false
		}
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) {
			return nil, false
		}
		var avas []string
		for !set.Empty() {
			if len(avas) >= maxNameRDNs {
				return nil, false
			}
			var ava, val cryptobyte.String
			var oid asn1.ObjectIdentifier
			var tag cbasn1.Tag
			if !set.ReadASN1(&ava, cbasn1.SEQUENCE) || !ava.ReadASN1ObjectIdentifier(&oid) {
				return nil, false
			}
			var full cryptobyte.String
			if !ava.ReadAnyASN1Element(&full, &tag) || !ava.Empty() {
				return nil, false
			}
			v := full
			if !v.ReadAnyASN1(&val, &tag) {
				return nil, false
			}
			k := oid.String() + "=" + valueKey(tag, val, full)
			avas = append(avas, strconv.Itoa(len(k))+":"+k) // length-prefixed: no ambiguity when joined
		}
		if len(avas) == 0 {
			return nil, false // RDN ::= SET SIZE (1..MAX)
		}
		sort.Strings(avas)
		rdns = append(rdns, strings.Join(avas, ""))
	}
	sort.Strings(rdns)
	return rdns, true
}

// valueKey canonicalises one attribute value: "s:" and the prepared
// characters for a directory string, "b:" and the hex DER otherwise.
func valueKey(tag cbasn1.Tag, val, full []byte) string {
	if str, ok := DecodeString(tag, val); ok {
		return "s:" + prepareString(str)
	}
	return "b:" + hex.EncodeToString(full)
}

// DecodeString decodes the contents of an ASN.1 character string: the
// types of X.520 DirectoryString (UTF8String, PrintableString,
// TeletexString, BMPString, UniversalString) and IA5String,
// NumericString, VisibleString. It is lenient where certificates are:
// PrintableString, NumericString and VisibleString accept any ASCII
// (issuers write '@', '&' or '_' in them), TeletexString is read as ISO
// 8859-1 as other X.509 implementations do (true T.61 is not seen). ok is
// false for other types and for contents that do not decode.
func DecodeString(tag cbasn1.Tag, v []byte) (string, bool) {
	switch tag {
	case cbasn1.UTF8String:
		if !utf8.Valid(v) {
			return "", false
		}
		return string(v), true
	case cbasn1.PrintableString, cbasn1.IA5String, cbasn1.Tag(18), cbasn1.Tag(26): // NumericString, VisibleString
		for _, c := range v {
			if c >= 0x80 {
				return "", false
			}
		}
		return string(v), true
	case cbasn1.T61String:
		r := make([]rune, len(v))
		for i, c := range v {
			r[i] = rune(c)
		}
		return string(r), true
	case cbasn1.Tag(30): // BMPString: UTF-16BE (X.690 §8.23.8)
		if len(v)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		return string(utf16.Decode(u)), true
	case cbasn1.Tag(28): // UniversalString: UTF-32BE
		if len(v)%4 != 0 {
			return "", false
		}
		r := make([]rune, len(v)/4)
		for i := range r {
			c := rune(v[4*i])<<24 | rune(v[4*i+1])<<16 | rune(v[4*i+2])<<8 | rune(v[4*i+3])
			if !utf8.ValidRune(c) {
				return "", false
			}
			r[i] = c
		}
		return string(r), true
	}
	return "", false
}

// prepareString applies the caseIgnoreMatch preparation: white space
// trimmed and folded (RFC 4518 §2.6.1), case folded (§2.4).
func prepareString(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(unicode.ToUpper(r)))
	}
	return b.String()
}
