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
// Errors are *ChainError naming the certificate that failed. A chip that
// receives the certificates one PSO:Verify Certificate at a time uses a
// Validator, which makes the same checks.
func ValidateChain(trustPoint *Certificate, currentDate time.Time, chain []*Certificate, opts ValidateOptions) (*ChainResult, error) {
	v, err := NewValidator(trustPoint, currentDate)
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, &ChainError{Index: -1, CHR: trustPoint.CHR.String(), Err: ErrEmptyChain, Detail: "no certificate to verify"}
	}
	for _, c := range chain {
		if err := v.Add(c); err != nil {
			return nil, err
		}
	}
	return v.Result(opts)
}

// Validator is ValidateChain one certificate at a time, as a chip runs it
// over the PSO:Verify Certificate commands of Terminal Authentication
// (TR-03110 part 3 §2.5; ICAO Doc 9303-11 §7.1.4.3): the terminal names
// the verifying key with MSE:Set DST (Next), sends a certificate (Add),
// and the chip's current date and trust point move as each one is
// accepted (CurrentDate, TrustPoint). A failed Add leaves the Validator
// as it was before it.
type Validator struct {
	trustPoint *Certificate
	cur        time.Time
	stage      int
	cvca       *Certificate // the CVCA key in use
	cvcaIndex  int
	params     *DomainParams
	dv, term   *Certificate
	dvIndex    int
	termIndex  int
	n          int // certificates accepted
}

const (
	underCVCA = iota // the next certificate is verified by a CVCA key
	underDV          // by the DV key
	done             // the terminal certificate has been verified
)

// NewValidator starts a validation at trustPoint, a CVCA certificate the
// chip stores, with the chip's current date.
func NewValidator(trustPoint *Certificate, currentDate time.Time) (*Validator, error) {
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
	return &Validator{trustPoint: trustPoint, cur: Day(currentDate), stage: underCVCA, cvca: trustPoint, cvcaIndex: -1,
		params: trustPoint.PublicKey.Params}, nil
}

// Next is the Certificate Holder Reference of the key that verifies the
// next certificate: the one MSE:Set DST must name. It is empty once the
// terminal certificate has been accepted.
func (v *Validator) Next() Reference {
	switch v.stage {
	case underCVCA:
		return v.cvca.CHR
	case underDV:
		return v.dv.CHR
	}
	return ""
}

// CurrentDate is the chip's current date after the certificates accepted
// so far.
func (v *Validator) CurrentDate() time.Time { return v.cur }

// TrustPoint is the most recent CVCA certificate: the starting trust point
// or the last CVCA link certificate accepted, which the chip then stores
// (TR-03110 part 3 §2.5.1 step 2).
func (v *Validator) TrustPoint() *Certificate { return v.cvca }

// Terminal is the terminal certificate once accepted, else nil.
func (v *Validator) Terminal() *Certificate { return v.term }

// Add verifies the next certificate of the chain (see ValidateChain).
func (v *Validator) Add(c *Certificate) error {
	i := v.n
	if c == nil {
		return &ChainError{Index: i, Err: ErrMalformed, Detail: "nil certificate"}
	}
	fail := func(err error, format string, args ...any) error {
		return &ChainError{Index: i, CHR: c.CHR.String(), Err: err, Detail: fmt.Sprintf(format, args...)}
	}
	if v.stage == done {
		return fail(ErrWrongRole, "a certificate after the terminal certificate %s", v.term.CHR)
	}
	issuer := v.cvca
	if v.stage == underDV {
		issuer = v.dv
	}
	if c.CAR != issuer.CHR {
		return fail(ErrUnknownCAR, "CAR %s, but the verifying key is %s", c.CAR, issuer.CHR)
	}
	if !c.CHAT.Type.Equal(v.trustPoint.CHAT.Type) {
		return fail(ErrWrongRole, "terminal type %s, the trust point's is %s", c.CHAT.Type, v.trustPoint.CHAT.Type)
	}
	role := c.Role()
	switch {
	case v.stage == underCVCA && role == RoleCVCA: // link certificate
	case v.stage == underCVCA && role.IsDV():
		// TR-03110 part 3 §2.5.1: expired trust points must not verify
		// DV certificates.
		if v.cvca.ExpiredAt(v.cur) {
			return &ChainError{Index: v.cvcaIndex, CHR: v.cvca.CHR.String(), Err: ErrExpired,
				Detail: fmt.Sprintf("the CVCA key expired on %s, before the current date %s, and cannot verify the DV certificate %s",
					v.cvca.ExpirationDate.Format(time.DateOnly), v.cur.Format(time.DateOnly), c.CHR)}
		}
	case v.stage == underCVCA:
		return fail(ErrWrongRole, "a %s certificate issued by the CVCA; want a CVCA link or DV certificate", role)
	case v.stage == underDV && role != RoleTerminal:
		return fail(ErrWrongRole, "a %s certificate issued by the DV; want a terminal certificate", role)
	}
	if err := c.CheckSignature(&issuer.PublicKey, v.params); err != nil {
		return fail(sentinel(err), "signature by %s: %v", issuer.CHR, err)
	}
	if role != RoleCVCA && c.ExpiredAt(v.cur) {
		return fail(ErrExpired, "expired on %s, before the current date %s",
			c.ExpirationDate.Format(time.DateOnly), v.cur.Format(time.DateOnly))
	}
	accurate := role == RoleCVCA || role.IsDV() || role == RoleTerminal && v.dv.Role() == RoleDVDomestic
	if accurate && c.EffectiveDate.After(v.cur) {
		v.cur = c.EffectiveDate
	}
	switch {
	case role == RoleCVCA:
		v.cvca, v.cvcaIndex = c, i
		if c.PublicKey.Params != nil {
			v.params = c.PublicKey.Params // a link certificate may switch parameters (§2.3)
		}
	case role.IsDV():
		v.dv, v.dvIndex, v.stage = c, i, underDV
	default:
		v.term, v.termIndex, v.stage = c, i, done
	}
	v.n++
	return nil
}

// Result is the outcome once the terminal certificate is accepted: the
// effective authorization (TR-03110 part 3 §2.7) checked against
// opts.Require, and the terminal's key.
func (v *Validator) Result(opts ValidateOptions) (*ChainResult, error) {
	if v.stage != done {
		if v.n == 0 {
			return nil, &ChainError{Index: -1, CHR: v.trustPoint.CHR.String(), Err: ErrEmptyChain, Detail: "no certificate to verify"}
		}
		last := v.dv
		if last == nil {
			last = v.cvca
		}
		return nil, &ChainError{Index: v.n - 1, CHR: last.CHR.String(), Err: ErrWrongRole,
			Detail: "the chain ends without a terminal certificate"}
	}
	cvca, dv, term := v.cvca, v.dv, v.term

	// Effective authorization (TR-03110 part 3 §2.7).
	links := []struct {
		c *Certificate
		i int
	}{{cvca, v.cvcaIndex}, {dv, v.dvIndex}, {term, v.termIndex}}
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
	pub, err := term.PublicKey.CryptoPublicKey(v.params)
	if err != nil {
		return nil, &ChainError{Index: v.termIndex, CHR: term.CHR.String(), Err: sentinel(err), Detail: err.Error()}
	}
	res := &ChainResult{
		Terminal:      term,
		PublicKey:     pub,
		Algorithm:     term.PublicKey.Algorithm,
		Authorization: eff,
		Rights:        eff.Rights(),
		CurrentDate:   v.cur,
		TrustPoint:    cvca,
		Accurate:      dv.Role() == RoleDVDomestic,
	}
	if term.PublicKey.Algorithm.IsECDSA() {
		res.DomainParams = term.PublicKey.EffectiveParams(v.params)
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
