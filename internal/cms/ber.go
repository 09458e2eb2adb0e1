package cms

import "errors"

// errBER is returned for input that is not BER.
var errBER = errors.New("cms: malformed BER")

// maxBERDepth bounds nesting so hostile input cannot exhaust the stack.
const maxBERDepth = 64

// NormalizeBER rewrites BER as DER where it matters for parsing (X.690
// §10): indefinite lengths become definite, non-minimal lengths minimal,
// and constructed OCTET STRINGs (as BER writers emit for eContent) are
// joined into primitive ones. SET ordering is left as it is. Input that
// is already DER comes back unchanged.
func NormalizeBER(b []byte) ([]byte, error) {
	out, rest, err := berElement(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("cms: trailing bytes after the BER element")
	}
	return out, nil
}

// berElement converts one element and returns it with the remaining input.
func berElement(b []byte, depth int) (out, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, errors.New("cms: BER nested too deeply")
	}
	if len(b) < 2 {
		return nil, nil, errBER
	}
	i := 1
	if b[0]&0x1f == 0x1f {
		for {
			if i >= len(b) || i > 4 {
				return nil, nil, errBER
			}
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	ident := b[:i]
	constructed := b[0]&0x20 != 0
	if i >= len(b) {
		return nil, nil, errBER
	}
	l := int(b[i])
	i++
	indefinite := false
	switch {
	case l == 0x80:
		if !constructed {
			return nil, nil, errBER
		}
		indefinite = true
	case l > 0x80:
		n := l & 0x7f
		if n > 4 || i+n > len(b) {
			return nil, nil, errBER
		}
		l = 0
		for k := 0; k < n; k++ {
			l = l<<8 | int(b[i+k])
		}
		i += n
		if l < 0 {
			return nil, nil, errBER
		}
	}
	var content []byte
	if !constructed {
		if l > len(b)-i {
			return nil, nil, errBER
		}
		return berAppend(nil, ident, b[i:i+l]), b[i+l:], nil
	}
	var body []byte
	if indefinite {
		body = b[i:]
	} else {
		if l > len(b)-i {
			return nil, nil, errBER
		}
		body = b[i : i+l]
	}
	octets := ident[0] == 0x24 && len(ident) == 1 // constructed OCTET STRING
	for {
		if indefinite {
			if len(body) >= 2 && body[0] == 0 && body[1] == 0 {
				body = body[2:]
				break
			}
			if len(body) == 0 {
				return nil, nil, errBER
			}
		} else if len(body) == 0 {
			break
		}
		var child []byte
		child, body, err = berElement(body, depth+1)
		if err != nil {
			return nil, nil, err
		}
		if octets {
			// Each child must be an OCTET STRING: keep its contents.
			if child[0] != 0x04 {
				return nil, nil, errBER
			}
			_, v := berSplit(child)
			content = append(content, v...)
		} else {
			content = append(content, child...)
		}
	}
	if indefinite {
		rest = body
	} else {
		rest = b[i+l:]
	}
	if octets {
		return berAppend(nil, []byte{0x04}, content), rest, nil
	}
	return berAppend(nil, ident, content), rest, nil
}

// berSplit returns the header length and contents of a DER element.
func berSplit(e []byte) (int, []byte) {
	i := 1
	if e[0]&0x1f == 0x1f {
		for e[i]&0x80 != 0 {
			i++
		}
		i++
	}
	l := int(e[i])
	i++
	if l > 0x80 {
		i += l & 0x7f
	}
	return i, e[i:]
}

func berAppend(dst, ident, content []byte) []byte {
	dst = append(dst, ident...)
	n := len(content)
	switch {
	case n < 0x80:
		dst = append(dst, byte(n))
	case n <= 0xff:
		dst = append(dst, 0x81, byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		dst = append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, content...)
}
