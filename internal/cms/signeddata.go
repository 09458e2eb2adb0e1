package cms

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of CMS content types and attributes (RFC 5652 §5,
// §11).
var (
	OIDData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// OIDLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject, the
// eContentType of an EF.SOD (ICAO 9303-10 §4.6.2.2).
var OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}

// ContentKind classifies an eContentType.
type ContentKind int

// Content kinds.
const (
	// ContentOther is any eContentType not listed below.
	ContentOther ContentKind = iota
	// ContentLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject,
	// what ICAO 9303-10 §4.6.2.2 prescribes for an EF.SOD.
	ContentLDSSecurityObject
	// ContentData is id-data (RFC 5652 §4), which some issuers put in
	// their EF.SOD instead of the LDS security object OID.
	ContentData
)

func (k ContentKind) String() string {
	switch k {
	case ContentLDSSecurityObject:
		return "id-icao-mrtd-security-ldsSecurityObject"
	case ContentData:
		return "id-data"
	}
	return "other"
}

// Kind says which eContentType the SignedData carries, so that a caller
// can accept id-data where it expects an LDS security object and report
// the deviation.
func (sd *SignedData) Kind() ContentKind {
	switch {
	case sd.ContentType.Equal(OIDLDSSecurityObject):
		return ContentLDSSecurityObject
	case sd.ContentType.Equal(OIDData):
		return ContentData
	}
	return ContentOther
}

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("cms: malformed SignedData")

func malformed(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }

// SignedData is a parsed CMS SignedData (RFC 5652 §5.1).
type SignedData struct {
	Version          int
	DigestAlgorithms []AlgorithmIdentifier
	ContentType      asn1.ObjectIdentifier // eContentType
	Content          []byte                // eContent (nil when detached)
	Certificates     [][]byte              // DER, in order
	CRLs             [][]byte
	SignerInfos      []SignerInfo
}

// SignerInfo is one signer (RFC 5652 §5.3).
type SignerInfo struct {
	Version int
	// Issuer (DER Name) and SerialNumber are set for version 1
	// (issuerAndSerialNumber); SubjectKeyID for version 3.
	Issuer             []byte
	SerialNumber       *big.Int
	SubjectKeyID       []byte
	DigestAlgorithm    AlgorithmIdentifier
	SignedAttrs        []Attribute
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte

	// signedAttrsDER is the signed attributes with the SET tag, the bytes
	// the signature covers (RFC 5652 §5.4).
	signedAttrsDER []byte
}

// Attribute is a CMS attribute with its values kept as DER.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// Parse reads a ContentInfo holding SignedData, in DER or BER.
func Parse(b []byte) (*SignedData, error) {
	der, err := NormalizeBER(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	s := cryptobyte.String(der)
	var ci, inner, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, malformed("not a ContentInfo")
	}
	if !ct.Equal(OIDSignedData) {
		return nil, malformed("content type is " + ct.String() + ", not signedData")
	}
	if !ci.ReadASN1(&inner, cbasn1.Tag(0).Constructed().ContextSpecific()) || !inner.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, malformed("missing [0] SignedData")
	}
	out := &SignedData{}
	var v int64
	var algs, eci cryptobyte.String
	if !sd.ReadASN1Integer(&v) || v < 0 || v > 5 || !sd.ReadASN1(&algs, cbasn1.SET) || !sd.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, malformed("bad version, digestAlgorithms or encapContentInfo")
	}
	out.Version = int(v)
	for !algs.Empty() {
		var a AlgorithmIdentifier
		if !ReadAlgorithmIdentifier(&algs, &a) {
			return nil, malformed("bad digest algorithm")
		}
		out.DigestAlgorithms = append(out.DigestAlgorithms, a)
	}
	if !eci.ReadASN1ObjectIdentifier(&out.ContentType) {
		return nil, malformed("bad eContentType")
	}
	if !eci.Empty() {
		var ex cryptobyte.String
		var oct []byte
		if !eci.ReadASN1(&ex, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ex.ReadASN1Bytes(&oct, cbasn1.OCTET_STRING) || !ex.Empty() || !eci.Empty() {
			return nil, malformed("bad eContent")
		}
		out.Content = append([]byte{}, oct...)
	}
	readSet := func(tag cbasn1.Tag, dst *[][]byte) bool {
		if !sd.PeekASN1Tag(tag) {
			return true
		}
		var set cryptobyte.String
		if !sd.ReadASN1(&set, tag) {
			return false
		}
		for !set.Empty() {
			var e cryptobyte.String
			var t cbasn1.Tag
			if !set.ReadAnyASN1Element(&e, &t) {
				return false
			}
			*dst = append(*dst, append([]byte{}, e...))
		}
		return true
	}
	if !readSet(cbasn1.Tag(0).Constructed().ContextSpecific(), &out.Certificates) ||
		!readSet(cbasn1.Tag(1).Constructed().ContextSpecific(), &out.CRLs) {
		return nil, malformed("bad certificates or crls")
	}
	var sis cryptobyte.String
	if !sd.ReadASN1(&sis, cbasn1.SET) || !sd.Empty() {
		return nil, malformed("bad signerInfos")
	}
	for !sis.Empty() {
		var e cryptobyte.String
		if !sis.ReadASN1(&e, cbasn1.SEQUENCE) {
			return nil, malformed("bad SignerInfo")
		}
		si, err := parseSignerInfo(e)
		if err != nil {
			return nil, err
		}
		out.SignerInfos = append(out.SignerInfos, *si)
	}
	return out, nil
}

func parseSignerInfo(s cryptobyte.String) (*SignerInfo, error) {
	si := &SignerInfo{}
	var v int64
	if !s.ReadASN1Integer(&v) || v < 0 || v > 5 {
		return nil, malformed("bad SignerInfo version")
	}
	si.Version = int(v)
	switch {
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, name cryptobyte.String
		si.SerialNumber = new(big.Int)
		if !s.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&name, cbasn1.SEQUENCE) || !ias.ReadASN1Integer(si.SerialNumber) {
			return nil, malformed("bad issuerAndSerialNumber")
		}
		si.Issuer = append([]byte{}, name...)
	case s.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !s.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return nil, malformed("bad subjectKeyIdentifier")
		}
		si.SubjectKeyID = append([]byte{}, ski...)
	default:
		return nil, malformed("unknown SignerIdentifier")
	}
	if !ReadAlgorithmIdentifier(&s, &si.DigestAlgorithm) {
		return nil, malformed("bad digestAlgorithm")
	}
	attrTag := cbasn1.Tag(0).Constructed().ContextSpecific()
	if s.PeekASN1Tag(attrTag) {
		var el, attrs cryptobyte.String
		if !s.ReadASN1Element(&el, attrTag) {
			return nil, malformed("bad signedAttrs")
		}
		si.signedAttrsDER = append([]byte{}, el...)
		si.signedAttrsDER[0] = 0x31 // signed as a SET OF (RFC 5652 §5.4)
		inner := cryptobyte.String(el)
		inner.ReadASN1(&attrs, attrTag)
		for !attrs.Empty() {
			var a, vals cryptobyte.String
			var at Attribute
			if !attrs.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&at.Type) || !a.ReadASN1(&vals, cbasn1.SET) || !a.Empty() {
				return nil, malformed("bad attribute")
			}
			for !vals.Empty() {
				var e cryptobyte.String
				var t cbasn1.Tag
				if !vals.ReadAnyASN1Element(&e, &t) {
					return nil, malformed("bad attribute value")
				}
				at.Values = append(at.Values, append([]byte{}, e...))
			}
			si.SignedAttrs = append(si.SignedAttrs, at)
		}
	}
	var sig []byte
	if !ReadAlgorithmIdentifier(&s, &si.SignatureAlgorithm) || !s.ReadASN1Bytes(&sig, cbasn1.OCTET_STRING) {
		return nil, malformed("bad signatureAlgorithm or signature")
	}
	si.Signature = append([]byte{}, sig...)
	if s.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		var u cryptobyte.String
		s.ReadASN1(&u, cbasn1.Tag(1).Constructed().ContextSpecific())
	}
	if !s.Empty() {
		return nil, malformed("bytes after the SignerInfo")
	}
	return si, nil
}

// Attribute returns the single value of a signed attribute, or nil if the
// attribute is absent. More than one value, or the attribute twice, is an
// error (RFC 5652 §11).
func (si *SignerInfo) Attribute(oid asn1.ObjectIdentifier) ([]byte, error) {
	var found []byte
	for _, a := range si.SignedAttrs {
		if a.Type.Equal(oid) {
			if found != nil || len(a.Values) != 1 {
				return nil, malformed("attribute " + oid.String() + " must have exactly one value")
			}
			found = a.Values[0]
		}
	}
	return found, nil
}

// HasSignedAttrs reports whether signed attributes are present.
func (si *SignerInfo) HasSignedAttrs() bool { return si.signedAttrsDER != nil }

// MessageDigest returns the message-digest attribute value.
func (si *SignerInfo) MessageDigest() ([]byte, error) {
	v, err := si.Attribute(OIDMessageDigest)
	if err != nil || v == nil {
		return nil, errors.Join(err, malformed("no message-digest attribute"))
	}
	s := cryptobyte.String(v)
	var d []byte
	if !s.ReadASN1Bytes(&d, cbasn1.OCTET_STRING) {
		return nil, malformed("message-digest is not an OCTET STRING")
	}
	return d, nil
}

// ContentTypeAttr returns the content-type attribute value.
func (si *SignerInfo) ContentTypeAttr() (asn1.ObjectIdentifier, error) {
	v, err := si.Attribute(OIDContentType)
	if err != nil || v == nil {
		return nil, errors.Join(err, malformed("no content-type attribute"))
	}
	s := cryptobyte.String(v)
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1ObjectIdentifier(&oid) {
		return nil, malformed("content-type is not an OID")
	}
	return oid, nil
}

// SigningTime returns the signing-time attribute, if present.
func (si *SignerInfo) SigningTime() (time.Time, bool) {
	v, err := si.Attribute(OIDSigningTime)
	if err != nil || v == nil {
		return time.Time{}, false
	}
	var t time.Time
	if _, err := asn1.Unmarshal(v, &t); err != nil {
		return time.Time{}, false
	}
	return t, true
}

// DigestHash returns the hash of the digestAlgorithm.
func (si *SignerInfo) DigestHash() (crypto.Hash, error) {
	h, ok := HashFromOID(si.DigestAlgorithm.Algorithm)
	if !ok {
		return 0, &UnsupportedAlgorithmError{What: "digest", Name: si.DigestAlgorithm.Algorithm.String()}
	}
	return h, nil
}

// VerifySignature checks the signature with pub: over the signed
// attributes if present, else over content.
func (si *SignerInfo) VerifySignature(pub crypto.PublicKey, content []byte) error {
	h, err := si.DigestHash()
	if err != nil {
		return err
	}
	msg := content
	if si.signedAttrsDER != nil {
		msg = si.signedAttrsDER
	}
	return VerifyMessage(pub, si.SignatureAlgorithm, h, msg, si.Signature)
}

// Identifies reports whether the signer identifier (RFC 5652 §5.3
// SignerIdentifier) names a certificate with this issuer Name DER, serial
// number and subject key identifier. The issuer names are compared with
// NamesEqual (RFC 5280 §7.1 semantics, RDN order and string types not
// significant), not byte for byte.
func (si *SignerInfo) Identifies(issuer []byte, serial *big.Int, ski []byte) bool {
	if si.SubjectKeyID != nil {
		return ski != nil && bytes.Equal(si.SubjectKeyID, ski)
	}
	return si.SerialNumber != nil && serial != nil && si.SerialNumber.Cmp(serial) == 0 && NamesEqual(si.Issuer, issuer)
}

// IdentifiesExactly is Identifies with the issuer Name compared byte for
// byte (the pre-RFC 5280 §7.1 behaviour), for callers that want to tell
// an exact match from a semantic one.
func (si *SignerInfo) IdentifiesExactly(issuer []byte, serial *big.Int, ski []byte) bool {
	if si.SubjectKeyID != nil {
		return ski != nil && bytes.Equal(si.SubjectKeyID, ski)
	}
	return si.SerialNumber != nil && serial != nil && si.SerialNumber.Cmp(serial) == 0 && bytes.Equal(si.Issuer, issuer)
}

// SingleCertificate returns the only certificate of the SignedData's
// certificates field, if there is exactly one: the signer's certificate
// a caller may fall back to when no certificate matches the SignerInfo's
// identifier (seen on real EF.SODs). Whatever is picked this way must
// still verify the signature.
func (sd *SignedData) SingleCertificate() ([]byte, bool) {
	if len(sd.Certificates) != 1 {
		return nil, false
	}
	return sd.Certificates[0], true
}

// SignOptions describe one signature.
type SignOptions struct {
	ContentType asn1.ObjectIdentifier
	Content     []byte
	// Certificate is the signer's certificate (DER), included in the
	// SignedData; Issuer (DER Name) and SerialNumber identify it in a
	// version 1 SignerInfo, SubjectKeyID in a version 3 one.
	Certificate     []byte
	Issuer          []byte
	SerialNumber    *big.Int
	SubjectKeyID    []byte
	UseSubjectKeyID bool
	Signer          crypto.Signer
	Hash            crypto.Hash
	Scheme          Scheme
	SigningTime     time.Time
	// ExtraCertificates are added after the signer's (e.g. a master
	// list's signer chain).
	ExtraCertificates [][]byte
}

// Sign builds a ContentInfo with SignedData (version 3) over the
// encapsulated content with one SignerInfo carrying the content-type,
// message-digest and signing-time attributes.
func Sign(o SignOptions) ([]byte, error) {
	if o.Signer == nil {
		return nil, errors.New("cms: no signer")
	}
	digAlg, err := DigestAlgorithm(o.Hash)
	if err != nil {
		return nil, err
	}
	sigAlg, err := SignatureAlgorithm(o.Signer.Public(), o.Hash, o.Scheme)
	if err != nil {
		return nil, err
	}
	if !o.Hash.Available() {
		return nil, &UnsupportedAlgorithmError{What: "digest", Name: o.Hash.String()}
	}
	d := o.Hash.New()
	d.Write(o.Content)
	md := d.Sum(nil)
	t := o.SigningTime
	if t.IsZero() {
		t = time.Now()
	}
	timeDER, err := asn1.Marshal(t.UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	attr := func(oid asn1.ObjectIdentifier, val []byte) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(val) })
		})
		return b.BytesOrPanic()
	}
	var ctb, mdb cryptobyte.Builder
	ctb.AddASN1ObjectIdentifier(o.ContentType)
	mdb.AddASN1OctetString(md)
	attrs := [][]byte{
		attr(OIDContentType, ctb.BytesOrPanic()),
		attr(OIDMessageDigest, mdb.BytesOrPanic()),
		attr(OIDSigningTime, timeDER),
	}
	// DER orders SET OF by encoding (X.690 §11.6).
	sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 })
	var sab cryptobyte.Builder
	sab.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	signedAttrs := sab.BytesOrPanic()
	sig, err := SignMessage(o.Signer, sigAlg, o.Hash, signedAttrs)
	if err != nil {
		return nil, fmt.Errorf("cms: signing failed: %w", err)
	}
	if o.UseSubjectKeyID && len(o.SubjectKeyID) == 0 {
		return nil, errors.New("cms: a version 3 SignerInfo needs the certificate's subject key identifier")
	}
	if !o.UseSubjectKeyID && (o.Issuer == nil || o.SerialNumber == nil) {
		return nil, errors.New("cms: a version 1 SignerInfo needs the certificate's issuer and serial number")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(3)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { digAlg.Marshal(b) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(o.ContentType)
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(o.Content)
					})
				})
				if o.Certificate != nil || len(o.ExtraCertificates) > 0 {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddBytes(o.Certificate)
						for _, c := range o.ExtraCertificates {
							b.AddBytes(c)
						}
					})
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						if o.UseSubjectKeyID {
							b.AddASN1Int64(3)
							b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(o.SubjectKeyID) })
						} else {
							b.AddASN1Int64(1)
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddBytes(o.Issuer)
								b.AddASN1BigInt(o.SerialNumber)
							})
						}
						digAlg.Marshal(b)
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(signedAttrs[berHeaderLen(signedAttrs):])
						})
						sigAlg.Marshal(b)
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	return b.Bytes()
}

func berHeaderLen(der []byte) int {
	n, _ := berSplit(der)
	return n
}
