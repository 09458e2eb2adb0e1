package chip

import (
	"errors"
	"io"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/cvc"
)

// The chip side of Terminal Authentication (ICAO Doc 9303-11 §7.1.4, BSI
// TR-03110 part 3 §2.5 and §B.3), for the emulated card. The chip has no
// clock: its current date is the latest effective date of the CVCA link,
// DV and accurate terminal certificates it has accepted (and, at first,
// that of its trust point). It holds one or two trust points — CVCA
// certificates — and moves to a new CVCA when a link certificate verifies.
//
// Status words (ISO/IEC 7816-4 §5.6): 6A88 a key MSE:Set DST or MSE:Set AT
// names that the chip does not hold; 6A80 a certificate that does not
// parse; 6984 (reference data not usable) a certificate whose signature,
// role or dates do not hold, as the PersoSim simulator answers; 6300
// (authentication failed) a terminal signature that does not verify; 6985
// a command out of order (no key selected, no challenge).

// swRefDataNotUsable is 6984, reference data not usable (ISO/IEC 7816-4).
const swRefDataNotUsable apdu.SW = 0x6984

// MaxTrustPoints is how many CVCA certificates the chip keeps (the two
// slots of the JMRTD applet's PUT DATA 64).
const MaxTrustPoints = 2

// TAChip is the chip side of Terminal Authentication in one secure
// messaging session after Chip Authentication.
type TAChip struct {
	trustPoints []*cvc.Certificate
	date        time.Time
	idPICC      []byte
	comp        []byte // Comp(PK_PCD), the terminal's chip authentication key
	rnd         io.Reader

	v        *cvc.Validator   // the chain being verified
	selected bool             // MSE:Set DST named the key that verifies the next certificate
	result   *cvc.ChainResult // once the terminal certificate is accepted
	atSet    bool             // MSE:Set AT selected the terminal's key
	rPICC    []byte           // the challenge of GET CHALLENGE
	rights   cvc.AccessRights // granted by EXTERNAL AUTHENTICATE
	done     bool
	changed  bool
}

// NewTAChip prepares Terminal Authentication for a session: the chip's
// trust points and current date, ID_PICC (the chip's identity in the
// session's access control) and the terminal's ephemeral key of Chip
// Authentication (uncompressed point); rnd gives the challenges.
func NewTAChip(trustPoints []*cvc.Certificate, currentDate time.Time, idPICC, terminalCAKey []byte, rnd io.Reader) (*TAChip, error) {
	if len(trustPoints) == 0 {
		return nil, errors.New("terminal authentication: the chip has no trust point")
	}
	comp, err := cvc.CompressECPoint(terminalCAKey)
	if err != nil {
		return nil, err
	}
	return &TAChip{trustPoints: append([]*cvc.Certificate(nil), trustPoints...), date: cvc.Day(currentDate),
		idPICC: append([]byte(nil), idPICC...), comp: comp, rnd: rnd}, nil
}

// Rights are the access rights granted: none until EXTERNAL AUTHENTICATE
// succeeds.
func (t *TAChip) Rights() cvc.AccessRights { return t.rights }

// Authenticated reports a successful Terminal Authentication.
func (t *TAChip) Authenticated() bool { return t.done }

// State is the chip's persistent EAC state, and whether it changed since
// the last call: the trust points (most recent first) and the current
// date.
func (t *TAChip) State() (trustPoints []*cvc.Certificate, currentDate time.Time, changed bool) {
	changed, t.changed = t.changed, false
	return append([]*cvc.Certificate(nil), t.trustPoints...), t.date, changed
}

func reference(data []byte) (cvc.Reference, bool) {
	r := apdu.TLVReader(data)
	var v []byte
	if !r.ReadBytes(0x83, &v) || len(v) == 0 || len(v) > 16 {
		return "", false
	}
	return cvc.Reference(v), true
}

// SetDST answers MSE:Set DST (00 22 81 B6 83 <reference>): the key that
// verifies the next certificate, a trust point or the key of the last
// certificate accepted.
func (t *TAChip) SetDST(cmd apdu.Command) apdu.Response {
	if t.done {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	ref, ok := reference(cmd.Data)
	if !ok {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	if t.v != nil && t.v.Next() == ref && t.result == nil {
		t.selected = true
		return apdu.Response{SW: apdu.SWSuccess}
	}
	for _, tp := range t.trustPoints {
		if tp.CHR == ref {
			v, err := cvc.NewValidator(tp, t.date)
			if err != nil {
				return apdu.Response{SW: apdu.SWReferencedDataNotFound}
			}
			// A new chain from a trust point.
			t.v, t.selected, t.result, t.atSet = v, true, nil, false
			return apdu.Response{SW: apdu.SWSuccess}
		}
	}
	t.selected = false
	return apdu.Response{SW: apdu.SWReferencedDataNotFound}
}

// VerifyCertificate answers PSO:Verify Certificate (00 2A 00 BE, the
// certificate body 7F4E and signature 5F37): the certificate is checked
// against the key MSE:Set DST selected; once accepted its key can be
// selected in turn, the current date and trust point move on, and after
// the terminal certificate its key awaits MSE:Set AT.
func (t *TAChip) VerifyCertificate(cmd apdu.Command) apdu.Response {
	if cmd.P1 != 0x00 || cmd.P2 != 0xBE {
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	if t.done || t.v == nil || !t.selected {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	t.selected = false // every certificate needs its MSE:Set DST
	c, err := cvc.ParseCertificate(apdu.EncodeTLV(0x7F21, cmd.Data))
	if err != nil {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	if err := t.v.Add(c); err != nil {
		if errors.Is(err, cvc.ErrUnknownCAR) {
			return apdu.Response{SW: apdu.SWReferencedDataNotFound}
		}
		return apdu.Response{SW: swRefDataNotUsable}
	}
	// TR-03110 part 3 §2.5: the current date and the trust point are
	// updated as soon as a certificate is accepted.
	if d := t.v.CurrentDate(); d.After(t.date) {
		t.date, t.changed = d, true
	}
	if tp := t.v.TrustPoint(); tp != t.trustPoints[0] && !containsCert(t.trustPoints, tp) {
		t.trustPoints = append([]*cvc.Certificate{tp}, t.trustPoints...)
		if len(t.trustPoints) > MaxTrustPoints {
			t.trustPoints = t.trustPoints[:MaxTrustPoints]
		}
		t.changed = true
	}
	if t.v.Terminal() != nil {
		res, err := t.v.Result(cvc.ValidateOptions{})
		if err != nil {
			t.v = nil
			return apdu.Response{SW: swRefDataNotUsable}
		}
		t.result = res
	}
	return apdu.Response{SW: apdu.SWSuccess}
}

func containsCert(cs []*cvc.Certificate, c *cvc.Certificate) bool {
	for _, x := range cs {
		if x == c || x.CHR == c.CHR {
			return true
		}
	}
	return false
}

// SetAT answers MSE:Set AT for Terminal Authentication (00 22 81 A4 83
// <CHR of the terminal certificate>; the objects 80, 67 and 91 of TA
// version 2 are ignored).
func (t *TAChip) SetAT(cmd apdu.Command) apdu.Response {
	if t.done {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	r := apdu.TLVReader(cmd.Data)
	var ref []byte
	for !r.Empty() {
		var tag apdu.Tag
		var v apdu.TLVReader
		if !r.ReadAny(&tag, &v) {
			return apdu.Response{SW: apdu.SWWrongData}
		}
		if tag == 0x83 {
			ref = v
		}
	}
	if ref == nil {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	if t.result == nil || cvc.Reference(ref) != t.result.Terminal.CHR {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	t.atSet = true
	return apdu.Response{SW: apdu.SWSuccess}
}

// GetChallenge answers GET CHALLENGE (00 84 00 00 08) with r_PICC.
func (t *TAChip) GetChallenge(cmd apdu.Command) apdu.Response {
	if cmd.Ne != 8 || len(cmd.Data) != 0 {
		return apdu.Response{SW: apdu.SWWrongLength}
	}
	r := make([]byte, 8)
	if _, err := io.ReadFull(t.rnd, r); err != nil {
		return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}
	}
	t.rPICC = r
	return apdu.Response{Data: append([]byte(nil), r...), SW: apdu.SWSuccess}
}

// ExternalAuthenticate answers EXTERNAL AUTHENTICATE (00 82 00 00 <sig>):
// the signature of ID_PICC || r_PICC || Comp(PK_PCD) by the terminal key
// (ICAO 9303-11 §7.1.2). One attempt per challenge; a failure ends the
// Terminal Authentication (the chain must be sent again).
func (t *TAChip) ExternalAuthenticate(cmd apdu.Command) apdu.Response {
	if t.done || t.result == nil || !t.atSet || t.rPICC == nil {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	r := t.rPICC
	t.rPICC = nil
	if err := cvc.VerifyTA(t.result.PublicKey, t.result.Algorithm, t.idPICC, r, t.comp, nil, cmd.Data); err != nil {
		t.v, t.result, t.atSet, t.selected = nil, nil, false, false
		return apdu.Response{SW: 0x6300}
	}
	t.rights, t.done = t.result.Rights, true
	return apdu.Response{SW: apdu.SWSuccess}
}

// IDPICC is ID_PICC of a session opened by PACE: Comp() of the chip's
// ephemeral key agreement key (ICAO 9303-11 §7.1.2); nil before step 3.
func (p *PACEChip) IDPICC() []byte {
	if p.kaPub == nil || p.mapped == nil {
		return nil
	}
	return compressKey(p.mapped, p.kaPub)
}
