package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// The DS certificate checks of passive authentication (ICAO 9303-11 §5.1,
// 9303-12 §4). Each returns its own error type so a verifier can report
// them one per line and tell them apart with errors.As / errors.Is.

// ErrNoTrustedIssuer is matched (errors.Is) when no trusted CSCA has the
// certificate's issuer name (and authority key identifier): the
// *UnknownIssuerError returned says which CSCA is missing.
var ErrNoTrustedIssuer = errors.New("no trusted CSCA certificate issued this Document Signer certificate")

// ErrNoCRL is returned when no CRL of the issuing CSCA is available: the
// revocation status is unknown (a warning, not proof of revocation).
var ErrNoCRL = errors.New("no CRL from the issuing CSCA: revocation status unknown")

// ErrUnhandledCriticalExtension is matched (errors.Is) by a
// *CriticalExtensionError.
var ErrUnhandledCriticalExtension = errors.New("unsupported critical extension")

// ErrNotCSCA is matched (errors.Is) by a *CSCAError.
var ErrNotCSCA = errors.New("not usable as a CSCA")

// UnknownIssuerError reports a certificate whose issuer is not among the
// trusted CSCAs: Issuer and AuthorityKeyID name the CSCA that would have
// to be added. errors.Is(err, ErrNoTrustedIssuer) holds.
type UnknownIssuerError struct {
	Subject        string // the certificate that does not chain
	Issuer         string // its issuer name
	AuthorityKeyID []byte // its authority key identifier, if any
}

func (e *UnknownIssuerError) Error() string {
	kid := "no key identifier"
	if e.AuthorityKeyID != nil {
		kid = fmt.Sprintf("key id %X", e.AuthorityKeyID)
	}
	return fmt.Sprintf("%v: %q is issued by %q (%s), which is not a trusted CSCA; add that CSCA certificate", ErrNoTrustedIssuer, e.Subject, e.Issuer, kid)
}

// Is makes errors.Is(err, ErrNoTrustedIssuer) true.
func (e *UnknownIssuerError) Is(target error) bool { return target == ErrNoTrustedIssuer }

// CriticalExtensionError reports a certificate with critical extensions
// this package does not process (RFC 5280 §4.2: it MUST be rejected).
type CriticalExtensionError struct {
	Subject string
	OIDs    []asn1.ObjectIdentifier
}

func (e *CriticalExtensionError) Error() string {
	return fmt.Sprintf("certificate %q has unsupported critical extension(s) %v (RFC 5280 §4.2: rejected)", e.Subject, e.OIDs)
}

// Is makes errors.Is(err, ErrUnhandledCriticalExtension) true.
func (e *CriticalExtensionError) Is(target error) bool {
	return target == ErrUnhandledCriticalExtension
}

// CSCAError reports a certificate that cannot act as a CSCA, with the
// reason. errors.Is(err, ErrNotCSCA) holds; Err, when set, is the
// underlying error (e.g. a *CriticalExtensionError).
type CSCAError struct {
	Subject string
	Reason  string
	Err     error
}

func (e *CSCAError) Error() string {
	return fmt.Sprintf("certificate %q is not usable as a CSCA: %s", e.Subject, e.Reason)
}

// Is makes errors.Is(err, ErrNotCSCA) true.
func (e *CSCAError) Is(target error) bool { return target == ErrNotCSCA }
func (e *CSCAError) Unwrap() error        { return e.Err }

// ChainError reports a certificate that names a trusted CSCA but whose
// signature does not verify with that CSCA's key, or a CSCA that is not a
// CA.
type ChainError struct {
	Issuer string // the CSCA subject
	Err    error
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("the Document Signer certificate does not chain to CSCA %q: %v", e.Issuer, e.Err)
}
func (e *ChainError) Unwrap() error { return e.Err }

// ValidityError reports a certificate used outside its validity period.
type ValidityError struct {
	Subject             string
	NotBefore, NotAfter time.Time
	At                  time.Time
}

func (e *ValidityError) Error() string {
	state := "expired"
	if e.At.Before(e.NotBefore) {
		state = "not yet valid"
	}
	return fmt.Sprintf("certificate %q is %s at %s (valid %s to %s)", e.Subject, state,
		e.At.UTC().Format(time.DateOnly), e.NotBefore.UTC().Format(time.DateOnly), e.NotAfter.UTC().Format(time.DateOnly))
}

// RevokedError reports a certificate listed on its issuer's CRL.
type RevokedError struct {
	Subject      string
	SerialNumber *big.Int
	RevokedAt    time.Time
}

func (e *RevokedError) Error() string {
	return fmt.Sprintf("certificate %q (serial %s) was revoked on %s", e.Subject, e.SerialNumber, e.RevokedAt.UTC().Format(time.DateOnly))
}

// CRLError reports a CRL that cannot be trusted (bad signature, expired).
type CRLError struct {
	Issuer string
	Err    error
}

func (e *CRLError) Error() string {
	return fmt.Sprintf("CRL of %q cannot be used: %v", e.Issuer, e.Err)
}
func (e *CRLError) Unwrap() error { return e.Err }

// CheckCSCA says whether c can act as a CSCA, i.e. issue Document Signer
// certificates, CRLs and link certificates, and why not (a *CSCAError):
// it needs a usable public key, BasicConstraints with cA TRUE (RFC 5280
// §4.2.1.9, §6.1.4 (k); ICAO 9303-12 §7.1.1.3), keyCertSign when a
// KeyUsage extension is present (RFC 5280 §6.1.4 (n); ICAO requires the
// extension, but its absence is read as RFC 5280 reads it: no
// restriction), and no unsupported critical extension. Dates are not
// checked.
func CheckCSCA(c *Certificate) error {
	fail := func(reason string, err error) error {
		return &CSCAError{Subject: c.Subject.String(), Reason: reason, Err: err}
	}
	switch {
	case len(c.UnhandledCritical) > 0:
		err := &CriticalExtensionError{Subject: c.Subject.String(), OIDs: c.UnhandledCritical}
		return fail(fmt.Sprintf("unsupported critical extension(s) %v", c.UnhandledCritical), err)
	case c.PublicKey == nil:
		reason := "its public key is not supported"
		if c.PublicKeyError != nil {
			reason += ": " + c.PublicKeyError.Error()
		}
		return fail(reason, c.PublicKeyError)
	case !c.BasicConstraintsValid:
		return fail("it has no BasicConstraints extension (RFC 5280 §4.2.1.9)", nil)
	case !c.IsCA:
		return fail("its BasicConstraints say cA FALSE (RFC 5280 §4.2.1.9)", nil)
	case c.KeyUsagePresent && c.KeyUsage&x509.KeyUsageCertSign == 0:
		return fail("its KeyUsage lacks keyCertSign (RFC 5280 §4.2.1.3)", nil)
	}
	return nil
}

// IsSelfSigned reports whether c is issued by itself: issuer = subject
// (RFC 5280 §7.1), matching key identifiers when both are present, and a
// signature that verifies with its own key.
func IsSelfSigned(c *Certificate) bool {
	if !NamesEqual(c.RawIssuer, c.RawSubject) {
		return false
	}
	if c.AuthorityKeyID != nil && c.SubjectKeyID != nil && !bytes.Equal(c.AuthorityKeyID, c.SubjectKeyID) {
		return false
	}
	return c.CheckSignatureFrom(c) == nil
}

// names reports whether ca is the issuer cert names: same name (RFC 5280
// §7.1) and, when both are present, authority key identifier = subject
// key identifier (§4.2.1.1).
func names(cert, ca *Certificate) bool {
	if !NamesEqual(ca.RawSubject, cert.RawIssuer) {
		return false
	}
	return cert.AuthorityKeyID == nil || ca.SubjectKeyID == nil || bytes.Equal(cert.AuthorityKeyID, ca.SubjectKeyID)
}

// IsLinkCertificate recognises a CSCA link certificate (ICAO 9303-12
// §5.1.1: at a key rollover, the new CSCA key certified by the old one):
// a CA certificate, not self-signed, signed by one of the trusted CSCAs,
// which it returns.
func IsLinkCertificate(c *Certificate, trusted []*Certificate) (*Certificate, bool) {
	if CheckCSCA(c) != nil || IsSelfSigned(c) {
		return nil, false
	}
	for _, t := range trusted {
		if t.Equal(c) || !names(c, t) || CheckCSCA(t) != nil {
			continue
		}
		if c.CheckSignatureFrom(t) == nil {
			return t, true
		}
	}
	return nil, false
}

// maxChainDepth bounds the link certificates a chain may go through.
const maxChainDepth = 8

// VerifyChain builds and checks the chain of cert (a Document Signer or a
// master list signer) up to a self-signed CSCA of store, and returns it,
// cert first, trust anchor last.
//
// Every certificate above cert must come from store and pass CheckCSCA;
// each signature is verified; issuer names are compared per RFC 5280
// §7.1 and key identifiers must match when present. Between cert and the
// self-signed CSCA there may be link certificates (ICAO 9303-12 §5.1.1)
// of the store, in either direction of a rollover: a DS issued under the
// new key chains through the link certificate (new key signed by the old
// one) to the old self-signed CSCA, or through the reverse one to the
// new. A link certificate whose own issuer is not in the store is no
// anchor: the error names the CSCA to add. As all certificates above
// cert are trusted ones, pathLenConstraint is not applied between them.
//
// Errors: *CriticalExtensionError (cert or a CSCA has an unsupported
// critical extension), *UnknownIssuerError (errors.Is ErrNoTrustedIssuer),
// *ChainError (a candidate CSCA's signature does not verify or it is not
// a CSCA). When the chain is sound but a certificate of it is outside its
// validity period at time at, the chain is returned with a
// *ValidityError, so that a caller can report the dates apart from the
// chain. A cert that is itself in store is its own chain.
func VerifyChain(cert *Certificate, store []*Certificate, at time.Time) ([]*Certificate, error) {
	chain, err := buildChain(cert, store, at)
	if err != nil {
		return nil, err
	}
	for _, c := range chain {
		if err := CheckValidity(c, at); err != nil {
			return chain, err
		}
	}
	return chain, nil
}

func buildChain(cert *Certificate, store []*Certificate, at time.Time) ([]*Certificate, error) {
	if len(cert.UnhandledCritical) > 0 {
		return nil, &CriticalExtensionError{Subject: cert.Subject.String(), OIDs: cert.UnhandledCritical}
	}
	for _, c := range store {
		if c.Equal(cert) {
			// A trusted certificate vouches for itself.
			return []*Certificate{c}, nil
		}
	}
	b := &chainBuilder{store: store, at: at, sigs: map[[2]*Certificate]error{}}
	return b.extend([]*Certificate{cert})
}

// chainBuilder searches a chain, remembering the signature checks done.
type chainBuilder struct {
	store []*Certificate
	at    time.Time
	sigs  map[[2]*Certificate]error
	steps int
}

// maxChainSteps bounds the search on a store full of cross-certified
// CSCAs.
const maxChainSteps = 256

func (b *chainBuilder) signed(child, parent *Certificate) error {
	k := [2]*Certificate{child, parent}
	if err, ok := b.sigs[k]; ok {
		return err
	}
	err := child.CheckSignatureFrom(parent)
	b.sigs[k] = err
	return err
}

func (b *chainBuilder) selfSigned(c *Certificate) bool {
	if !NamesEqual(c.RawIssuer, c.RawSubject) {
		return false
	}
	if c.AuthorityKeyID != nil && c.SubjectKeyID != nil && !bytes.Equal(c.AuthorityKeyID, c.SubjectKeyID) {
		return false
	}
	return b.signed(c, c) == nil
}

// extend finds, for the last certificate of chain, an issuer in the store
// and recurses until a self-signed one.
func (b *chainBuilder) extend(chain []*Certificate) ([]*Certificate, error) {
	cert := chain[len(chain)-1]
	var cands []*Certificate
	for _, ca := range b.store {
		if !names(cert, ca) {
			continue
		}
		seen := false
		for _, c := range chain {
			seen = seen || c.Equal(ca)
		}
		if !seen {
			cands = append(cands, ca)
		}
	}
	// Prefer CSCAs valid at the check time.
	sort.SliceStable(cands, func(i, j int) bool {
		return CheckValidity(cands[i], b.at) == nil && CheckValidity(cands[j], b.at) != nil
	})
	var lastErr error
	var links []*Certificate // tried after the self-signed CSCAs
	for _, ca := range cands {
		if b.steps++; b.steps > maxChainSteps {
			return nil, &ChainError{Issuer: ca.Subject.String(), Err: errors.New("chain search gave up: too many candidate CSCAs")}
		}
		if err := b.signed(cert, ca); err != nil {
			lastErr = &ChainError{Issuer: ca.Subject.String(), Err: err}
			continue
		}
		if err := CheckCSCA(ca); err != nil {
			lastErr = &ChainError{Issuer: ca.Subject.String(), Err: err}
			continue
		}
		if b.selfSigned(ca) {
			return append(chain[:len(chain):len(chain)], ca), nil
		}
		if NamesEqual(ca.RawIssuer, ca.RawSubject) && ca.AuthorityKeyID != nil && bytes.Equal(ca.AuthorityKeyID, ca.SubjectKeyID) {
			// Issued by itself, with its own key, yet its signature does
			// not verify: a broken (or tampered) root, not a link.
			lastErr = &ChainError{Issuer: ca.Subject.String(), Err: fmt.Errorf("the CSCA's self-signature does not verify: %w", b.signed(ca, ca))}
			continue
		}
		links = append(links, ca)
	}
	for _, ca := range links {
		if len(chain) >= maxChainDepth {
			lastErr = &ChainError{Issuer: ca.Subject.String(), Err: errors.New("too many link certificates")}
			break
		}
		full, err := b.extend(append(chain[:len(chain):len(chain)], ca))
		if err == nil {
			return full, nil
		}
		lastErr = err
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, &UnknownIssuerError{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), AuthorityKeyID: cert.AuthorityKeyID}
}

// FindIssuer returns the trusted CSCA that issued cert: same issuer name
// (RFC 5280 §7.1), matching key identifiers when both are present, a
// signature that verifies and a CSCA that passes CheckCSCA. If that CSCA
// is a link certificate, it must itself chain to a self-signed CSCA of
// cscas (as VerifyChain). Dates are not checked (see CheckValidity).
// Errors are as VerifyChain's: *UnknownIssuerError (errors.Is
// ErrNoTrustedIssuer), *ChainError, *CriticalExtensionError.
func FindIssuer(cert *Certificate, cscas []*Certificate) (*Certificate, error) {
	chain, err := buildChain(cert, cscas, time.Now())
	if err != nil {
		return nil, err
	}
	if len(chain) == 1 { // cert is a trusted CSCA itself
		return chain[0], nil
	}
	return chain[1], nil
}

// CheckValidity returns a *ValidityError if at lies outside the validity
// period of c.
func CheckValidity(c *Certificate, at time.Time) error {
	if at.Before(c.NotBefore) || at.After(c.NotAfter) {
		return &ValidityError{Subject: c.Subject.String(), NotBefore: c.NotBefore, NotAfter: c.NotAfter, At: at}
	}
	return nil
}

// CheckRevocation looks cert up in the CRLs issued by issuer (name and key
// identifier match, signature verifies). It returns a *RevokedError if a
// CRL signed by issuer lists cert as revoked at time at (whatever that
// CRL's dates: a revocation is not undone); nil if a CRL valid at time at
// (RFC 5280 §6.3.3 (a)) does not list it; else, so that the caller reports
// the status as unknown rather than good, a *CRLError wrapping
// ErrCRLStale, ErrCRLNotYetValid or ErrCRLNoNextUpdate when the only
// usable CRLs are outside their validity, a *CRLError wrapping the
// signature error or ErrCRLUnhandledCritical when every CRL of issuer is
// unusable, or ErrNoCRL.
func CheckRevocation(cert, issuer *Certificate, crls []*CRL, at time.Time) error {
	var sigErr, timeErr error
	fresh := false
	for _, crl := range crls {
		if !crl.issuedBy(issuer) {
			continue
		}
		if err := crl.CheckSignatureFrom(issuer); err != nil {
			sigErr = &CRLError{Issuer: issuer.Subject.String(), Err: err}
			continue
		}
		if len(crl.UnhandledCritical) > 0 {
			sigErr = &CRLError{Issuer: issuer.Subject.String(), Err: fmt.Errorf("%w: %v", ErrCRLUnhandledCritical, crl.UnhandledCritical)}
			continue
		}
		for _, r := range crl.Revoked {
			if r.SerialNumber.Cmp(cert.SerialNumber) == 0 && !r.RevocationTime.After(at) {
				return &RevokedError{Subject: cert.Subject.String(), SerialNumber: cert.SerialNumber, RevokedAt: r.RevocationTime}
			}
		}
		if err := crl.CheckTime(at); err != nil {
			timeErr = err
			continue
		}
		fresh = true
	}
	switch {
	case fresh:
		return nil
	case timeErr != nil:
		return timeErr
	case sigErr != nil:
		return sigErr
	}
	return ErrNoCRL
}

// RevocationUnknown reports a CheckRevocation result that leaves the
// revocation status unknown — no CRL of the issuer, or none that is
// current (stale, not yet valid, without nextUpdate) — as opposed to a
// revoked certificate or an unusable CRL. ICAO 9303-12 §7.1.4: an unknown
// status is not a pass; the verifier's policy decides.
func RevocationUnknown(err error) bool {
	return errors.Is(err, ErrNoCRL) || errors.Is(err, ErrCRLStale) || errors.Is(err, ErrCRLNotYetValid) || errors.Is(err, ErrCRLNoNextUpdate)
}
