package cvc

import (
	"bytes"
	"crypto"
	"fmt"
	"io"
	"time"

	"github.com/cccd-vn/cccd/apdu"
)

// Certificate is a CV certificate (TR-03110 part 3 §C.1, Table 23):
//
//	7F21 CV Certificate
//	  7F4E Certificate Body
//	    5F29 Certificate Profile Identifier
//	    42   Certification Authority Reference
//	    7F49 Public Key
//	    5F20 Certificate Holder Reference
//	    7F4C Certificate Holder Authorization Template
//	    5F25 Certificate Effective Date
//	    5F24 Certificate Expiration Date
//	    65   Certificate Extensions (optional)
//	  5F37 Signature
type Certificate struct {
	ProfileID      byte // ProfileVersion1
	CAR            Reference
	PublicKey      PublicKey
	CHR            Reference
	CHAT           CHAT
	EffectiveDate  time.Time // midnight UTC
	ExpirationDate time.Time // midnight UTC; the certificate is valid through this day
	Extensions     []Extension
	Signature      []byte

	// Raw is the whole 7F21 data object as parsed or created; RawBody is
	// its 7F4E data object (tag and length included), the data the
	// signature covers (§C.1.8).
	Raw     []byte
	RawBody []byte
}

// ParseCertificate parses one DER-encoded CV certificate filling b.
func ParseCertificate(b []byte) (*Certificate, error) {
	const obj = "CV certificate (7F21)"
	r := apdu.TLVReader(b)
	var cv apdu.TLVReader
	if !r.Read(tagCertificate, &cv) {
		return nil, malformed(obj, "not a 7F21 data object, or truncated")
	}
	if err := trailing(r, obj); err != nil {
		return nil, err
	}
	c, err := parseCertificateValue(cv)
	if err != nil {
		return nil, err
	}
	c.Raw = append([]byte(nil), b...)
	if enc, err := c.Encode(); err != nil || !bytes.Equal(enc, b) {
		return nil, malformed(obj, "not in DER (non-minimal length encoding)")
	}
	return c, nil
}

func parseCertificateValue(cv apdu.TLVReader) (*Certificate, error) {
	const obj = "certificate body (7F4E)"
	var body apdu.TLVReader
	if !cv.Read(tagBody, &body) {
		return nil, malformed(obj, "missing or truncated")
	}
	c := &Certificate{RawBody: apdu.EncodeTLV(tagBody, body)}
	var err error
	if c.ProfileID, err = readProfile(&body); err != nil {
		return nil, err
	}
	if c.CAR, err = readReference(&body, tagCAR, "certification authority reference", false); err != nil {
		return nil, err
	}
	if c.PublicKey, err = readPublicKey(&body); err != nil {
		return nil, err
	}
	if c.CHR, err = readReference(&body, tagCHR, "certificate holder reference", false); err != nil {
		return nil, err
	}
	if c.CHAT, err = readCHAT(&body); err != nil {
		return nil, err
	}
	if c.EffectiveDate, err = readDate(&body, tagEffective, "certificate effective date"); err != nil {
		return nil, err
	}
	if c.ExpirationDate, err = readDate(&body, tagExpiration, "certificate expiration date"); err != nil {
		return nil, err
	}
	if c.Extensions, err = readExtensions(&body); err != nil {
		return nil, err
	}
	if err := trailing(body, obj); err != nil {
		return nil, err
	}
	if c.Signature, err = readSignature(&cv, "certificate signature"); err != nil {
		return nil, err
	}
	if err := trailing(cv, "CV certificate (7F21)"); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Certificate) buildBody(b *apdu.TLVBuilder) {
	b.AddTLV(tagBody, func(b *apdu.TLVBuilder) {
		b.AddTLVBytes(tagProfile, []byte{c.ProfileID})
		addReference(b, tagCAR, c.CAR, "certification authority reference")
		c.PublicKey.build(b)
		addReference(b, tagCHR, c.CHR, "certificate holder reference")
		addCHAT(b, c.CHAT)
		addDate(b, tagEffective, c.EffectiveDate)
		addDate(b, tagExpiration, c.ExpirationDate)
		addExtensions(b, c.Extensions)
	})
}

// EncodeBody encodes the certificate body 7F4E from the fields.
func (c *Certificate) EncodeBody() ([]byte, error) {
	var b apdu.TLVBuilder
	c.buildBody(&b)
	return b.Bytes()
}

// Encode encodes the certificate from its fields; for a parsed
// certificate the result equals Raw.
func (c *Certificate) Encode() ([]byte, error) {
	var b apdu.TLVBuilder
	b.AddTLV(tagCertificate, func(b *apdu.TLVBuilder) {
		c.buildBody(b)
		if len(c.Signature) == 0 {
			b.SetError(fmt.Errorf("cvc: certificate %s has no signature", c.CHR))
			return
		}
		b.AddTLVBytes(tagSignature, c.Signature)
	})
	return b.Bytes()
}

// CreateCertificate encodes the body of template, signs it with signer
// under alg, the issuer's algorithm, and returns the parsed result. The
// template's Signature, Raw and RawBody are ignored.
func CreateCertificate(rand io.Reader, template *Certificate, signer crypto.Signer, alg Algorithm) (*Certificate, error) {
	body, err := template.EncodeBody()
	if err != nil {
		return nil, err
	}
	sig, err := Sign(rand, signer, alg, body)
	if err != nil {
		return nil, err
	}
	var b apdu.TLVBuilder
	b.AddTLV(tagCertificate, func(b *apdu.TLVBuilder) {
		b.AddBytes(body)
		b.AddTLVBytes(tagSignature, sig)
	})
	raw, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return ParseCertificate(raw)
}

// CheckSignature verifies the certificate's signature over RawBody with
// the issuer's public key; an EC issuer key without domain parameters
// (a DV key) takes inherited, those of the CVCA (TR-03110 part 3 §D.3.3).
// The issuer key's object identifier names the algorithm.
func (c *Certificate) CheckSignature(issuer *PublicKey, inherited *DomainParams) error {
	pub, err := issuer.CryptoPublicKey(inherited)
	if err != nil {
		return err
	}
	return Verify(pub, issuer.Algorithm, c.RawBody, c.Signature)
}

// IsSelfSigned reports CAR = CHR, as in the initial CVCA certificate.
func (c *Certificate) IsSelfSigned() bool { return c.CAR == c.CHR }

// Role is the role its CHAT gives the holder.
func (c *Certificate) Role() Role { return c.CHAT.Role() }

// ExpiredAt reports whether the certificate expired before the given
// day: a certificate is valid through its expiration date (TR-03110 part
// 3 §2.5.2 step 2).
func (c *Certificate) ExpiredAt(currentDate time.Time) bool {
	return c.ExpirationDate.Before(Day(currentDate))
}
