package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// The DS certificate checks of passive authentication (ICAO 9303-11 §5.1,
// 9303-12 §4). Each returns its own error type so a verifier can report
// them one per line and tell them apart with errors.As / errors.Is.

// ErrNoTrustedIssuer is returned when no trusted CSCA has the DS
// certificate's issuer name (and authority key identifier).
var ErrNoTrustedIssuer = errors.New("no trusted CSCA certificate issued this Document Signer certificate")

// ErrNoCRL is returned when no CRL of the issuing CSCA is available: the
// revocation status is unknown (a warning, not proof of revocation).
var ErrNoCRL = errors.New("no CRL from the issuing CSCA: revocation status unknown")

// ChainError reports a DS certificate that names a trusted CSCA but whose
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

// FindIssuer returns the trusted CSCA that issued cert: same issuer name,
// matching key identifiers when both are present, and a signature that
// verifies. It returns ErrNoTrustedIssuer or a *ChainError.
func FindIssuer(cert *Certificate, cscas []*Certificate) (*Certificate, error) {
	var lastErr error
	for _, ca := range cscas {
		if !bytes.Equal(ca.RawSubject, cert.RawIssuer) {
			continue
		}
		if cert.AuthorityKeyID != nil && ca.SubjectKeyID != nil && !bytes.Equal(cert.AuthorityKeyID, ca.SubjectKeyID) {
			continue
		}
		if err := cert.CheckSignatureFrom(ca); err != nil {
			lastErr = &ChainError{Issuer: ca.Subject.String(), Err: err}
			continue
		}
		if ca.BasicConstraintsValid && !ca.IsCA || ca.KeyUsage != 0 && ca.KeyUsage&x509.KeyUsageCertSign == 0 {
			lastErr = &ChainError{Issuer: ca.Subject.String(), Err: errors.New("the CSCA certificate is not allowed to sign certificates")}
			continue
		}
		return ca, nil
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, ErrNoTrustedIssuer
}

// CheckValidity returns a *ValidityError if at lies outside the validity
// period of c.
func CheckValidity(c *Certificate, at time.Time) error {
	if at.Before(c.NotBefore) || at.After(c.NotAfter) {
		return &ValidityError{Subject: c.Subject.String(), NotBefore: c.NotBefore, NotAfter: c.NotAfter, At: at}
	}
	return nil
}

// CheckRevocation looks cert up in the CRLs issued by issuer. It returns
// nil (not revoked per a valid CRL), a *RevokedError, a *CRLError (every
// CRL of that issuer is unusable) or ErrNoCRL.
func CheckRevocation(cert, issuer *Certificate, crls []*CRL, at time.Time) error {
	var crlErr error
	found := false
	for _, crl := range crls {
		if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
			continue
		}
		if err := crl.CheckSignatureFrom(issuer); err != nil {
			crlErr = &CRLError{Issuer: issuer.Subject.String(), Err: err}
			continue
		}
		found = true
		for _, r := range crl.Revoked {
			if r.SerialNumber.Cmp(cert.SerialNumber) == 0 && !r.RevocationTime.After(at) {
				return &RevokedError{Subject: cert.Subject.String(), SerialNumber: cert.SerialNumber, RevokedAt: r.RevocationTime}
			}
		}
	}
	if found {
		return nil
	}
	if crlErr != nil {
		return crlErr
	}
	return ErrNoCRL
}
