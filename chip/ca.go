package chip

import (
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

// Chip Authentication, ICAO Doc 9303-11 §6.2: an ephemeral ECDH with the
// chip's static key of DG14 (signed by EF.SOD) gives new secure messaging
// keys. Only a chip holding the private key can go on answering, so a
// read under the new keys proves the chip is not a copy.

// ErrCAFailed reports a chip that did not go on under the keys of Chip
// Authentication: it does not hold the key of DG14 (a clone).
var ErrCAFailed = errors.New("chip authentication failed: the chip does not hold the key of DG14 (cloned chip?)")

// ErrCAUnsupported reports a chip authentication this terminal cannot run
// (DH, an unknown curve or cipher suite): a limit of the terminal, which
// says nothing of the chip.
var ErrCAUnsupported = errors.New("this terminal does not support the chip authentication the chip offers")

func caCipher(oid asn1.ObjectIdentifier) (KeyCipher, error) {
	for c, o := range map[KeyCipher]asn1.ObjectIdentifier{Cipher3DES: lds.OIDCAECDH3DES, CipherAES128: lds.OIDCAECDHAES128, CipherAES192: lds.OIDCAECDHAES192, CipherAES256: lds.OIDCAECDHAES256} {
		if oid.Equal(o) {
			return c, nil
		}
	}
	return 0, fmt.Errorf("%w: protocol %s (ECDH only)", ErrCAUnsupported, oid)
}

// CAParams is what DG14 says about Chip Authentication.
type CAParams struct {
	Protocol asn1.ObjectIdentifier // id-CA-ECDH-…
	KeyID    *big.Int              // nil when DG14 names none
	Key      *ecdsa.PublicKey      // the chip's static public key
}

// CAFromDG14 finds the Chip Authentication parameters in DG14; ok is false
// when DG14 offers none.
func CAFromDG14(d *lds.DG14) (CAParams, bool, error) {
	var p CAParams
	for _, si := range d.Infos.Of(lds.SecurityInfoChipAuthenticationPublicKey) {
		spk, err := lds.ParseSubjectPublicKey(si.SubjectPublicKeyInfo)
		if err != nil {
			return p, true, err
		}
		curve := pki.CurveByOID(spk.NamedCurve)
		if curve == nil {
			return p, true, fmt.Errorf("%w: DG14's chip authentication key is not on a supported curve (%v)", ErrCAUnsupported, spk.NamedCurve)
		}
		g := &ecGroup{curve: curve}
		x, y, err := g.decode(spk.Point)
		if err != nil {
			return p, true, fmt.Errorf("DG14: chip authentication key: %w", err)
		}
		p.Key, p.KeyID = &ecdsa.PublicKey{Curve: curve, X: x, Y: y}, si.KeyID
		break
	}
	if p.Key == nil {
		return p, false, nil
	}
	// Without a ChipAuthenticationInfo the protocol is 3DES (ICAO 9303-11
	// §9.2.5, BSI TR-03110-3 A.1.1.2); some French chips rely on it.
	p.Protocol = lds.OIDCAECDH3DES
	for _, si := range d.Infos.Of(lds.SecurityInfoChipAuthentication) {
		if p.KeyID == nil || si.KeyID == nil || si.KeyID.Cmp(p.KeyID) == 0 {
			p.Protocol = si.Protocol
			break
		}
	}
	return p, true, nil
}

func ecPoint(pub *ecdsa.PublicKey) []byte {
	n := (pub.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 1+2*n)
	out[0] = 4
	pub.X.FillBytes(out[1 : 1+n])
	pub.Y.FillBytes(out[1+n:])
	return out
}

// ChipAuthenticate runs Chip Authentication on a card whose secure
// messaging is up (after BAC or PACE) and restarts it with the new keys.
// It then reads the first bytes of EF.COM under them: only the genuine
// chip can answer. A refusal of the key agreement or an answer that fails
// secure messaging under the new keys wraps ErrCAFailed; a transport
// failure (apdu.IsTransport) is returned as it is: nothing is proven
// either way.
func ChipAuthenticate(card *apdu.Card, p CAParams, rnd io.Reader) error {
	if err := StartChipAuthentication(card, p, rnd); err != nil {
		if apdu.IsTransport(err) {
			return err
		}
		return fmt.Errorf("%w (%v)", ErrCAFailed, err)
	}
	if _, err := card.Send(apdu.Command{INS: 0xB0, P1: 0x9E, Ne: 4}); err != nil {
		if apdu.IsTransport(err) {
			return err
		}
		return fmt.Errorf("%w (%v)", ErrCAFailed, err)
	}
	return nil
}

// StartChipAuthentication sends the key agreement (MSE:Set KAT for 3DES,
// MSE:Set AT + GENERAL AUTHENTICATE for AES) and switches the card to the
// new session keys with the SSC at zero. Nothing is proven until the chip
// answers a command under them; ChipAuthenticate does that.
func StartChipAuthentication(card *apdu.Card, p CAParams, rnd io.Reader) error {
	_, err := StartChipAuthenticationKey(card, p, rnd)
	return err
}

// StartChipAuthenticationKey is StartChipAuthentication returning the
// terminal's ephemeral public key (uncompressed point), which Terminal
// Authentication signs after it (ICAO 9303-11 §7.1.2).
func StartChipAuthenticationKey(card *apdu.Card, p CAParams, rnd io.Reader) ([]byte, error) {
	cipher, err := caCipher(p.Protocol)
	if err != nil {
		return nil, err
	}
	if !card.Secured() {
		return nil, errors.New("chip authentication needs secure messaging (after BAC or PACE)")
	}
	g := &ecGroup{curve: p.Key.Curve, gx: p.Key.Curve.Params().Gx, gy: p.Key.Curve.Params().Gy}
	priv, pub, err := g.newKey(rnd)
	if err != nil {
		return nil, err
	}
	var keyRef []byte
	if p.KeyID != nil {
		keyRef = apdu.EncodeTLV(0x84, p.KeyID.Bytes())
	}
	if cipher == Cipher3DES {
		// MSE:Set KAT carries the ephemeral key itself (§6.2.4.1).
		if _, err := card.Send(apdu.Command{INS: 0x22, P1: 0x41, P2: 0xA6, Data: append(apdu.EncodeTLV(0x91, pub), keyRef...)}); err != nil {
			return nil, fmt.Errorf("chip authentication: %w", err)
		}
	} else {
		oidDER, _ := asn1.Marshal(p.Protocol)
		if _, err := card.Send(apdu.Command{INS: 0x22, P1: 0x41, P2: 0xA4, Data: append(apdu.EncodeTLV(0x80, oidDER[2:]), keyRef...)}); err != nil {
			return nil, fmt.Errorf("chip authentication: %w", err)
		}
		if _, err := card.Send(apdu.Command{INS: 0x86, Data: dynamicAuthData(0x80, pub), Ne: apdu.MaxShortLe}); err != nil {
			return nil, fmt.Errorf("chip authentication: %w", err)
		}
	}
	shared, err := g.agree(priv, ecPoint(p.Key))
	if err != nil {
		return nil, fmt.Errorf("chip authentication: %w", err)
	}
	ksEnc, ksMac := sessionKeys(cipher, g.secret(shared))
	sm, err := apdu.NewSecureMessaging(card.Raw(), map[bool]apdu.SMCipher{true: apdu.SM3DES, false: apdu.SMAES}[cipher == Cipher3DES], ksEnc, ksMac, make([]byte, blockSizeOf(cipher)))
	if err != nil {
		return nil, err
	}
	card.SetChannel(sm)
	return pub, nil
}

// CheckCASupported reports whether this terminal can run the Chip
// Authentication p names (ECDH with 3DES or AES secure messaging).
func CheckCASupported(p CAParams) error {
	_, err := caCipher(p.Protocol)
	return err
}
