package cvc

import (
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/cccd-vn/cccd/apdu"
)

// Tags of CV certificates and requests (TR-03110 part 3 Table 27).
const (
	tagCAR            apdu.Tag = 0x42
	tagDiscretionary  apdu.Tag = 0x53
	tagCHR            apdu.Tag = 0x5F20
	tagExpiration     apdu.Tag = 0x5F24
	tagEffective      apdu.Tag = 0x5F25
	tagProfile        apdu.Tag = 0x5F29
	tagSignature      apdu.Tag = 0x5F37
	tagExtensions     apdu.Tag = 0x65
	tagAuthentication apdu.Tag = 0x67
	tagTemplate       apdu.Tag = 0x73
	tagCertificate    apdu.Tag = 0x7F21
	tagCHAT           apdu.Tag = 0x7F4C
	tagBody           apdu.Tag = 0x7F4E
)

// ProfileVersion1 is the Certificate Profile Identifier of version 1 of
// the certificate and request profiles (TR-03110 part 3 §C.1.1, §C.2.1).
const ProfileVersion1 = 0

// Extension is one certificate extension: a discretionary data template
// 73 holding an object identifier and data objects (TR-03110 part 3 §C.3).
type Extension struct {
	OID  asn1.ObjectIdentifier
	Data []byte // the data objects after the OID, as encoded
}

func readProfile(r *apdu.TLVReader) (byte, error) {
	const obj = "certificate profile identifier (5F29)"
	var v []byte
	if !r.ReadBytes(tagProfile, &v) {
		return 0, malformed(obj, "missing")
	}
	if len(v) != 1 {
		return 0, malformed(obj, "%d octets, want 1", len(v))
	}
	if v[0] != ProfileVersion1 {
		return 0, malformed(obj, "unknown profile version %d", v[0])
	}
	return v[0], nil
}

// readReference reads a 42 or 5F20; with optional set, an absent object
// gives "".
func readReference(r *apdu.TLVReader, tag apdu.Tag, name string, optional bool) (Reference, error) {
	obj := fmt.Sprintf("%s (%s)", name, tag)
	var v apdu.TLVReader
	present := true
	if optional {
		if !r.ReadOptional(tag, &v, &present) {
			return "", malformed(obj, "truncated")
		}
		if !present {
			return "", nil
		}
	} else if !r.Read(tag, &v) {
		return "", malformed(obj, "missing")
	}
	return parseReference(obj, v)
}

func readCHAT(r *apdu.TLVReader) (CHAT, error) {
	const obj = "certificate holder authorization template (7F4C)"
	var v, oidV apdu.TLVReader
	var auth []byte
	if !r.Read(tagCHAT, &v) {
		return CHAT{}, malformed(obj, "missing")
	}
	if !v.Read(tagOID, &oidV) || !v.ReadBytes(tagDiscretionary, &auth) || !v.Empty() {
		return CHAT{}, malformed(obj, "want exactly an object identifier (06) and discretionary data (53)")
	}
	oid, err := parseOID(obj, oidV)
	if err != nil {
		return CHAT{}, err
	}
	if len(auth) == 0 {
		return CHAT{}, malformed(obj, "empty relative authorization")
	}
	return CHAT{Type: oid, Authorization: auth}, nil
}

func readDate(r *apdu.TLVReader, tag apdu.Tag, name string) (time.Time, error) {
	obj := fmt.Sprintf("%s (%s)", name, tag)
	var v []byte
	if !r.ReadBytes(tag, &v) {
		return time.Time{}, malformed(obj, "missing")
	}
	return parseDate(obj, v)
}

// readExtensions reads an optional 65: nil when absent, a non-nil slice
// (maybe empty) when present.
func readExtensions(r *apdu.TLVReader) ([]Extension, error) {
	const obj = "certificate extensions (65)"
	var v apdu.TLVReader
	var present bool
	if !r.ReadOptional(tagExtensions, &v, &present) {
		return nil, malformed(obj, "truncated")
	}
	if !present {
		return nil, nil
	}
	out := []Extension{}
	for !v.Empty() {
		var t, oidV apdu.TLVReader
		if !v.Read(tagTemplate, &t) || !t.Read(tagOID, &oidV) {
			return nil, malformed(obj, "want discretionary data templates (73) opening with an object identifier")
		}
		oid, err := parseOID(obj, oidV)
		if err != nil {
			return nil, err
		}
		data := append([]byte{}, t...)
		for !t.Empty() {
			if !t.Skip() {
				return nil, malformed(obj, "malformed data object in extension %s", oid)
			}
		}
		out = append(out, Extension{OID: oid, Data: data})
	}
	return out, nil
}

func readSignature(r *apdu.TLVReader, name string) ([]byte, error) {
	obj := name + " (5F37)"
	var sig []byte
	if !r.ReadBytes(tagSignature, &sig) {
		return nil, malformed(obj, "missing")
	}
	if len(sig) == 0 {
		return nil, malformed(obj, "empty")
	}
	return sig, nil
}

// trailing reports data left in a constructed object.
func trailing(r apdu.TLVReader, obj string) error {
	if r.Empty() {
		return nil
	}
	if t, ok := r.PeekTag(); ok {
		return malformed(obj, "unexpected data object %s", t)
	}
	return malformed(obj, "%d octets of trailing data", len(r))
}

func addReference(b *apdu.TLVBuilder, tag apdu.Tag, ref Reference, name string) {
	if err := ref.check(fmt.Sprintf("%s (%s)", name, tag)); err != nil {
		b.SetError(err)
		return
	}
	b.AddTLVBytes(tag, []byte(ref))
}

func addCHAT(b *apdu.TLVBuilder, c CHAT) {
	oid, err := encodeOID(c.Type)
	if err != nil {
		b.SetError(fmt.Errorf("cvc: CHAT: %w", err))
		return
	}
	if len(c.Authorization) == 0 {
		b.SetError(fmt.Errorf("cvc: CHAT: empty relative authorization"))
		return
	}
	b.AddTLV(tagCHAT, func(b *apdu.TLVBuilder) {
		b.AddTLVBytes(tagOID, oid)
		b.AddTLVBytes(tagDiscretionary, c.Authorization)
	})
}

func addDate(b *apdu.TLVBuilder, tag apdu.Tag, t time.Time) {
	v, ok := encodeDate(t)
	if !ok {
		b.SetError(fmt.Errorf("cvc: date %s (%s) is outside 2000..2099", t.Format(time.DateOnly), tag))
		return
	}
	b.AddTLVBytes(tag, v)
}

func addExtensions(b *apdu.TLVBuilder, exts []Extension) {
	if exts == nil {
		return
	}
	b.AddTLV(tagExtensions, func(b *apdu.TLVBuilder) {
		for _, e := range exts {
			oid, err := encodeOID(e.OID)
			if err != nil {
				b.SetError(fmt.Errorf("cvc: extension: %w", err))
				return
			}
			b.AddTLV(tagTemplate, func(b *apdu.TLVBuilder) {
				b.AddTLVBytes(tagOID, oid)
				b.AddBytes(e.Data)
			})
		}
	})
}
