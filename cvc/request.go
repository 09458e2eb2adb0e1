package cvc

import (
	"bytes"
	"crypto"
	"fmt"
	"io"

	"github.com/cccd-vn/cccd/apdu"
)

// Request is a CV certificate request (TR-03110 part 3 §C.2, Table 24):
// a reduced certificate self-signed with the requested key, optionally
// nested with an outer signature in an authentication data object:
//
//	67 Authentication (when OuterCAR is set)
//	  7F21 CV Certificate
//	    7F4E Certificate Body
//	      5F29 Certificate Profile Identifier
//	      42   Certification Authority Reference (recommended)
//	      7F49 Public Key (with domain parameters)
//	      5F20 Certificate Holder Reference
//	      65   Certificate Extensions (optional)
//	    5F37 Signature (inner)
//	  42   Certification Authority Reference (outer)
//	  5F37 Signature (outer)
type Request struct {
	ProfileID  byte
	CAR        Reference // "" when absent
	PublicKey  PublicKey
	CHR        Reference
	Extensions []Extension
	Signature  []byte // inner signature

	OuterCAR       Reference // "" for a request without outer signature
	OuterSignature []byte

	// Raw is the whole request (67 or 7F21), RawCertificate its 7F21 data
	// object and RawBody the 7F4E: the inner signature covers RawBody, the
	// outer one RawCertificate || the encoded outer CAR (§C.2.6).
	Raw            []byte
	RawCertificate []byte
	RawBody        []byte
}

// Authenticated reports a request with an outer signature.
func (r *Request) Authenticated() bool { return r.OuterCAR != "" }

// ParseRequest parses a DER-encoded request, with (67) or without (7F21)
// outer signature, filling b.
func ParseRequest(b []byte) (*Request, error) {
	const obj = "certificate request"
	in := apdu.TLVReader(b)
	var req *Request
	tag, ok := in.PeekTag()
	switch {
	case ok && tag == tagAuthentication:
		var auth, cv apdu.TLVReader
		if !in.Read(tagAuthentication, &auth) || !auth.Read(tagCertificate, &cv) {
			return nil, malformed("authentication (67)", "want a CV certificate request (7F21) inside")
		}
		var err error
		if req, err = parseRequestValue(cv); err != nil {
			return nil, err
		}
		if req.OuterCAR, err = readReference(&auth, tagCAR, "outer certification authority reference", false); err != nil {
			return nil, err
		}
		if req.OuterSignature, err = readSignature(&auth, "outer signature"); err != nil {
			return nil, err
		}
		if err := trailing(auth, "authentication (67)"); err != nil {
			return nil, err
		}
	case ok && tag == tagCertificate:
		var cv apdu.TLVReader
		if !in.Read(tagCertificate, &cv) {
			return nil, malformed(obj, "truncated CV certificate (7F21)")
		}
		var err error
		if req, err = parseRequestValue(cv); err != nil {
			return nil, err
		}
	default:
		return nil, malformed(obj, "neither an authentication (67) nor a CV certificate (7F21) data object")
	}
	if err := trailing(in, obj); err != nil {
		return nil, err
	}
	req.Raw = append([]byte(nil), b...)
	if enc, err := req.Encode(); err != nil || !bytes.Equal(enc, b) {
		return nil, malformed(obj, "not in DER (non-minimal length encoding)")
	}
	return req, nil
}

func parseRequestValue(cv apdu.TLVReader) (*Request, error) {
	const obj = "request body (7F4E)"
	r := &Request{RawCertificate: apdu.EncodeTLV(tagCertificate, cv)}
	var body apdu.TLVReader
	if !cv.Read(tagBody, &body) {
		return nil, malformed(obj, "missing or truncated")
	}
	r.RawBody = apdu.EncodeTLV(tagBody, body)
	var err error
	if r.ProfileID, err = readProfile(&body); err != nil {
		return nil, err
	}
	if r.CAR, err = readReference(&body, tagCAR, "certification authority reference", true); err != nil {
		return nil, err
	}
	if r.PublicKey, err = readPublicKey(&body); err != nil {
		return nil, err
	}
	if r.CHR, err = readReference(&body, tagCHR, "certificate holder reference", false); err != nil {
		return nil, err
	}
	if r.Extensions, err = readExtensions(&body); err != nil {
		return nil, err
	}
	if err := trailing(body, obj); err != nil {
		return nil, err
	}
	if r.Signature, err = readSignature(&cv, "inner signature"); err != nil {
		return nil, err
	}
	if err := trailing(cv, "CV certificate request (7F21)"); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Request) buildBody(b *apdu.TLVBuilder) {
	b.AddTLV(tagBody, func(b *apdu.TLVBuilder) {
		b.AddTLVBytes(tagProfile, []byte{r.ProfileID})
		if r.CAR != "" {
			addReference(b, tagCAR, r.CAR, "certification authority reference")
		}
		r.PublicKey.build(b)
		addReference(b, tagCHR, r.CHR, "certificate holder reference")
		addExtensions(b, r.Extensions)
	})
}

// EncodeBody encodes the request body 7F4E from the fields.
func (r *Request) EncodeBody() ([]byte, error) {
	var b apdu.TLVBuilder
	r.buildBody(&b)
	return b.Bytes()
}

func (r *Request) buildInner(b *apdu.TLVBuilder) {
	b.AddTLV(tagCertificate, func(b *apdu.TLVBuilder) {
		r.buildBody(b)
		if len(r.Signature) == 0 {
			b.SetError(fmt.Errorf("cvc: request %s has no inner signature", r.CHR))
			return
		}
		b.AddTLVBytes(tagSignature, r.Signature)
	})
}

// EncodeCertificate encodes the 7F21 data object (without outer signature).
func (r *Request) EncodeCertificate() ([]byte, error) {
	var b apdu.TLVBuilder
	r.buildInner(&b)
	return b.Bytes()
}

// Encode encodes the request from its fields, wrapped in 67 when it has
// an outer signature; for a parsed request the result equals Raw.
func (r *Request) Encode() ([]byte, error) {
	var b apdu.TLVBuilder
	if !r.Authenticated() {
		r.buildInner(&b)
		return b.Bytes()
	}
	b.AddTLV(tagAuthentication, func(b *apdu.TLVBuilder) {
		r.buildInner(b)
		addReference(b, tagCAR, r.OuterCAR, "outer certification authority reference")
		if len(r.OuterSignature) == 0 {
			b.SetError(fmt.Errorf("cvc: request %s has no outer signature", r.CHR))
			return
		}
		b.AddTLVBytes(tagSignature, r.OuterSignature)
	})
	return b.Bytes()
}

// outerSigned is the data of the outer signature: the encoded CV
// certificate and the encoded outer CAR (TR-03110 part 3 §C.2.6).
func outerSigned(inner []byte, car Reference) []byte {
	return append(append([]byte(nil), inner...), apdu.EncodeTLV(tagCAR, []byte(car))...)
}

// CreateRequest builds a request from template and self-signs it with
// signer, the private key of template.PublicKey, under that key's
// algorithm (TR-03110 part 3 §C.2.6, inner signature). Outer fields of
// the template are ignored; use Authenticate to add them.
func CreateRequest(rand io.Reader, template *Request, signer crypto.Signer) (*Request, error) {
	t := *template
	t.OuterCAR, t.OuterSignature = "", nil
	body, err := t.EncodeBody()
	if err != nil {
		return nil, err
	}
	if t.Signature, err = Sign(rand, signer, t.PublicKey.Algorithm, body); err != nil {
		return nil, err
	}
	raw, err := t.Encode()
	if err != nil {
		return nil, err
	}
	req, err := ParseRequest(raw)
	if err != nil {
		return nil, err
	}
	if err := req.CheckInnerSignature(); err != nil {
		return nil, fmt.Errorf("cvc: signer does not hold the request's key: %w", err)
	}
	return req, nil
}

// Authenticate returns the request with an outer signature by signer, the
// key outerCAR names, under alg (TR-03110 part 3 §C.2.6).
func (r *Request) Authenticate(rand io.Reader, outerCAR Reference, signer crypto.Signer, alg Algorithm) (*Request, error) {
	inner, err := r.EncodeCertificate()
	if err != nil {
		return nil, err
	}
	if err := outerCAR.check("outer certification authority reference (42)"); err != nil {
		return nil, err
	}
	t := *r
	t.OuterCAR = outerCAR
	if t.OuterSignature, err = Sign(rand, signer, alg, outerSigned(inner, outerCAR)); err != nil {
		return nil, err
	}
	raw, err := t.Encode()
	if err != nil {
		return nil, err
	}
	return ParseRequest(raw)
}

// CheckInnerSignature verifies the self-signature with the request's own
// key, which carries its domain parameters (TR-03110 part 3 §D.3.3).
func (r *Request) CheckInnerSignature() error {
	return r.CheckInnerSignatureWith(nil)
}

// CheckInnerSignatureWith is CheckInnerSignature for a request whose EC
// key lacks domain parameters, against the standard, taking inherited.
func (r *Request) CheckInnerSignatureWith(inherited *DomainParams) error {
	pub, err := r.PublicKey.CryptoPublicKey(inherited)
	if err != nil {
		return err
	}
	return Verify(pub, r.PublicKey.Algorithm, r.RawBody, r.Signature)
}

// CheckOuterSignature verifies the outer signature with the key OuterCAR
// names; an EC key without domain parameters takes inherited.
func (r *Request) CheckOuterSignature(key *PublicKey, inherited *DomainParams) error {
	if !r.Authenticated() {
		return fmt.Errorf("%w: request has no outer signature", ErrBadSignature)
	}
	pub, err := key.CryptoPublicKey(inherited)
	if err != nil {
		return err
	}
	return Verify(pub, key.Algorithm, outerSigned(r.RawCertificate, r.OuterCAR), r.OuterSignature)
}
