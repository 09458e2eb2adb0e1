// Package pki holds the X.509 side of ICAO 9303-12: certificates and CRLs
// of a Country Signing CA (CSCA) and its Document Signers (DS), read and
// written with an own minimal X.509 codec so that brainpool keys (which
// crypto/x509 refuses) work like NIST and RSA ones; the CSCA master list;
// the checks of a DS certificate against trusted CSCAs (chain, validity,
// revocation); a test PKI generator; and key and certificate loading.
//
// Lenient where the world is, strict where security is: the parsers
// accept what real CSCAs, Document Signers and master lists contain (BER
// booleans, loosely encoded non-critical extensions, RSA keys without
// NULL parameters, explicit EC parameters, PrintableStrings outside their
// alphabet) and say so in Certificate.Notes; but a signature is always
// checked over the bytes as received, a critical extension that is not
// understood makes a certificate unusable (RFC 5280 §4.2), issuer names
// are compared per RFC 5280 §7.1, and trust comes only from the CSCAs a
// caller gives: VerifyChain (through link certificates, ICAO 9303-12
// §5.1.1), MasterList.VerifyAgainst, VerifyCRLSignedBy.
package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/cccd-vn/cccd/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Extension OIDs (RFC 5280 §4.2, ICAO 9303-12 §7.1.1.3).
var (
	oidExtSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtIssuerAltName    = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	// OIDDocumentTypeList is the ICAO document type list extension of a
	// Document Signer certificate (9303-12 §7.1.1.3).
	OIDDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}
	// OIDMasterListSigner is id-icao-cscaMasterListSigningKey, the
	// extended key usage of a master list signer (ICAO 9303-12 §7.1.1.3,
	// Table 6).
	OIDMasterListSigner = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 3}
)

// ErrMalformed is matched (errors.Is) by every parse error of a
// certificate, CRL or master list.
var ErrMalformed = errors.New("malformed")

// ParseError reports input that is not a well-formed certificate, CRL or
// master list. errors.Is(err, ErrMalformed) holds for it.
type ParseError struct {
	Object string // "certificate", "CRL", "master list"
	What   string
	Err    error // the underlying cause, if any
}

func (e *ParseError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("malformed %s: %s: %v", e.Object, e.What, e.Err)
	}
	return fmt.Sprintf("malformed %s: %s", e.Object, e.What)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }
func (e *ParseError) Unwrap() error        { return e.Err }

// Certificate is a parsed X.509 certificate. Fields beyond the raw parts
// are what the ICAO profile needs.
type Certificate struct {
	Raw                     []byte
	RawTBSCertificate       []byte
	RawIssuer               []byte
	RawSubject              []byte
	RawSubjectPublicKeyInfo []byte

	Version      int
	SerialNumber *big.Int
	Issuer       pkix.Name
	Subject      pkix.Name
	NotBefore    time.Time
	NotAfter     time.Time
	// PublicKey is *rsa.PublicKey or *ecdsa.PublicKey (brainpool curves
	// included), nil when the key algorithm is unknown; PublicKeyError
	// then says why.
	PublicKey      crypto.PublicKey
	PublicKeyError error
	// ExplicitECParameters is set when the EC key's SubjectPublicKeyInfo
	// carries explicit domain parameters (RFC 3279 §2.3.5) instead of a
	// named curve, as Viet Nam's CSCA does; they were found to be those of
	// a supported curve.
	ExplicitECParameters bool
	// SignatureAlgorithm is the signature algorithm of the TBSCertificate
	// (the signed copy, RFC 5280 §4.1.2.3).
	SignatureAlgorithm cms.AlgorithmIdentifier
	Signature          []byte

	Extensions            []pkix.Extension
	SubjectKeyID          []byte
	AuthorityKeyID        []byte
	BasicConstraintsValid bool
	IsCA                  bool
	MaxPathLen            int // -1 when absent
	KeyUsage              x509.KeyUsage
	// KeyUsagePresent tells a KeyUsage extension with no bit set from an
	// absent one.
	KeyUsagePresent bool
	ExtKeyUsage     []asn1.ObjectIdentifier
	DocumentTypes   []string

	// UnhandledCritical lists the critical extensions this package does
	// not process, or whose content it cannot read. RFC 5280 §4.2 says a
	// certificate with one MUST be rejected: the certificate still parses
	// (so that it can be shown), but FindIssuer, VerifyChain and CheckCSCA
	// refuse it with a *CriticalExtensionError.
	UnhandledCritical []asn1.ObjectIdentifier
	// IgnoredExtensions lists the non-critical extensions that this
	// package knows but whose content does not parse (e.g. a loosely
	// encoded DocumentTypeList): they stay in Extensions, raw, and have
	// no effect.
	IgnoredExtensions []asn1.ObjectIdentifier
	// Notes lists, in words, each deviation from DER or from RFC 5280
	// that was tolerated while parsing.
	Notes []string
}

// ParseCertificate parses one DER certificate (RFC 5280 §4.1).
//
// It is lenient where real CSCA and Document Signer certificates are
// (each tolerated deviation is written to Notes): a BOOLEAN TRUE encoded
// with another non-zero octet than FF (BER, X.690 §8.2.2, instead of DER
// §11.1); a known non-critical extension whose content does not parse
// (kept raw, listed in IgnoredExtensions); an RSA key whose
// AlgorithmIdentifier lacks its NULL parameters; EC keys with explicit
// parameters of a supported curve. It never weakens what decides trust:
// the signature is checked over the TBSCertificate bytes as they are, and
// unknown or unreadable critical extensions are listed in
// UnhandledCritical so that the chain checks refuse the certificate.
func ParseCertificate(der []byte) (*Certificate, error) {
	bad := func(what string) (*Certificate, error) {
		return nil, &ParseError{Object: "certificate", What: what}
	}
	c := &Certificate{Raw: append([]byte{}, der...), MaxPathLen: -1}
	s := cryptobyte.String(c.Raw)
	var cert, tbsEl, tbs cryptobyte.String
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) || !s.Empty() || !cert.ReadASN1Element(&tbsEl, cbasn1.SEQUENCE) {
		return bad("not a SEQUENCE")
	}
	c.RawTBSCertificate = tbsEl
	var outerSig cms.AlgorithmIdentifier
	var sig asn1.BitString
	if !cms.ReadAlgorithmIdentifier(&cert, &outerSig) || !cert.ReadASN1BitString(&sig) || !cert.Empty() {
		return bad("bad signature")
	}
	c.Signature = sig.RightAlign()
	if !tbsEl.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return bad("bad TBSCertificate")
	}
	c.Version = 1
	if tbs.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var v cryptobyte.String
		var n int64
		if !tbs.ReadASN1(&v, cbasn1.Tag(0).Constructed().ContextSpecific()) || !v.ReadASN1Integer(&n) || !v.Empty() || n < 0 || n > 2 {
			return bad("bad version")
		}
		c.Version = int(n) + 1
	}
	c.SerialNumber = new(big.Int)
	var issuer, validity, subject, spki cryptobyte.String
	if !tbs.ReadASN1Integer(c.SerialNumber) || !cms.ReadAlgorithmIdentifier(&tbs, &c.SignatureAlgorithm) ||
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return bad("bad TBSCertificate")
	}
	// RFC 5280 §4.1.1.2: both copies MUST be identical. The algorithm
	// must be; parameters that differ only as NULL against absent are
	// tolerated, and the signed (inner) copy is the one used.
	if !c.SignatureAlgorithm.Algorithm.Equal(outerSig.Algorithm) {
		return bad("inner and outer signature algorithms differ")
	}
	if !bytes.Equal(c.SignatureAlgorithm.Parameters, outerSig.Parameters) {
		if !isNullOrAbsent(c.SignatureAlgorithm.Parameters) || !isNullOrAbsent(outerSig.Parameters) {
			return bad("inner and outer signature algorithm parameters differ")
		}
		c.Notes = append(c.Notes, "the signature algorithm parameters are NULL in one copy and absent in the other (RFC 5280 §4.1.1.2)")
	}
	c.RawIssuer, c.RawSubject, c.RawSubjectPublicKeyInfo = issuer, subject, spki
	var err error
	if c.NotBefore, err = readTime(&validity); err != nil {
		return nil, &ParseError{Object: "certificate", What: "notBefore", Err: err}
	}
	if c.NotAfter, err = readTime(&validity); err != nil {
		return nil, &ParseError{Object: "certificate", What: "notAfter", Err: err}
	}
	if !validity.Empty() {
		return bad("trailing data in validity")
	}
	if err := parseName(issuer, &c.Issuer); err != nil {
		return bad("bad issuer name")
	}
	if err := parseName(subject, &c.Subject); err != nil {
		return bad("bad subject name")
	}
	var info keyInfo
	// Unknown algorithms leave PublicKey nil; the certificate can still be
	// listed, but not used to verify anything.
	c.PublicKey, info, c.PublicKeyError = parsePublicKey(spki)
	c.ExplicitECParameters = info.explicit
	if info.explicit {
		c.Notes = append(c.Notes, "EC key with explicit domain parameters (RFC 3279 §2.3.5) instead of a named curve")
	}
	if info.rsaNoNull {
		c.Notes = append(c.Notes, "RSA key AlgorithmIdentifier without NULL parameters (RFC 3279 §2.3.1)")
	}
	// issuerUniqueID [1], subjectUniqueID [2] (RFC 5280 §4.1.2.8).
	for _, t := range []cbasn1.Tag{cbasn1.Tag(1).ContextSpecific(), cbasn1.Tag(2).ContextSpecific()} {
		if tbs.PeekASN1Tag(t) {
			var u cryptobyte.String
			if !tbs.ReadASN1(&u, t) {
				return bad("bad unique identifier")
			}
		}
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(3).Constructed().ContextSpecific()) {
		var ex, exts cryptobyte.String
		if !tbs.ReadASN1(&ex, cbasn1.Tag(3).Constructed().ContextSpecific()) || !ex.ReadASN1(&exts, cbasn1.SEQUENCE) || !ex.Empty() {
			return bad("bad extensions")
		}
		var notes []string
		if c.Extensions, notes, err = readExtensions(exts); err != nil {
			return nil, &ParseError{Object: "certificate", What: "bad extensions", Err: err}
		}
		c.Notes = append(c.Notes, notes...)
	}
	if !tbs.Empty() {
		return bad("trailing data in TBSCertificate")
	}
	for _, e := range c.Extensions {
		known, err := c.applyExtension(e)
		switch {
		case !known && e.Critical:
			c.UnhandledCritical = append(c.UnhandledCritical, e.Id)
			c.Notes = append(c.Notes, fmt.Sprintf("critical extension %s is not supported (RFC 5280 §4.2: the certificate must be rejected)", e.Id))
		case err != nil && e.Critical:
			c.UnhandledCritical = append(c.UnhandledCritical, e.Id)
			c.Notes = append(c.Notes, fmt.Sprintf("critical extension %s does not parse (%v): the certificate must be rejected (RFC 5280 §4.2)", e.Id, err))
		case err != nil:
			c.IgnoredExtensions = append(c.IgnoredExtensions, e.Id)
			c.Notes = append(c.Notes, fmt.Sprintf("non-critical extension %s does not parse (%v): kept raw and ignored", e.Id, err))
		}
	}
	return c, nil
}

func isNullOrAbsent(p []byte) bool { return len(p) == 0 || bytes.Equal(p, []byte{0x05, 0x00}) }

// readBERBoolean reads a BOOLEAN. DER (X.690 §11.1) wants FF for TRUE;
// BER (§8.2.2) allows any non-zero octet, which some issuers write (01 in
// a CSCA's BasicConstraints). ber reports such an encoding.
func readBERBoolean(s *cryptobyte.String, out *bool) (ok, ber bool) {
	var v cryptobyte.String
	if !s.ReadASN1(&v, cbasn1.BOOLEAN) || len(v) != 1 {
		return false, false
	}
	*out = v[0] != 0
	return true, v[0] != 0 && v[0] != 0xff
}

// extError is the reason an extension's content does not parse.
type extError string

func (e extError) Error() string { return string(e) }

// applyExtension reads the extensions this package knows (RFC 5280 §4.2.1,
// ICAO 9303-12 §7.1.1.3) into c. known is false for any other; err is set
// (and c left untouched for this extension) when the content does not
// parse.
func (c *Certificate) applyExtension(e pkix.Extension) (known bool, err error) {
	v := cryptobyte.String(e.Value)
	switch {
	case e.Id.Equal(oidExtSKI):
		// SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING), §4.2.1.2.
		var k []byte
		if !v.ReadASN1Bytes(&k, cbasn1.OCTET_STRING) || !v.Empty() {
			return true, extError("SubjectKeyIdentifier is not an OCTET STRING")
		}
		c.SubjectKeyID = k
	case e.Id.Equal(oidExtAKI):
		// AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0]
		// OPTIONAL, authorityCertIssuer [1] OPTIONAL,
		// authorityCertSerialNumber [2] OPTIONAL }, §4.2.1.1.
		var seq, k cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
			return true, extError("AuthorityKeyIdentifier is not a SEQUENCE")
		}
		if seq.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) && !seq.ReadASN1(&k, cbasn1.Tag(0).ContextSpecific()) {
			return true, extError("bad AuthorityKeyIdentifier keyIdentifier")
		}
		for !seq.Empty() {
			var x cryptobyte.String
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1(&x, &tag) || tag.ContextSpecific() != tag {
				return true, extError("bad AuthorityKeyIdentifier")
			}
		}
		if k != nil {
			c.AuthorityKeyID = k
		}
	case e.Id.Equal(oidExtBasicConstraints):
		// BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
		// pathLenConstraint INTEGER (0..MAX) OPTIONAL }, §4.2.1.9.
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
			return true, extError("BasicConstraints is not a SEQUENCE")
		}
		isCA, maxPath := false, -1
		if seq.PeekASN1Tag(cbasn1.BOOLEAN) {
			ok, ber := readBERBoolean(&seq, &isCA)
			if !ok {
				return true, extError("bad BasicConstraints cA")
			}
			if ber {
				c.Notes = append(c.Notes, "BasicConstraints cA TRUE encoded as BER (not FF, X.690 §11.1)")
			}
		}
		if seq.PeekASN1Tag(cbasn1.INTEGER) {
			var n int64
			if !seq.ReadASN1Integer(&n) || n < 0 || n >= 1<<16 {
				return true, extError("bad BasicConstraints pathLenConstraint")
			}
			maxPath = int(n)
		}
		if !seq.Empty() {
			return true, extError("trailing data in BasicConstraints")
		}
		c.BasicConstraintsValid, c.IsCA, c.MaxPathLen = true, isCA, maxPath
	case e.Id.Equal(oidExtKeyUsage):
		// KeyUsage ::= BIT STRING, §4.2.1.3.
		var bits asn1.BitString
		if !v.ReadASN1BitString(&bits) || !v.Empty() {
			return true, extError("KeyUsage is not a BIT STRING")
		}
		var ku x509.KeyUsage
		for i := 0; i < 9; i++ {
			if bits.At(i) != 0 {
				ku |= 1 << uint(i)
			}
		}
		c.KeyUsage, c.KeyUsagePresent = ku, true
	case e.Id.Equal(oidExtExtKeyUsage):
		// ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId,
		// §4.2.1.12.
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() || seq.Empty() {
			return true, extError("ExtKeyUsage is not a SEQUENCE OF OID")
		}
		var ekus []asn1.ObjectIdentifier
		for !seq.Empty() {
			var oid asn1.ObjectIdentifier
			if !seq.ReadASN1ObjectIdentifier(&oid) {
				return true, extError("bad ExtKeyUsage purpose")
			}
			ekus = append(ekus, oid)
		}
		c.ExtKeyUsage = ekus
	case e.Id.Equal(oidExtSubjectAltName), e.Id.Equal(oidExtIssuerAltName):
		// GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName,
		// §4.2.1.6-7: nothing in them constrains the ICAO chain, so a
		// well-formed one is handled by being read.
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
			return true, extError("GeneralNames is not a SEQUENCE")
		}
		for !seq.Empty() {
			var x cryptobyte.String
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1(&x, &tag) || tag&0xc0 != 0x80 {
				return true, extError("bad GeneralName")
			}
		}
	case e.Id.Equal(OIDDocumentTypeList):
		// DocumentTypeListSyntax ::= SEQUENCE { version
		// DocumentTypeListVersion, docTypeList SET OF DocumentType },
		// DocumentType ::= PrintableString (ICAO 9303-12 §7.1.1.3).
		var seq, set cryptobyte.String
		var ver int64
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() || !seq.ReadASN1Integer(&ver) || !seq.ReadASN1(&set, cbasn1.SET) || !seq.Empty() {
			return true, extError("DocumentTypeList is not SEQUENCE { INTEGER, SET OF PrintableString }")
		}
		var types []string
		for !set.Empty() {
			var d []byte
			if !set.ReadASN1Bytes(&d, cbasn1.PrintableString) {
				return true, extError("DocumentTypeList entry is not a PrintableString")
			}
			types = append(types, string(d))
		}
		c.DocumentTypes = types
	default:
		return false, nil
	}
	return true, nil
}

// maxExtensions bounds the work on hostile input.
const maxExtensions = 256

// readExtensions reads Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
// (RFC 5280 §4.1.2.9, §4.2: an extension MUST NOT appear twice).
func readExtensions(exts cryptobyte.String) ([]pkix.Extension, []string, error) {
	var out []pkix.Extension
	var notes []string
	for !exts.Empty() {
		var e cryptobyte.String
		var ext pkix.Extension
		var val []byte
		if len(out) >= maxExtensions {
			return nil, nil, extError("too many extensions")
		}
		if !exts.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1ObjectIdentifier(&ext.Id) {
			return nil, nil, extError("bad extension")
		}
		if e.PeekASN1Tag(cbasn1.BOOLEAN) {
			ok, ber := readBERBoolean(&e, &ext.Critical)
			if !ok {
				return nil, nil, extError("bad extension criticality")
			}
			if ber {
				// Any non-zero octet is TRUE in BER: the extension is
				// critical, the strict reading.
				notes = append(notes, fmt.Sprintf("extension %s criticality TRUE encoded as BER (not FF, X.690 §11.1)", ext.Id))
			}
		}
		if !e.ReadASN1Bytes(&val, cbasn1.OCTET_STRING) || !e.Empty() {
			return nil, nil, extError("bad extension value")
		}
		for _, o := range out {
			if o.Id.Equal(ext.Id) {
				return nil, nil, extError("extension " + ext.Id.String() + " appears twice")
			}
		}
		ext.Value = val
		out = append(out, ext)
	}
	return out, notes, nil
}

func readTime(s *cryptobyte.String) (time.Time, error) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if !s.ReadASN1UTCTime(&t) {
			return t, errors.New("malformed UTCTime")
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if !s.ReadASN1GeneralizedTime(&t) {
			return t, errors.New("malformed GeneralizedTime")
		}
	default:
		return t, errors.New("malformed time")
	}
	return t, nil
}

func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
}

// maxNameAttributes bounds the work on hostile input.
const maxNameAttributes = 128

var errBadName = errors.New("malformed Name")

// parseName reads a Name ::= SEQUENCE OF RelativeDistinguishedName, RDN
// ::= SET OF AttributeTypeAndValue (RFC 5280 §4.1.2.4) into n. Character
// strings become Go strings (cms.DecodeString, lenient as certificates
// need); other values are kept as their DER (an asn1.RawValue).
func parseName(der []byte, n *pkix.Name) error {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return errBadName
	}
	var rdns pkix.RDNSequence
	count := 0
	for !seq.Empty() {
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) || set.Empty() {
			return errBadName
		}
		var rdn pkix.RelativeDistinguishedNameSET
		for !set.Empty() {
			if count++; count > maxNameAttributes {
				return errBadName
			}
			var ava, full, val cryptobyte.String
			var atv pkix.AttributeTypeAndValue
			var tag cbasn1.Tag
			if !set.ReadASN1(&ava, cbasn1.SEQUENCE) || !ava.ReadASN1ObjectIdentifier(&atv.Type) || !ava.ReadAnyASN1Element(&full, &tag) || !ava.Empty() {
				return errBadName
			}
			inner := full
			if !inner.ReadAnyASN1(&val, &tag) {
				return errBadName
			}
			if str, ok := cms.DecodeString(tag, val); ok {
				atv.Value = str
			} else {
				atv.Value = asn1.RawValue{FullBytes: append([]byte{}, full...)}
			}
			rdn = append(rdn, atv)
		}
		rdns = append(rdns, rdn)
	}
	n.FillFromRDNSequence(&rdns)
	return nil
}

// MarshalName returns the DER of a Name.
func MarshalName(n pkix.Name) ([]byte, error) { return asn1.Marshal(n.ToRDNSequence()) }

// CheckSignatureFrom verifies that parent's key signed c.
func (c *Certificate) CheckSignatureFrom(parent *Certificate) error {
	if parent.PublicKey == nil {
		return &cms.UnsupportedAlgorithmError{What: "public key", Name: "of the issuer certificate"}
	}
	return verifyCached(parent.PublicKey, parent.RawSubjectPublicKeyInfo, c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
}

// Template describes a certificate to create.
type Template struct {
	SerialNumber *big.Int
	Subject      pkix.Name
	NotBefore    time.Time
	NotAfter     time.Time
	IsCA         bool
	MaxPathLen   int // for CAs; -1 leaves it out
	KeyUsage     x509.KeyUsage
	// SubjectKeyID; nil derives it from the public key (RFC 5280
	// §4.2.1.2 method 1).
	SubjectKeyID  []byte
	DocumentTypes []string // ICAO document type list, e.g. ["ID"]
	// ExplicitECParameters writes an EC key with explicit domain
	// parameters (MarshalPublicKeyExplicit) instead of its curve OID.
	ExplicitECParameters bool
	// ExtraExtensions are appended after the extensions made from the
	// fields above (none may repeat one of them, RFC 5280 §4.2).
	ExtraExtensions []pkix.Extension
}

// SigningParams pick the hash and RSA scheme of a signature.
type SigningParams struct {
	Hash   crypto.Hash
	Scheme cms.Scheme
}

// CreateCertificate issues a certificate for pub from tmpl, signed by
// signer on behalf of issuer (nil: self-signed, issuer = subject).
func CreateCertificate(tmpl *Template, issuer *Certificate, pub crypto.PublicKey, signer crypto.Signer, p SigningParams) ([]byte, error) {
	var spki []byte
	var err error
	if tmpl.ExplicitECParameters {
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: explicit parameters need an EC key, not %T", ErrUnsupportedKey, pub)
		}
		spki, err = MarshalPublicKeyExplicit(k)
	} else {
		spki, err = MarshalPublicKey(pub)
	}
	if err != nil {
		return nil, err
	}
	return createCertificate(tmpl, issuer, spki, signer, p)
}

// createCertificate is CreateCertificate with the SubjectPublicKeyInfo
// given as DER.
func createCertificate(tmpl *Template, issuer *Certificate, spki []byte, signer crypto.Signer, p SigningParams) ([]byte, error) {
	subject, err := MarshalName(tmpl.Subject)
	if err != nil {
		return nil, err
	}
	ski := tmpl.SubjectKeyID
	if ski == nil {
		ski = KeyID(spki)
	}
	issuerName, aki := subject, ski
	if issuer != nil {
		issuerName, aki = issuer.RawSubject, issuer.SubjectKeyID
	}
	sigAlg, err := cms.SignatureAlgorithm(signer.Public(), p.Hash, p.Scheme)
	if err != nil {
		return nil, err
	}
	var exts []pkix.Extension
	add := func(id asn1.ObjectIdentifier, critical bool, f func(b *cryptobyte.Builder)) {
		var b cryptobyte.Builder
		f(&b)
		exts = append(exts, pkix.Extension{Id: id, Critical: critical, Value: b.BytesOrPanic()})
	}
	if aki != nil {
		add(oidExtAKI, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(aki) })
			})
		})
	}
	add(oidExtSKI, false, func(b *cryptobyte.Builder) { b.AddASN1OctetString(ski) })
	if tmpl.KeyUsage != 0 {
		add(oidExtKeyUsage, true, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) { b.AddBytes(keyUsageBits(tmpl.KeyUsage)) })
		})
	}
	if tmpl.IsCA {
		add(oidExtBasicConstraints, true, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Boolean(true)
				if tmpl.MaxPathLen >= 0 {
					b.AddASN1Int64(int64(tmpl.MaxPathLen))
				}
			})
		})
	}
	if len(tmpl.DocumentTypes) > 0 {
		add(OIDDocumentTypeList, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(0)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, d := range tmpl.DocumentTypes {
						b.AddASN1(cbasn1.PrintableString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(d)) })
					}
				})
			})
		})
	}
	exts = append(exts, tmpl.ExtraExtensions...)
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) })
		b.AddASN1BigInt(tmpl.SerialNumber)
		sigAlg.Marshal(b)
		b.AddBytes(issuerName)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, tmpl.NotBefore)
			addTime(b, tmpl.NotAfter)
		})
		b.AddBytes(subject)
		b.AddBytes(spki)
		b.AddASN1(cbasn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			addExtensions(b, exts)
		})
	})
	tbs, err := tb.Bytes()
	if err != nil {
		return nil, err
	}
	return signTBS(tbs, sigAlg, signer, p.Hash)
}

func addExtensions(b *cryptobyte.Builder, exts []pkix.Extension) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, e := range exts {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(e.Id)
				if e.Critical {
					b.AddASN1Boolean(true)
				}
				b.AddASN1OctetString(e.Value)
			})
		}
	})
}

func signTBS(tbs []byte, sigAlg cms.AlgorithmIdentifier, signer crypto.Signer, h crypto.Hash) ([]byte, error) {
	sig, err := cms.SignMessage(signer, sigAlg, h, tbs)
	if err != nil {
		return nil, fmt.Errorf("signing failed: %w", err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		sigAlg.Marshal(b)
		b.AddASN1BitString(sig)
	})
	return b.Bytes()
}

// keyUsageBits encodes KeyUsage as a DER BIT STRING body (trailing zero
// bits removed, X.690 §11.2.2).
func keyUsageBits(ku x509.KeyUsage) []byte {
	var a [2]byte
	n := 0
	for i := 0; i < 9; i++ {
		if ku&(1<<uint(i)) != 0 {
			a[i/8] |= 0x80 >> uint(i%8)
			n = i + 1
		}
	}
	l := (n + 7) / 8
	unused := l*8 - n
	return append([]byte{byte(unused)}, a[:l]...)
}

// KeyID is the SHA-1 of the subjectPublicKey bits of a
// SubjectPublicKeyInfo (RFC 5280 §4.2.1.2 method 1).
func KeyID(spki []byte) []byte {
	s := cryptobyte.String(spki)
	var seq, alg cryptobyte.String
	var bits asn1.BitString
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !seq.ReadASN1BitString(&bits) {
		h := sha1.Sum(spki)
		return h[:]
	}
	h := sha1.Sum(bits.Bytes)
	return h[:]
}

// Equal reports whether two certificates are the same bytes.
func (c *Certificate) Equal(o *Certificate) bool { return o != nil && bytes.Equal(c.Raw, o.Raw) }
