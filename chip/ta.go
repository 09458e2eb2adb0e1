package chip

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/cvc"
)

// Terminal Authentication, the terminal side (ICAO Doc 9303-11 §7.1, BSI
// TR-03110 part 3 §B.3 and §B.11): after Chip Authentication, the
// inspection system proves it holds the key of a certificate the chip can
// trace to its trust point, the CVCA certificate written at
// personalization. The chip then grants what the chain's CHATs allow:
// read access to DG3 (fingerprints) and DG4 (iris).
//
// The APDUs, all under the secure messaging that Chip Authentication set
// up:
//
//	MSE:Set DST            00 22 81 B6  83 <CAR>         for each certificate:
//	PSO:Verify Certificate 00 2A 00 BE  7F4E … 5F37 …     the key to verify with, then the certificate
//	MSE:Set AT             00 22 81 A4  83 <CHR of the IS certificate>
//	GET CHALLENGE          00 84 00 00  Le 08             r_PICC
//	EXTERNAL AUTHENTICATE  00 82 00 00  <signature>       over ID_PICC || r_PICC || Comp(PK_PCD)
//
// where PK_PCD is the terminal's ephemeral key of Chip Authentication and
// ID_PICC identifies the chip (OpenResult.IDPICC).

// ErrTerminalNotAuthorized reports a terminal the chip does not accept
// (Terminal Authentication refused) or whose certificates do not grant
// what it asked for. It says nothing about the card's authenticity.
var ErrTerminalNotAuthorized = errors.New("this terminal is not authorised by the chip")

// TAError is a refusal of Terminal Authentication: the step, the
// certificate concerned, the chip's status word and what the terminal
// makes of it. It wraps ErrTerminalNotAuthorized.
type TAError struct {
	Step   string // "MSE:Set DST", "PSO:Verify Certificate", "MSE:Set AT", "GET CHALLENGE", "EXTERNAL AUTHENTICATE"
	CHR    string // the certificate concerned, when there is one
	SW     apdu.SW
	Reason string
}

func (e *TAError) Error() string {
	s := "terminal authentication: " + e.Reason
	if e.SW != 0 {
		s += fmt.Sprintf(" (%s answered %04X)", e.Step, uint16(e.SW))
	}
	return s
}

// Unwrap makes errors.Is(err, ErrTerminalNotAuthorized) hold.
func (e *TAError) Unwrap() error { return ErrTerminalNotAuthorized }

// TAOptions tune TerminalAuthenticate.
type TAOptions struct {
	// Extended sends each certificate in one extended-length APDU (a
	// chip that takes them); otherwise a certificate longer than a short
	// APDU holds goes by command chaining (ISO/IEC 7816-4 §5.1.1.1) in
	// segments whose protected form fits a short APDU.
	Extended bool
	// Now is the terminal's date, used only to explain a refusal (an
	// expired certificate); time.Now when zero.
	Now time.Time
}

// TAResult is what a successful Terminal Authentication gives.
type TAResult struct {
	// Rights are the access rights of the chain's effective
	// authorization (TR-03110 part 3 §2.7): the bitwise AND of the CHATs
	// of the CVCA, DV and IS certificates, which the chip grants.
	Rights cvc.AccessRights
	// Terminal is the IS certificate's holder reference.
	Terminal string
}

// EffectiveRights is the effective authorization a terminal's chain gives
// (TR-03110 part 3 §2.7): the AND of its CHATs; 0 when they are not of one
// terminal type and length.
func EffectiveRights(t *cvc.Terminal) cvc.AccessRights {
	eff, ok := t.CVCA.CHAT.Intersect(t.DV.CHAT)
	if ok {
		eff, ok = eff.Intersect(t.IS.CHAT)
	}
	if !ok {
		return 0
	}
	return eff.Rights()
}

// TerminalAuthenticate runs Terminal Authentication on a card whose secure
// messaging comes from Chip Authentication: idPICC is OpenResult.IDPICC
// and caKey the terminal's ephemeral key of Chip Authentication
// (StartChipAuthenticationKey). A refusal by the chip is a *TAError; a
// transport failure is returned as it is.
func TerminalAuthenticate(card *apdu.Card, t *cvc.Terminal, idPICC, caKey []byte, opt TAOptions) (*TAResult, error) {
	if t == nil || t.CVCA == nil || t.DV == nil || t.IS == nil || t.Key == nil {
		return nil, errors.New("terminal authentication: no terminal (CVCA, DV and IS certificates and the IS key)")
	}
	if !card.Secured() {
		return nil, errors.New("terminal authentication needs the secure messaging of chip authentication")
	}
	if len(idPICC) == 0 {
		return nil, errors.New("terminal authentication: no ID_PICC (the chip was not opened by BAC or PACE)")
	}
	comp, err := cvc.CompressECPoint(caKey)
	if err != nil {
		return nil, fmt.Errorf("terminal authentication: the chip authentication key: %w", err)
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	chain := t.Certificates()
	if !t.CVCA.IsSelfSigned() {
		// A CVCA link certificate: the chip may still trust the old CVCA
		// (TR-03110 part 3 §2.3).
		chain = append([]*cvc.Certificate{t.CVCA}, chain...)
	}
	if err := sendChain(card, t, chain, now, opt.Extended); err != nil {
		var te *TAError
		if len(chain) == 3 && errors.As(err, &te) && te.Step == "MSE:Set DST" && te.SW == apdu.SWReferencedDataNotFound {
			// The chip does not know the old CVCA: it may trust the new
			// one already.
			err = sendChain(card, t, chain[1:], now, opt.Extended)
		}
		if err != nil {
			return nil, err
		}
	}
	refused := func(step string, err error, reason string) error {
		var se *apdu.StatusError
		if !errors.As(err, &se) {
			return err // transport or secure messaging: nothing concluded
		}
		return &TAError{Step: step, CHR: t.IS.CHR.String(), SW: se.SW, Reason: reason}
	}
	// MSE:Set AT selects the terminal's key for EXTERNAL AUTHENTICATE.
	setAT := apdu.Command{INS: 0x22, P1: 0x81, P2: 0xA4, Data: apdu.EncodeTLV(0x83, []byte(t.IS.CHR))}
	if _, err := card.Send(setAT); err != nil {
		return nil, refused("MSE:Set AT", err, fmt.Sprintf("the chip does not take the inspection system key %s", t.IS.CHR))
	}
	rPICC, err := card.Send(apdu.Command{INS: 0x84, Ne: 8})
	if err != nil {
		return nil, refused("GET CHALLENGE", err, "the chip gives no challenge")
	}
	if len(rPICC) != 8 {
		return nil, &TAError{Step: "GET CHALLENGE", Reason: fmt.Sprintf("the chip's challenge is %d bytes, not 8", len(rPICC))}
	}
	sig, err := cvc.SignTA(t.Key, t.IS.PublicKey.Algorithm, idPICC, rPICC, comp, nil)
	if err != nil {
		return nil, fmt.Errorf("terminal authentication: signing with the inspection system key: %w", err)
	}
	if _, err := card.Send(apdu.Command{INS: 0x82, Data: sig}); err != nil {
		return nil, refused("EXTERNAL AUTHENTICATE", err, fmt.Sprintf("the chip does not accept the signature of %s", t.IS.CHR))
	}
	return &TAResult{Rights: EffectiveRights(t), Terminal: t.IS.CHR.String()}, nil
}

// sendChain sends MSE:Set DST and PSO:Verify Certificate for each
// certificate.
func sendChain(card *apdu.Card, t *cvc.Terminal, chain []*cvc.Certificate, now time.Time, extended bool) error {
	for i, c := range chain {
		dst := apdu.Command{INS: 0x22, P1: 0x81, P2: 0xB6, Data: apdu.EncodeTLV(0x83, []byte(c.CAR))}
		if _, err := card.Send(dst); err != nil {
			var se *apdu.StatusError
			if !errors.As(err, &se) {
				return err
			}
			reason := fmt.Sprintf("the chip does not know the key %s that certifies %s", c.CAR, c.CHR)
			switch {
			case se.SW != apdu.SWReferencedDataNotFound:
				reason = "the chip refuses terminal authentication (no chip authentication in this session, or no EAC)"
			case i == 0:
				reason = fmt.Sprintf("the chip does not trust the CVCA %s: it was personalized with another CVCA (this terminal's chain is not for this card)", c.CAR)
			}
			return &TAError{Step: "MSE:Set DST", CHR: c.CHR.String(), SW: se.SW, Reason: reason}
		}
		data := append(append([]byte(nil), c.RawBody...), apdu.EncodeTLV(0x5F37, c.Signature)...)
		if err := sendPSO(card, data, extended); err != nil {
			var se *apdu.StatusError
			if !errors.As(err, &se) {
				return err
			}
			return &TAError{Step: "PSO:Verify Certificate", CHR: c.CHR.String(), SW: se.SW, Reason: refusalReason(t, c, i == 0, now)}
		}
	}
	return nil
}

// sendPSO sends PSO:Verify Certificate (00 2A 00 BE) with the certificate
// body and signature: in one APDU (extended when its protected form needs
// it) to a chip that takes extended lengths, else
// by command chaining in segments whose protected form fits a short APDU
// (apdu.Card chains under secure messaging at apdu.MaxShortDataSM).
func sendPSO(card *apdu.Card, data []byte, extended bool) error {
	_, err := card.Send(apdu.Command{INS: 0x2A, P2: 0xBE, Data: data, Extended: extended && len(data) > apdu.MaxShortDataSM})
	return err
}

// refusalReason says why the chip may refuse certificate c, from what the
// terminal knows: its own clock and its own chain; first is the
// certificate the chip's trust point verifies.
func refusalReason(t *cvc.Terminal, c *cvc.Certificate, first bool, now time.Time) string {
	what := c.Role().String()
	if c == t.IS {
		what = "inspection system"
	}
	switch {
	case c.ExpiredAt(now):
		return fmt.Sprintf("the %s certificate %s expired on %s", what, c.CHR, c.ExpirationDate.Format(time.DateOnly))
	case c.EffectiveDate.After(cvc.Day(now)):
		return fmt.Sprintf("the %s certificate %s is not valid before %s", what, c.CHR, c.EffectiveDate.Format(time.DateOnly))
	case first:
		return fmt.Sprintf("the chip refuses the %s certificate %s: its CVCA %s does not verify it (the card trusts another CVCA key named %s, or the certificate is damaged)",
			what, c.CHR, c.CAR, c.CAR)
	}
	return fmt.Sprintf("the chip refuses the %s certificate %s (its signature, role or dates do not hold for the chip: its current date may be later than %s)",
		what, c.CHR, c.ExpirationDate.Format(time.DateOnly))
}

// compressKey is Comp() of a PACE ephemeral public key (TR-03110 part 3
// §A.2.2.3): the x-coordinate of an EC point, the SHA-1 hash of a DH
// value.
func compressKey(g paceGroup, pub []byte) []byte {
	if g.publicTag() == 0x86 {
		return append([]byte(nil), g.secret(pub)...)
	}
	h := sha1.Sum(pub)
	return h[:]
}
