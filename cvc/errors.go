package cvc

import (
	"errors"
	"fmt"
	"strings"
)

// ErrMalformed is wrapped by every ParseError.
var ErrMalformed = errors.New("cvc: malformed CV data")

// ParseError reports bytes that are not a CV certificate, request or one
// of their data objects as TR-03110 part 3 Appendix C and D define them.
type ParseError struct {
	Object string // the data object, e.g. "certificate body (7F4E)"
	Reason string
}

func (e *ParseError) Error() string { return "cvc: " + e.Object + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrMalformed) hold.
func (e *ParseError) Unwrap() error { return ErrMalformed }

func malformed(object, format string, args ...any) error {
	return &ParseError{Object: object, Reason: fmt.Sprintf(format, args...)}
}

// Sentinel errors of signing, verification and chain validation; a
// ChainError wraps one of them.
var (
	// ErrUnknownCAR: a certificate's Certification Authority Reference is
	// not the Certificate Holder Reference of the key that must verify it
	// (unknown trust point, or a broken chain; TR-03110 part 3 §C.1.2).
	ErrUnknownCAR = errors.New("cvc: certification authority reference does not name the issuer")
	// ErrExpired: a DV or terminal certificate, or the trust point used to
	// verify a DV certificate, expired before the chip's current date
	// (TR-03110 part 3 §2.5).
	ErrExpired = errors.New("cvc: certificate expired")
	// ErrBadSignature: the signature does not verify.
	ErrBadSignature = errors.New("cvc: signature does not verify")
	// ErrWrongRole: a certificate's role (CHAT) does not fit its place in
	// the chain CVCA → DV → terminal, or its terminal type differs from
	// the trust point's (TR-03110 part 3 §2.7).
	ErrWrongRole = errors.New("cvc: certificate role out of order")
	// ErrAccessRight: the effective authorization lacks a required right.
	ErrAccessRight = errors.New("cvc: access right not granted")
	// ErrNoDomainParameters: an EC key has no domain parameters and none
	// were inherited (TR-03110 part 3 §D.3.3).
	ErrNoDomainParameters = errors.New("cvc: EC public key without domain parameters")
	// ErrUnsupported: an algorithm, curve or key type this package does
	// not implement.
	ErrUnsupported = errors.New("cvc: unsupported algorithm, curve or key")
	// ErrEmptyChain: no certificate to validate.
	ErrEmptyChain = errors.New("cvc: empty certificate chain")
)

// ChainError names the certificate of a chain that failed validation and
// why; errors.Is(err, ErrExpired) and the like tell the reason.
type ChainError struct {
	Index  int    // position in the chain given to ValidateChain; -1 for the trust point
	CHR    string // Certificate Holder Reference of that certificate
	Err    error  // one of the sentinel errors above
	Detail string // what exactly, for people
}

func (e *ChainError) Error() string {
	where := fmt.Sprintf("certificate %d", e.Index)
	if e.Index < 0 {
		where = "trust point"
	}
	if e.CHR != "" {
		where += " (" + e.CHR + ")"
	}
	msg := "cvc: " + where + ": " + strings.TrimPrefix(e.Err.Error(), "cvc: ")
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *ChainError) Unwrap() error { return e.Err }
