package pki

import (
	"bytes"
	"crypto"
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

// CRL is a parsed X.509 v2 certificate revocation list (RFC 5280 §5).
type CRL struct {
	Raw                []byte
	RawTBSCertList     []byte
	RawIssuer          []byte
	Issuer             pkix.Name
	ThisUpdate         time.Time
	NextUpdate         time.Time // zero when absent
	Revoked            []RevokedCertificate
	AuthorityKeyID     []byte
	Number             *big.Int
	SignatureAlgorithm cms.AlgorithmIdentifier // the signed (inner) copy
	Signature          []byte
	// UnhandledCritical lists critical CRL or CRL entry extensions this
	// package does not process (e.g. issuingDistributionPoint,
	// deltaCRLIndicator, certificateIssuer). RFC 5280 §5.2: such a CRL
	// MUST NOT be used; CheckRevocation and VerifyCRLSignedBy refuse it.
	UnhandledCritical []asn1.ObjectIdentifier
	// Notes lists the deviations from DER tolerated while parsing.
	Notes []string
}

// RevokedCertificate is one CRL entry.
type RevokedCertificate struct {
	SerialNumber   *big.Int
	RevocationTime time.Time
}

// maxCRLEntries bounds the work on hostile input.
const maxCRLEntries = 1 << 20

// ParseCRL parses a DER CRL (RFC 5280 §5.1).
func ParseCRL(der []byte) (*CRL, error) {
	bad := func(what string) (*CRL, error) { return nil, &ParseError{Object: "CRL", What: what} }
	c := &CRL{Raw: append([]byte{}, der...)}
	s := cryptobyte.String(c.Raw)
	var crl, tbsEl, tbs cryptobyte.String
	if !s.ReadASN1(&crl, cbasn1.SEQUENCE) || !s.Empty() || !crl.ReadASN1Element(&tbsEl, cbasn1.SEQUENCE) {
		return bad("not a SEQUENCE")
	}
	c.RawTBSCertList = tbsEl
	var outerSig cms.AlgorithmIdentifier
	var sig asn1.BitString
	if !cms.ReadAlgorithmIdentifier(&crl, &outerSig) || !crl.ReadASN1BitString(&sig) || !crl.Empty() || sig.BitLength%8 != 0 {
		return bad("bad signature")
	}
	c.Signature = sig.RightAlign()
	if !tbsEl.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return bad("bad TBSCertList")
	}
	if tbs.PeekASN1Tag(cbasn1.INTEGER) {
		var v int64
		if !tbs.ReadASN1Integer(&v) || v != 1 {
			return bad("bad version")
		}
	}
	var issuer cryptobyte.String
	if !cms.ReadAlgorithmIdentifier(&tbs, &c.SignatureAlgorithm) || !tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return bad("bad issuer")
	}
	// RFC 5280 §5.1.1.2: the two copies MUST be identical.
	if !c.SignatureAlgorithm.Algorithm.Equal(outerSig.Algorithm) ||
		!bytes.Equal(c.SignatureAlgorithm.Parameters, outerSig.Parameters) && !(isNullOrAbsent(c.SignatureAlgorithm.Parameters) && isNullOrAbsent(outerSig.Parameters)) {
		return bad("inner and outer signature algorithms differ")
	}
	c.RawIssuer = issuer
	if err := parseName(issuer, &c.Issuer); err != nil {
		return bad("bad issuer name")
	}
	var err error
	if c.ThisUpdate, err = readTime(&tbs); err != nil {
		return nil, &ParseError{Object: "CRL", What: "thisUpdate", Err: err}
	}
	if tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if c.NextUpdate, err = readTime(&tbs); err != nil {
			return nil, &ParseError{Object: "CRL", What: "nextUpdate", Err: err}
		}
	}
	if tbs.PeekASN1Tag(cbasn1.SEQUENCE) {
		var list cryptobyte.String
		if !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
			return bad("bad revokedCertificates")
		}
		for !list.Empty() {
			var e cryptobyte.String
			r := RevokedCertificate{SerialNumber: new(big.Int)}
			if len(c.Revoked) >= maxCRLEntries {
				return bad("too many entries")
			}
			if !list.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1Integer(r.SerialNumber) {
				return bad("bad entry")
			}
			if r.RevocationTime, err = readTime(&e); err != nil {
				return nil, &ParseError{Object: "CRL", What: "revocationDate", Err: err}
			}
			if !e.Empty() {
				// crlEntryExtensions (RFC 5280 §5.3): reasonCode and
				// invalidityDate are information only; any critical one
				// (certificateIssuer of an indirect CRL) makes the CRL
				// unusable here.
				var exts cryptobyte.String
				if !e.ReadASN1(&exts, cbasn1.SEQUENCE) || !e.Empty() {
					return bad("bad entry extensions")
				}
				list, notes, err := readExtensions(exts)
				if err != nil {
					return nil, &ParseError{Object: "CRL", What: "bad entry extensions", Err: err}
				}
				c.Notes = append(c.Notes, notes...)
				for _, x := range list {
					if x.Critical {
						c.addUnhandled(x.Id)
					}
				}
			}
			c.Revoked = append(c.Revoked, r)
		}
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var ex, exts cryptobyte.String
		if !tbs.ReadASN1(&ex, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ex.ReadASN1(&exts, cbasn1.SEQUENCE) || !ex.Empty() {
			return bad("bad extensions")
		}
		list, notes, err := readExtensions(exts)
		if err != nil {
			return nil, &ParseError{Object: "CRL", What: "bad extensions", Err: err}
		}
		c.Notes = append(c.Notes, notes...)
		for _, e := range list {
			v := cryptobyte.String(e.Value)
			ok := true
			switch {
			case e.Id.Equal(oidExtAKI):
				// RFC 5280 §5.2.1.
				var seq, k cryptobyte.String
				ok = v.ReadASN1(&seq, cbasn1.SEQUENCE)
				if ok && seq.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
					ok = seq.ReadASN1(&k, cbasn1.Tag(0).ContextSpecific())
					c.AuthorityKeyID = k
				}
			case e.Id.Equal(oidExtCRLNumber):
				// RFC 5280 §5.2.3.
				n := new(big.Int)
				if ok = v.ReadASN1Integer(n) && v.Empty(); ok {
					c.Number = n
				}
			default:
				if e.Critical {
					c.addUnhandled(e.Id)
				}
			}
			if !ok {
				if e.Critical {
					c.addUnhandled(e.Id)
				}
				c.Notes = append(c.Notes, fmt.Sprintf("CRL extension %s does not parse: ignored", e.Id))
			}
		}
	}
	if !tbs.Empty() {
		return bad("trailing data")
	}
	return c, nil
}

func (c *CRL) addUnhandled(id asn1.ObjectIdentifier) {
	for _, o := range c.UnhandledCritical {
		if o.Equal(id) {
			return
		}
	}
	c.UnhandledCritical = append(c.UnhandledCritical, id)
}

// CheckSignatureFrom verifies that issuer signed the CRL.
func (c *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if issuer.PublicKey == nil {
		return &cms.UnsupportedAlgorithmError{What: "public key", Name: "of the CRL issuer"}
	}
	return verifyCached(issuer.PublicKey, issuer.RawSubjectPublicKeyInfo, c.SignatureAlgorithm, c.RawTBSCertList, c.Signature)
}

// CRL freshness (RFC 5280 §5.1.2.4-5, §6.3.3 (a)): a CRL tells the
// revocation status only between its thisUpdate and nextUpdate. Outside
// that window the status is unknown, not "not revoked".
var (
	// ErrCRLStale: nextUpdate has passed at the check time.
	ErrCRLStale = errors.New("the CRL is stale: its nextUpdate has passed")
	// ErrCRLNotYetValid: thisUpdate is after the check time.
	ErrCRLNotYetValid = errors.New("the CRL is not yet valid: its thisUpdate is in the future")
	// ErrCRLNoNextUpdate: the CRL has no nextUpdate (which RFC 5280
	// §5.1.2.5 and ICAO 9303-12 require), so its freshness is unknown.
	ErrCRLNoNextUpdate = errors.New("the CRL has no nextUpdate: its freshness is unknown")
	// ErrCRLIssuerUnknown: no certificate of the given set signed the CRL.
	ErrCRLIssuerUnknown = errors.New("no given CSCA signed the CRL")
	// ErrCRLUnhandledCritical: the CRL has a critical extension this
	// package does not process (RFC 5280 §5.2).
	ErrCRLUnhandledCritical = errors.New("the CRL has an unsupported critical extension")
)

// CheckTime returns nil if at lies within [ThisUpdate, NextUpdate], else
// a *CRLError wrapping ErrCRLStale, ErrCRLNotYetValid or
// ErrCRLNoNextUpdate: the caller then reports the revocation status as
// unknown.
func (c *CRL) CheckTime(at time.Time) error {
	var err error
	switch {
	case at.Before(c.ThisUpdate):
		err = ErrCRLNotYetValid
	case c.NextUpdate.IsZero():
		err = ErrCRLNoNextUpdate
	case at.After(c.NextUpdate):
		err = ErrCRLStale
	default:
		return nil
	}
	return &CRLError{Issuer: c.Issuer.String(), Err: fmt.Errorf("%w (thisUpdate %s, nextUpdate %s, checked at %s)", err,
		fmtDate(c.ThisUpdate), fmtDate(c.NextUpdate), fmtDate(at))}
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.DateOnly)
}

// issuedBy reports whether the CRL names ca as its issuer: same name
// (RFC 5280 §7.1) and, when both are present, the authority key
// identifier matches the CSCA's subject key identifier.
func (c *CRL) issuedBy(ca *Certificate) bool {
	if !NamesEqual(c.RawIssuer, ca.RawSubject) {
		return false
	}
	return c.AuthorityKeyID == nil || ca.SubjectKeyID == nil || bytes.Equal(c.AuthorityKeyID, ca.SubjectKeyID)
}

// VerifyCRLSignedBy returns the CSCA of cscas that issued and signed the
// CRL (name and key identifier match, signature verifies, cRLSign allowed
// by its KeyUsage when present, RFC 5280 §4.2.1.3), so that a CRL not
// signed by its CSCA can be refused. Errors are *CRLError wrapping
// ErrCRLIssuerUnknown, ErrCRLUnhandledCritical or the signature error.
// The CRL's dates are not checked: see CheckTime.
func VerifyCRLSignedBy(crl *CRL, cscas []*Certificate) (*Certificate, error) {
	if len(crl.UnhandledCritical) > 0 {
		return nil, &CRLError{Issuer: crl.Issuer.String(), Err: fmt.Errorf("%w: %v", ErrCRLUnhandledCritical, crl.UnhandledCritical)}
	}
	var lastErr error
	for _, ca := range cscas {
		if !crl.issuedBy(ca) {
			continue
		}
		if err := crl.CheckSignatureFrom(ca); err != nil {
			lastErr = &CRLError{Issuer: ca.Subject.String(), Err: err}
			continue
		}
		if ca.KeyUsagePresent && ca.KeyUsage&x509.KeyUsageCRLSign == 0 {
			lastErr = &CRLError{Issuer: ca.Subject.String(), Err: errors.New("the CSCA's KeyUsage does not allow cRLSign")}
			continue
		}
		return ca, nil
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, &CRLError{Issuer: crl.Issuer.String(), Err: fmt.Errorf("%w (issuer %s, key id %X)", ErrCRLIssuerUnknown, crl.Issuer, crl.AuthorityKeyID)}
}

// CreateCRL issues a v2 CRL for issuer listing revoked. A zero
// nextUpdate leaves it out (for tests: RFC 5280 §5.1.2.5 requires it).
func CreateCRL(issuer *Certificate, signer crypto.Signer, revoked []RevokedCertificate, number *big.Int, thisUpdate, nextUpdate time.Time, p SigningParams) ([]byte, error) {
	if issuer == nil || signer == nil {
		return nil, errors.New("a CRL needs its issuer certificate and key")
	}
	sigAlg, err := cms.SignatureAlgorithm(signer.Public(), p.Hash, p.Scheme)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1) // v2
		sigAlg.Marshal(b)
		b.AddBytes(issuer.RawSubject)
		addTime(b, thisUpdate)
		if !nextUpdate.IsZero() {
			addTime(b, nextUpdate)
		}
		if len(revoked) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, r := range revoked {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(r.SerialNumber)
						addTime(b, r.RevocationTime)
					})
				}
			})
		}
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			var exts []pkix.Extension
			if issuer.SubjectKeyID != nil {
				var a cryptobyte.Builder
				a.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(issuer.SubjectKeyID) })
				})
				exts = append(exts, pkix.Extension{Id: oidExtAKI, Value: a.BytesOrPanic()})
			}
			var n cryptobyte.Builder
			if number == nil {
				number = big.NewInt(1)
			}
			n.AddASN1BigInt(number)
			exts = append(exts, pkix.Extension{Id: oidExtCRLNumber, Value: n.BytesOrPanic()})
			addExtensions(b, exts)
		})
	})
	tbs, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return signTBS(tbs, sigAlg, signer, p.Hash)
}
