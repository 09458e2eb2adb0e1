// Package pki holds the X.509 side of ICAO 9303-12: certificates and CRLs
// of a Country Signing CA (CSCA) and its Document Signers (DS), read and
// written with an own minimal X.509 codec so that brainpool keys (which
// crypto/x509 refuses) work like NIST and RSA ones; the CSCA master list;
// the checks of a DS certificate against trusted CSCAs (chain, validity,
// revocation); a test PKI generator; and key and certificate loading.
package pki

import (
	"bytes"
	"crypto"
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
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	// OIDDocumentTypeList is the ICAO document type list extension of a
	// Document Signer certificate (9303-12 §7.1.1.3).
	OIDDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}
)

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
	// included), nil when the key algorithm is unknown.
	PublicKey          crypto.PublicKey
	SignatureAlgorithm cms.AlgorithmIdentifier
	Signature          []byte

	Extensions            []pkix.Extension
	SubjectKeyID          []byte
	AuthorityKeyID        []byte
	BasicConstraintsValid bool
	IsCA                  bool
	MaxPathLen            int // -1 when absent
	KeyUsage              x509.KeyUsage
	DocumentTypes         []string
}

// ParseCertificate parses one DER certificate.
func ParseCertificate(der []byte) (*Certificate, error) {
	bad := func(what string) (*Certificate, error) {
		return nil, fmt.Errorf("malformed certificate: %s", what)
	}
	c := &Certificate{Raw: append([]byte{}, der...), MaxPathLen: -1}
	s := cryptobyte.String(c.Raw)
	var cert, tbsEl, tbs cryptobyte.String
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) || !s.Empty() || !cert.ReadASN1Element(&tbsEl, cbasn1.SEQUENCE) {
		return bad("not a SEQUENCE")
	}
	c.RawTBSCertificate = tbsEl
	var sig asn1.BitString
	if !cms.ReadAlgorithmIdentifier(&cert, &c.SignatureAlgorithm) || !cert.ReadASN1BitString(&sig) || !cert.Empty() {
		return bad("bad signature")
	}
	c.Signature = sig.RightAlign()
	tbsEl.ReadASN1(&tbs, cbasn1.SEQUENCE)
	c.Version = 1
	if tbs.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var v cryptobyte.String
		var n int64
		if !tbs.ReadASN1(&v, cbasn1.Tag(0).Constructed().ContextSpecific()) || !v.ReadASN1Integer(&n) || n < 0 || n > 2 {
			return bad("bad version")
		}
		c.Version = int(n) + 1
	}
	c.SerialNumber = new(big.Int)
	var tbsSig cms.AlgorithmIdentifier
	var issuer, validity, subject, spki cryptobyte.String
	if !tbs.ReadASN1Integer(c.SerialNumber) || !cms.ReadAlgorithmIdentifier(&tbs, &tbsSig) ||
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return bad("bad TBSCertificate")
	}
	if !tbsSig.Algorithm.Equal(c.SignatureAlgorithm.Algorithm) {
		return bad("inner and outer signature algorithms differ")
	}
	c.RawIssuer, c.RawSubject, c.RawSubjectPublicKeyInfo = issuer, subject, spki
	var err error
	if c.NotBefore, err = readTime(&validity); err != nil {
		return nil, err
	}
	if c.NotAfter, err = readTime(&validity); err != nil {
		return nil, err
	}
	if err := parseName(issuer, &c.Issuer); err != nil {
		return nil, err
	}
	if err := parseName(subject, &c.Subject); err != nil {
		return nil, err
	}
	c.PublicKey, _ = ParsePublicKey(spki) // unknown algorithms leave nil
	for _, t := range []cbasn1.Tag{cbasn1.Tag(1).ContextSpecific(), cbasn1.Tag(2).ContextSpecific()} {
		if tbs.PeekASN1Tag(t) {
			var u cryptobyte.String
			tbs.ReadASN1(&u, t)
		}
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(3).Constructed().ContextSpecific()) {
		var ex, exts cryptobyte.String
		if !tbs.ReadASN1(&ex, cbasn1.Tag(3).Constructed().ContextSpecific()) || !ex.ReadASN1(&exts, cbasn1.SEQUENCE) {
			return bad("bad extensions")
		}
		if c.Extensions, err = readExtensions(exts); err != nil {
			return nil, err
		}
	}
	if !tbs.Empty() {
		return bad("trailing data in TBSCertificate")
	}
	for _, e := range c.Extensions {
		v := cryptobyte.String(e.Value)
		ok := true
		switch {
		case e.Id.Equal(oidExtSKI):
			var k []byte
			ok = v.ReadASN1Bytes(&k, cbasn1.OCTET_STRING)
			c.SubjectKeyID = k
		case e.Id.Equal(oidExtAKI):
			var seq cryptobyte.String
			ok = v.ReadASN1(&seq, cbasn1.SEQUENCE)
			if ok && seq.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
				var k cryptobyte.String
				ok = seq.ReadASN1(&k, cbasn1.Tag(0).ContextSpecific())
				c.AuthorityKeyID = k
			}
		case e.Id.Equal(oidExtBasicConstraints):
			var seq cryptobyte.String
			ok = v.ReadASN1(&seq, cbasn1.SEQUENCE)
			c.BasicConstraintsValid = ok
			if ok && seq.PeekASN1Tag(cbasn1.BOOLEAN) {
				ok = seq.ReadASN1Boolean(&c.IsCA)
			}
			if ok && seq.PeekASN1Tag(cbasn1.INTEGER) {
				var n int64
				ok = seq.ReadASN1Integer(&n) && n >= 0 && n < 1<<16
				c.MaxPathLen = int(n)
			}
		case e.Id.Equal(oidExtKeyUsage):
			var bits asn1.BitString
			ok = v.ReadASN1BitString(&bits)
			for i := 0; i < 9; i++ {
				if bits.At(i) != 0 {
					c.KeyUsage |= 1 << uint(i)
				}
			}
		case e.Id.Equal(OIDDocumentTypeList):
			var seq, set cryptobyte.String
			var ver int64
			ok = v.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadASN1Integer(&ver) && seq.ReadASN1(&set, cbasn1.SET)
			for ok && !set.Empty() {
				var d cryptobyte.String
				var tag cbasn1.Tag
				ok = set.ReadAnyASN1(&d, &tag)
				c.DocumentTypes = append(c.DocumentTypes, string(d))
			}
		}
		if !ok {
			return bad("bad extension " + e.Id.String())
		}
	}
	return c, nil
}

func readExtensions(exts cryptobyte.String) ([]pkix.Extension, error) {
	var out []pkix.Extension
	for !exts.Empty() {
		var e cryptobyte.String
		var ext pkix.Extension
		var val []byte
		if !exts.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1ObjectIdentifier(&ext.Id) {
			return nil, errors.New("malformed certificate: bad extension")
		}
		if e.PeekASN1Tag(cbasn1.BOOLEAN) && !e.ReadASN1Boolean(&ext.Critical) {
			return nil, errors.New("malformed certificate: bad extension criticality")
		}
		if !e.ReadASN1Bytes(&val, cbasn1.OCTET_STRING) || !e.Empty() {
			return nil, errors.New("malformed certificate: bad extension value")
		}
		ext.Value = val
		out = append(out, ext)
	}
	return out, nil
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

func parseName(der []byte, n *pkix.Name) error {
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdn); err != nil || len(rest) != 0 {
		return errors.New("malformed certificate: bad name")
	}
	n.FillFromRDNSequence(&rdn)
	return nil
}

// MarshalName returns the DER of a Name.
func MarshalName(n pkix.Name) ([]byte, error) { return asn1.Marshal(n.ToRDNSequence()) }

// CheckSignatureFrom verifies that parent's key signed c.
func (c *Certificate) CheckSignatureFrom(parent *Certificate) error {
	if parent.PublicKey == nil {
		return &cms.UnsupportedAlgorithmError{What: "public key", Name: "of the issuer certificate"}
	}
	return cms.VerifyMessage(parent.PublicKey, c.SignatureAlgorithm, 0, c.RawTBSCertificate, c.Signature)
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
}

// SigningParams pick the hash and RSA scheme of a signature.
type SigningParams struct {
	Hash   crypto.Hash
	Scheme cms.Scheme
}

// CreateCertificate issues a certificate for pub from tmpl, signed by
// signer on behalf of issuer (nil: self-signed, issuer = subject).
func CreateCertificate(tmpl *Template, issuer *Certificate, pub crypto.PublicKey, signer crypto.Signer, p SigningParams) ([]byte, error) {
	spki, err := MarshalPublicKey(pub)
	if err != nil {
		return nil, err
	}
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
