package chip

import (
	"bytes"
	"crypto/subtle"
	"io"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/lds"
)

// The chip side of Basic Access Control (ICAO 9303-11 §4.3), for the
// emulated card: GET CHALLENGE and EXTERNAL AUTHENTICATE.

// BACChip is the chip side of BAC for an emulated card: it answers GET
// CHALLENGE and EXTERNAL AUTHENTICATE.
type BACChip struct {
	kEnc, kMac []byte
	rnd        io.Reader
	rndIC      []byte
}

// NewBACChip prepares the chip side with the card's MRZ data; rnd gives
// RND.IC at each GET CHALLENGE and K.IC at each authentication.
func NewBACChip(key lds.Secret, rnd io.Reader) (*BACChip, error) {
	kEnc, kMac, err := bacKeys(key)
	if err != nil {
		return nil, err
	}
	return &BACChip{kEnc: kEnc, kMac: kMac, rnd: rnd}, nil
}

// GetChallenge answers GET CHALLENGE (00 84 00 00 08).
func (b *BACChip) GetChallenge(cmd apdu.Command) apdu.Response {
	if cmd.Ne != 8 || len(cmd.Data) != 0 {
		return apdu.Response{SW: apdu.SWWrongLength}
	}
	b.rndIC = make([]byte, 8)
	if _, err := io.ReadFull(b.rnd, b.rndIC); err != nil {
		return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}
	}
	return apdu.Response{Data: append([]byte(nil), b.rndIC...), SW: apdu.SWSuccess}
}

// ExternalAuthenticate checks the terminal's cryptogram and answers with
// the chip's; on success it returns the secure messaging context of the
// new session (chip side). A wrong MRZ gets 6300, as real chips answer.
func (b *BACChip) ExternalAuthenticate(cmd apdu.Command) (apdu.Response, *apdu.SecureMessaging) {
	rndIC := b.rndIC
	b.rndIC = nil // one attempt per challenge
	if len(cmd.Data) != 40 {
		return apdu.Response{SW: apdu.SWWrongLength}, nil
	}
	if rndIC == nil {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}, nil
	}
	if subtle.ConstantTimeCompare(bacMAC(b.kMac, cmd.Data[:32]), cmd.Data[32:]) != 1 {
		return apdu.Response{SW: 0x6300}, nil
	}
	s, _ := bacDecrypt(b.kEnc, cmd.Data[:32])
	if !bytes.Equal(s[8:16], rndIC) {
		return apdu.Response{SW: 0x6300}, nil
	}
	rndIFD, kIFD := s[:8], s[16:32]
	kIC := make([]byte, 16)
	if _, err := io.ReadFull(b.rnd, kIC); err != nil {
		return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
	}
	r := append(append(append([]byte(nil), rndIC...), rndIFD...), kIC...)
	eIC := bacEncrypt(b.kEnc, r)
	sm, err := bacSession(nil, kIFD, kIC, rndIC, rndIFD)
	if err != nil {
		return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
	}
	return apdu.Response{Data: append(eIC, bacMAC(b.kMac, eIC)...), SW: apdu.SWSuccess}, sm
}
