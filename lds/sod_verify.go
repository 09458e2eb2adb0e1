package lds

import (
	"bytes"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cccd-vn/cccd/internal/cms"
	"github.com/cccd-vn/cccd/pki"
)

// Passive authentication (ICAO 9303-11 §5.1): each check of EF.SOD is
// reported on its own, with its own error, so a verifier can print one
// line per check and tell failures apart with errors.Is / errors.As.

// ErrDGHashMismatch matches every *DGHashError.
var ErrDGHashMismatch = errors.New("data group hash mismatch")

// DGHashError names the data group whose hash differs from the SOD's.
type DGHashError struct {
	DG int
}

func (e *DGHashError) Error() string {
	return fmt.Sprintf("DG%d does not match its hash in EF.SOD: the data group was altered", e.DG)
}

// Is makes errors.Is(err, ErrDGHashMismatch) true.
func (e *DGHashError) Is(t error) bool { return t == ErrDGHashMismatch }

// ErrDGNotInSOD is returned for a data group read from the chip but not
// listed in EF.SOD: it cannot be trusted.
var ErrDGNotInSOD = errors.New("data group is not listed in EF.SOD")

// ErrMessageDigestMismatch: the message-digest attribute does not match
// the hash of the security object (the content was replaced).
var ErrMessageDigestMismatch = errors.New("EF.SOD message-digest attribute does not match the LDS security object")

// ErrContentTypeMismatch: the content-type attribute differs from the
// eContentType, or is missing.
var ErrContentTypeMismatch = errors.New("EF.SOD content-type attribute does not match its content")

// ErrSODSignature: the Document Signer's signature does not verify.
var ErrSODSignature = errors.New("EF.SOD signature does not verify with the Document Signer key")

// ErrNoDSCertificate: the SOD carries no certificate matching its signer
// and none was supplied.
var ErrNoDSCertificate = errors.New("EF.SOD names a Document Signer certificate that is neither embedded nor supplied")

// ErrDSKeyUsage: the signer's certificate is a CA or lacks the
// digitalSignature key usage, so it is no Document Signer certificate.
var ErrDSKeyUsage = errors.New("the signer certificate is not a Document Signer certificate (CA, or no digitalSignature key usage)")

// SODAlgorithmError wraps an algorithm this package cannot check
// (digest, signature or key).
type SODAlgorithmError struct{ Err error }

func (e *SODAlgorithmError) Error() string { return "EF.SOD: " + e.Err.Error() }
func (e *SODAlgorithmError) Unwrap() error { return e.Err }

// Trust is what passive authentication checks the Document Signer
// against.
type Trust struct {
	CSCAs []*pki.Certificate
	CRLs  []*pki.CRL
	// DocumentSigners supplies DS certificates for SODs that do not embed
	// theirs.
	DocumentSigners []*pki.Certificate
}

// DGStatus is the outcome of one data group's hash check.
type DGStatus int

// Data-group check outcomes.
const (
	DGVerified DGStatus = iota // the file's hash matches EF.SOD
	DGMismatch                 // it does not: DGHashError
	DGNotRead                  // listed in EF.SOD but not supplied (e.g. DG3 behind EAC)
	DGNotInSOD                 // supplied but not listed in EF.SOD
)

func (s DGStatus) String() string {
	return [...]string{"verified", "hash mismatch", "not read", "not in EF.SOD"}[s]
}

// DGCheck is the hash check of one data group.
type DGCheck struct {
	DG     int
	Status DGStatus
	Err    error // nil for DGVerified and DGNotRead
}

// SODReport holds every check of passive authentication. A nil error is a
// passed check. Checks that could not run because an earlier one failed
// carry that reason.
type SODReport struct {
	DataGroups []DGCheck
	// ContentType: content-type attribute vs eContentType.
	ContentType error
	// MessageDigest: message-digest attribute vs the security object.
	MessageDigest error
	// Signature: the DS signature over the signed attributes.
	Signature error
	// Chain: the DS certificate is issued by a trusted CSCA.
	Chain error
	// Validity: DS (and CSCA) certificate validity at the given time.
	Validity error
	// Revocation: the DS certificate against the CSCA's CRLs;
	// pki.RevocationUnknown(err) means unknown, not revoked.
	Revocation error

	DocumentSigner *pki.Certificate
	// SignerMatch says how the DS certificate was found: identified by
	// the SignerInfo, or the single embedded certificate.
	SignerMatch pki.SignerMatch
	// CSCA is the trust anchor; ChainCertificates the chain from the DS
	// to it (link certificates between).
	CSCA              *pki.Certificate
	ChainCertificates []*pki.Certificate
}

// Err returns the failed checks joined, or nil when the SOD is genuine.
// An unknown revocation status (pki.RevocationUnknown) is not a failure.
func (r *SODReport) Err() error {
	var errs []error
	for _, d := range r.DataGroups {
		if d.Status == DGMismatch || d.Status == DGNotInSOD {
			errs = append(errs, d.Err)
		}
	}
	for _, e := range []error{r.ContentType, r.MessageDigest, r.Signature, r.Chain, r.Validity} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if r.Revocation != nil && !pki.RevocationUnknown(r.Revocation) {
		errs = append(errs, r.Revocation)
	}
	return errors.Join(errs...)
}

// CheckDataGroups compares each supplied data-group file (number → bytes)
// with its hash in the security object.
func (o *LDSSecurityObject) CheckDataGroups(dgs map[int][]byte) []DGCheck {
	var out []DGCheck
	listed := map[int]bool{}
	for _, h := range o.DataGroupHashes {
		listed[h.Number] = true
		file, ok := dgs[h.Number]
		if !ok {
			out = append(out, DGCheck{DG: h.Number, Status: DGNotRead})
			continue
		}
		d := o.HashAlgorithm.New()
		d.Write(file)
		if subtle.ConstantTimeCompare(d.Sum(nil), h.Hash) != 1 {
			out = append(out, DGCheck{DG: h.Number, Status: DGMismatch, Err: &DGHashError{DG: h.Number}})
			continue
		}
		out = append(out, DGCheck{DG: h.Number, Status: DGVerified})
	}
	for n := range dgs {
		if !listed[n] {
			out = append(out, DGCheck{DG: n, Status: DGNotInSOD, Err: fmt.Errorf("DG%d: %w", n, ErrDGNotInSOD)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DG < out[j].DG })
	return out
}

// Verify runs passive authentication (of the first SignerInfo, the only
// one an EF.SOD has): the data-group hashes, the
// content-type and message-digest attributes, the signature, the DS
// certificate's chain to a trusted CSCA, its validity at time at, and its
// revocation status.
func (s *SOD) Verify(dgs map[int][]byte, trust Trust, at time.Time) *SODReport {
	r := &SODReport{DataGroups: s.Object.CheckDataGroups(dgs)}
	si := &s.signed.SignerInfos[0]

	// Signed attributes (RFC 5652 §5.4, §11).
	if ct, err := si.ContentTypeAttr(); err != nil || !ct.Equal(s.signed.ContentType) {
		r.ContentType = ErrContentTypeMismatch
	}
	h, err := si.DigestHash()
	if err != nil {
		r.MessageDigest = &SODAlgorithmError{Err: err}
	} else if md, err := si.MessageDigest(); err != nil {
		r.MessageDigest = fmt.Errorf("%w: %v", ErrMessageDigestMismatch, err)
	} else {
		d := h.New()
		d.Write(s.signed.Content)
		if !bytes.Equal(d.Sum(nil), md) {
			r.MessageDigest = ErrMessageDigestMismatch
		}
	}

	// The DS certificate: the one the SignerInfo names (issuer names
	// compared by meaning, RFC 5280 §7.1), embedded or supplied; else the
	// single embedded certificate, as gmrtd and JMRTD do (its signature
	// decides).
	ds, match := pki.FindSignerCertificate(si, s.Certificates, trust.DocumentSigners)
	r.DocumentSigner, r.SignerMatch = ds, match
	if ds == nil {
		r.Signature, r.Chain, r.Validity, r.Revocation = ErrNoDSCertificate, ErrNoDSCertificate, ErrNoDSCertificate, ErrNoDSCertificate
		return r
	}
	if ds.PublicKey == nil {
		r.Signature = &SODAlgorithmError{Err: pki.ErrUnsupportedKey}
	} else if err := si.VerifySignature(ds.PublicKey, s.signed.Content); err != nil {
		var ua *cms.UnsupportedAlgorithmError
		if errors.As(err, &ua) {
			r.Signature = &SODAlgorithmError{Err: err}
		} else {
			r.Signature = fmt.Errorf("%w (%v)", ErrSODSignature, err)
		}
	}

	// The chain: the DS up to a self-signed CSCA of the trust store,
	// through link certificates at a rollover (ICAO 9303-12 §5.1.1); an
	// unknown critical extension anywhere breaks it. Dates are reported
	// apart (Validity).
	var csca *pki.Certificate
	chain, err := pki.VerifyChain(ds, trust.CSCAs, at)
	var verr *pki.ValidityError
	if errors.As(err, &verr) {
		r.Validity, err = err, nil
	}
	if err == nil && len(chain) > 1 {
		csca = chain[len(chain)-1]
	} else if err == nil {
		err = &pki.ChainError{Issuer: ds.Issuer.String(), Err: errors.New("the Document Signer certificate is itself in the trust store; a CSCA must issue it")}
	}
	r.Chain, r.CSCA, r.ChainCertificates = err, csca, chain
	if err == nil && (ds.IsCA || ds.KeyUsage != 0 && ds.KeyUsage&x509.KeyUsageDigitalSignature == 0) {
		// ICAO 9303-12 §7.1.1.3: a Document Signer certificate is an end
		// entity with digitalSignature.
		r.Chain = &pki.ChainError{Issuer: csca.Subject.String(), Err: ErrDSKeyUsage}
	}
	if r.Validity == nil {
		if err := pki.CheckValidity(ds, at); err != nil {
			r.Validity = err
		} else if csca != nil {
			r.Validity = pki.CheckValidity(csca, at)
		}
	}
	if csca != nil {
		// The CRL is the one of the CSCA that issued the DS (the
		// certificate above it in the chain).
		r.Revocation = pki.CheckRevocation(ds, chain[1], trust.CRLs, at)
	} else {
		r.Revocation = fmt.Errorf("not checked: %w", err)
	}
	return r
}
