package cvc

import (
	"crypto"
	"errors"
	"fmt"
	"time"
)

// ValidateOptions tunes ValidateChain.
type ValidateOptions struct {
	// Require lists access rights (id-IS) the effective authorization
	// must grant, e.g. ReadDG3 before reading fingerprints; a missing one
	// fails with ErrAccessRight naming the first certificate of the chain
	// that withholds it.
	Require AccessRights
}

// ChainResult is what the chip holds after validating a chain: the
// terminal's key for EXTERNAL AUTHENTICATE and what it may read.
type ChainResult struct {
	Terminal     *Certificate
	PublicKey    crypto.PublicKey // the terminal key on the chain's domain parameters
	Algorithm    Algorithm        // the terminal key's algorithm: that of its TA signature
	DomainParams *DomainParams    // inherited from the CVCA; nil for RSA
	// Authorization is the effective authorization: the bitwise AND of
	// the CHATs of the CVCA, DV and terminal certificates (TR-03110 part 3
	// §2.7), and Rights its id-IS access rights.
	Authorization CHAT
	Rights        AccessRights
	// CurrentDate is the chip's current date after the chain.
	CurrentDate time.Time
	// TrustPoint is the most recent CVCA certificate: the given trust
	// point or the last CVCA link certificate of the chain, which the chip
	// now stores (TR-03110 part 3 §2.5.1 step 2).
	TrustPoint *Certificate
	// Accurate reports a terminal certificate issued by an official
	// domestic DV, whose effective date the chip trusts (§2.5).
	Accurate bool
}

// ValidateChain validates a chain the way an ICC without a clock does in
// Terminal Authentication (TR-03110 part 3 §2.5, §2.7; ICAO Doc 9303-11
// §7.1.4.3): starting at trustPoint, a CVCA certificate stored on the
// chip, with the chip's currentDate, it takes chain = [CVCA link
// certificates..., DV certificate, terminal certificate] and for each
// certificate in turn
//
//   - checks its CAR is the CHR of the key that verifies it (the trust
//     point, the last link certificate or the DV),
//   - checks its role fits its place (CVCA link → DV domestic or foreign →
//     terminal) and its terminal type is the trust point's,
//   - verifies the signature, with the CVCA's domain parameters for keys
//     that carry none,
//   - refuses it when it is a DV or terminal certificate that expired
//     before the current date (link certificates may be expired; an
//     expired trust point does not verify DV certificates),
//   - raises the current date to its effective date when it is a CVCA
//     link certificate, a DV certificate, or an accurate terminal
//     certificate (one issued by an official domestic DV).
//
// Errors are *ChainError naming the certificate that failed.
func ValidateChain(trustPoint *Certificate, currentDate time.Time, chain []*Certificate, opts ValidateOptions) (*ChainResult, error) {
	if trustPoint == nil {
		return nil, &ChainError{Index: -1, Err: ErrUnknownCAR, Detail: "no trust point"}
	}
	tpFail := func(err error, format string, args ...any) error {
		return &ChainError{Index: -1, CHR: trustPoint.CHR.String(), Err: err, Detail: fmt.Sprintf(format, args...)}
	}
	if trustPoint.Role() != RoleCVCA {
		return nil, tpFail(ErrWrongRole, "the trust point's role is %s, not CVCA", trustPoint.Role())
	}
	if trustPoint.PublicKey.Algorithm.IsECDSA() && trustPoint.PublicKey.Params == nil {
		return nil, tpFail(ErrNoDomainParameters, "the trust point must carry the chain's domain parameters")
	}
	if len(chain) == 0 {
		return nil, tpFail(ErrEmptyChain, "no certificate to verify")
	}

	const (
		underCVCA = iota // the next certificate is verified by a CVCA key
		underDV          // by the DV key
		done             // the terminal certificate has been verified
	)
	cur := Day(currentDate)
	stage := underCVCA
	cvca, cvcaIndex := trustPoint, -1 // the CVCA key in use
	params := trustPoint.PublicKey.Params
	var dv, term *Certificate
	dvIndex, termIndex := 0, 0

	for i, c := range chain {
		fail := func(err error, format string, args ...any) error {
			return &ChainError{Index: i, CHR: c.CHR.String(), Err: err, Detail: fmt.Sprintf(format, args...)}
		}
		if c == nil {
			return nil, &ChainError{Index: i, Err: ErrMalformed, Detail: "nil certificate"}
		}
		if stage == done {
			return nil, fail(ErrWrongRole, "a certificate after the terminal certificate %s", term.CHR)
		}
		issuer := cvca
		if stage == underDV {
			issuer = dv
		}
		if c.CAR != issuer.CHR {
			return nil, fail(ErrUnknownCAR, "CAR %s, but the verifying key is %s", c.CAR, issuer.CHR)
		}
		if !c.CHAT.Type.Equal(trustPoint.CHAT.Type) {
			return nil, fail(ErrWrongRole, "terminal type %s, the trust point's is %s", c.CHAT.Type, trustPoint.CHAT.Type)
		}
		role := c.Role()
		switch {
		case stage == underCVCA && role == RoleCVCA: // link certificate
		case stage == underCVCA && role.IsDV():
			// TR-03110 part 3 §2.5.1: expired trust points must not verify
			// DV certificates.
			if cvca.ExpiredAt(cur) {
				return nil, &ChainError{Index: cvcaIndex, CHR: cvca.CHR.String(), Err: ErrExpired,
					Detail: fmt.Sprintf("the CVCA key expired on %s, before the current date %s, and cannot verify the DV certificate %s",
						cvca.ExpirationDate.Format(time.DateOnly), cur.Format(time.DateOnly), c.CHR)}
			}
		case stage == underCVCA:
			return nil, fail(ErrWrongRole, "a %s certificate issued by the CVCA; want a CVCA link or DV certificate", role)
		case stage == underDV && role != RoleTerminal:
			return nil, fail(ErrWrongRole, "a %s certificate issued by the DV; want a terminal certificate", role)
		}
		if err := c.CheckSignature(&issuer.PublicKey, params); err != nil {
			return nil, fail(sentinel(err), "signature by %s: %v", issuer.CHR, err)
		}
		if role != RoleCVCA && c.ExpiredAt(cur) {
			return nil, fail(ErrExpired, "expired on %s, before the current date %s",
				c.ExpirationDate.Format(time.DateOnly), cur.Format(time.DateOnly))
		}
		accurate := role == RoleCVCA || role.IsDV() || role == RoleTerminal && dv.Role() == RoleDVDomestic
		if accurate && c.EffectiveDate.After(cur) {
			cur = c.EffectiveDate
		}
		switch {
		case role == RoleCVCA:
			cvca, cvcaIndex = c, i
			if c.PublicKey.Params != nil {
				params = c.PublicKey.Params // a link certificate may switch parameters (§2.3)
			}
		case role.IsDV():
			dv, dvIndex, stage = c, i, underDV
		default:
			term, termIndex, stage = c, i, done
		}
	}
	if stage != done {
		last := chain[len(chain)-1]
		return nil, &ChainError{Index: len(chain) - 1, CHR: last.CHR.String(), Err: ErrWrongRole,
			Detail: "the chain ends without a terminal certificate"}
	}

	// Effective authorization (TR-03110 part 3 §2.7).
	links := []struct {
		c *Certificate
		i int
	}{{cvca, cvcaIndex}, {dv, dvIndex}, {term, termIndex}}
	eff := cvca.CHAT
	for _, l := range links[1:] {
		var ok bool
		if eff, ok = eff.Intersect(l.c.CHAT); !ok {
			return nil, &ChainError{Index: l.i, CHR: l.c.CHR.String(), Err: ErrWrongRole,
				Detail: fmt.Sprintf("relative authorization of %d octets, the CVCA's has %d", len(l.c.CHAT.Authorization), len(cvca.CHAT.Authorization))}
		}
	}
	if missing := opts.Require &^ eff.Rights(); missing != 0 {
		for _, l := range links {
			if lacks := missing &^ l.c.CHAT.Rights(); lacks != 0 {
				return nil, &ChainError{Index: l.i, CHR: l.c.CHR.String(), Err: ErrAccessRight,
					Detail: fmt.Sprintf("%s withholds %s", l.c.Role(), lacks)}
			}
		}
	}
	pub, err := term.PublicKey.CryptoPublicKey(params)
	if err != nil {
		return nil, &ChainError{Index: termIndex, CHR: term.CHR.String(), Err: sentinel(err), Detail: err.Error()}
	}
	res := &ChainResult{
		Terminal:      term,
		PublicKey:     pub,
		Algorithm:     term.PublicKey.Algorithm,
		Authorization: eff,
		Rights:        eff.Rights(),
		CurrentDate:   cur,
		TrustPoint:    cvca,
		Accurate:      dv.Role() == RoleDVDomestic,
	}
	if term.PublicKey.Algorithm.IsECDSA() {
		res.DomainParams = term.PublicKey.EffectiveParams(params)
	}
	return res, nil
}

// sentinel picks the package error an error wraps, for ChainError.Err.
func sentinel(err error) error {
	for _, s := range []error{ErrBadSignature, ErrNoDomainParameters, ErrUnsupported, ErrMalformed} {
		if errors.Is(err, s) {
			return s
		}
	}
	return ErrBadSignature
}
