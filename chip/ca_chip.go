package chip

import (
	"crypto/ecdsa"
	"encoding/asn1"

	"github.com/cccd-vn/cccd/apdu"
)

// The chip side of Chip Authentication (ICAO 9303-11 §6.2), for the
// emulated card: MSE:Set AT / Set KAT and GENERAL AUTHENTICATE, then the
// new session keys.

// CAChip is the chip side of Chip Authentication.
type CAChip struct {
	Key      *ecdsa.PrivateKey
	Protocol asn1.ObjectIdentifier
	pending  bool
	// TerminalKey is the terminal's ephemeral public key of the last
	// successful key agreement: Terminal Authentication's signature
	// covers it (ICAO 9303-11 §7.1.2).
	TerminalKey []byte
}

// SetAT answers MSE:Set AT for CA (00 22 41 A4) — or MSE:Set KAT (41 A6),
// which carries the ephemeral key and completes at once.
func (c *CAChip) SetAT(cmd apdu.Command) (apdu.Response, *apdu.SecureMessaging) {
	r := apdu.TLVReader(cmd.Data)
	var tag apdu.Tag
	var v apdu.TLVReader
	var oid, eph []byte
	for !r.Empty() {
		if !r.ReadAny(&tag, &v) {
			return apdu.Response{SW: apdu.SWWrongData}, nil
		}
		switch tag {
		case 0x80:
			oid = v
		case 0x91:
			eph = v
		}
	}
	if cmd.P2 == 0xA6 {
		return c.agree(Cipher3DES, eph)
	}
	var o asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(apdu.EncodeTLV(0x06, oid), &o); err != nil {
		return apdu.Response{SW: apdu.SWWrongData}, nil
	}
	if _, err := caCipher(o); err != nil {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}, nil
	}
	c.Protocol, c.pending = o, true
	return apdu.Response{SW: apdu.SWSuccess}, nil
}

// Pending reports an MSE:Set AT for CA waiting for its GENERAL AUTHENTICATE.
func (c *CAChip) Pending() bool { return c.pending }

// GeneralAuthenticate takes the terminal's ephemeral key (7C { 80 key }).
func (c *CAChip) GeneralAuthenticate(cmd apdu.Command) (apdu.Response, *apdu.SecureMessaging) {
	c.pending = false
	eph, err := parseDynamicAuthData(cmd.Data, 0x80)
	if err != nil {
		return apdu.Response{SW: apdu.SWWrongData}, nil
	}
	cipher, err := caCipher(c.Protocol)
	if err != nil {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}, nil
	}
	resp, sm := c.agree(cipher, eph)
	if sm != nil {
		resp.Data = []byte{0x7C, 0x00}
	}
	return resp, sm
}

func (c *CAChip) agree(cipher KeyCipher, eph []byte) (apdu.Response, *apdu.SecureMessaging) {
	g := &ecGroup{curve: c.Key.Curve, gx: c.Key.Curve.Params().Gx, gy: c.Key.Curve.Params().Gy}
	shared, err := g.agree(c.Key.D, eph)
	if err != nil {
		return apdu.Response{SW: apdu.SWWrongData}, nil
	}
	ksEnc, ksMac := sessionKeys(cipher, g.secret(shared))
	smc := apdu.SMAES
	if cipher == Cipher3DES {
		smc = apdu.SM3DES
	}
	sm, err := apdu.NewSecureMessaging(nil, smc, ksEnc, ksMac, make([]byte, blockSizeOf(cipher)))
	if err != nil {
		return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
	}
	c.TerminalKey = append([]byte(nil), eph...)
	return apdu.Response{SW: apdu.SWSuccess}, sm
}
