package chip

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/smcrypto"
)

// Basic Access Control, ICAO Doc 9303-11 §4.3: GET CHALLENGE, then
// EXTERNAL AUTHENTICATE (the "MUTUAL AUTHENTICATE" of the standard) with
// 3DES cryptograms under keys derived from the MRZ, then 3DES secure
// messaging.

// bacKeys derives K_enc and K_mac from the MRZ (§9.7.2).
func bacKeys(k BACKey) (enc, mac []byte, err error) {
	s, err := k.seed()
	if err != nil {
		return nil, nil, err
	}
	enc, mac = sessionKeys(Cipher3DES, s[:16])
	return enc, mac, nil
}

func bacEncrypt(key, plain []byte) []byte {
	b, _ := smcrypto.NewTDES(key)
	out, _ := smcrypto.EncryptCBC(b, make([]byte, 8), plain)
	return out
}

func bacDecrypt(key, ct []byte) ([]byte, error) {
	b, _ := smcrypto.NewTDES(key)
	return smcrypto.DecryptCBC(b, make([]byte, 8), ct)
}

func bacMAC(key, data []byte) []byte {
	m, _ := smcrypto.RetailMAC(key, smcrypto.Pad(data, 8))
	return m
}

// DoBAC runs Basic Access Control with the card and, on success, routes
// the card's following commands through 3DES secure messaging. rnd
// supplies RND.IFD then K.IFD (crypto/rand.Reader in use; a fixed stream
// in tests). A wrong MRZ gives an error wrapping ErrAccessDenied.
func DoBAC(card *apdu.Card, key BACKey, rnd io.Reader) error {
	kEnc, kMac, err := bacKeys(key)
	if err != nil {
		return fmt.Errorf("BAC: %w", err)
	}
	card.SetChannel(nil)
	rndIC, err := card.Send(apdu.Command{INS: 0x84, Ne: 8})
	if err != nil {
		return fmt.Errorf("BAC: %w", err)
	}
	if len(rndIC) != 8 {
		return fmt.Errorf("BAC: %w: GET CHALLENGE gave %d bytes, want 8", ErrAuthentication, len(rndIC))
	}
	rndIFD := make([]byte, 8)
	kIFD := make([]byte, 16)
	if _, err := io.ReadFull(rnd, rndIFD); err != nil {
		return err
	}
	if _, err := io.ReadFull(rnd, kIFD); err != nil {
		return err
	}
	s := append(append(append([]byte(nil), rndIFD...), rndIC...), kIFD...)
	eIFD := bacEncrypt(kEnc, s)
	data := append(eIFD, bacMAC(kMac, eIFD)...)
	resp, err := card.Send(apdu.Command{INS: 0x82, Data: data, Ne: 40})
	if err != nil {
		var se *apdu.StatusError
		if errors.As(err, &se) && (se.SW == 0x6300 || se.SW == apdu.SWSecurityStatus || se.SW&0xFFF0 == 0x63C0 || se.SW == apdu.SWWrongData) {
			return fmt.Errorf("BAC: %w (%v)", ErrAccessDenied, err)
		}
		return fmt.Errorf("BAC: %w", err)
	}
	if len(resp) != 40 {
		return fmt.Errorf("BAC: %w: EXTERNAL AUTHENTICATE answer of %d bytes, want 40", ErrAuthentication, len(resp))
	}
	if subtle.ConstantTimeCompare(bacMAC(kMac, resp[:32]), resp[32:]) != 1 {
		return fmt.Errorf("BAC: %w: the chip's cryptogram MAC does not verify", ErrAuthentication)
	}
	r, _ := bacDecrypt(kEnc, resp[:32])
	if !bytes.Equal(r[:8], rndIC) || !bytes.Equal(r[8:16], rndIFD) {
		return fmt.Errorf("BAC: %w: the chip's cryptogram does not echo the challenges", ErrAuthentication)
	}
	kIC := r[16:32]
	sm, err := bacSession(card.Raw(), kIFD, kIC, rndIC, rndIFD)
	if err != nil {
		return err
	}
	card.SetChannel(sm)
	return nil
}

// bacSession derives the session keys and SSC (§9.7.4, §9.8.2).
func bacSession(inner apdu.Transport, kIFD, kIC, rndIC, rndIFD []byte) (*apdu.SecureMessaging, error) {
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, kIC)
	ksEnc, ksMac := sessionKeys(Cipher3DES, seed)
	ssc := append(append([]byte(nil), rndIC[4:]...), rndIFD[4:]...)
	return apdu.NewSecureMessaging(inner, apdu.SM3DES, ksEnc, ksMac, ssc)
}

// BACChip is the chip side of BAC for an emulated card: it answers GET
// CHALLENGE and EXTERNAL AUTHENTICATE.
type BACChip struct {
	kEnc, kMac []byte
	rnd        io.Reader
	rndIC      []byte
}

// NewBACChip prepares the chip side with the card's MRZ data; rnd gives
// RND.IC at each GET CHALLENGE and K.IC at each authentication.
func NewBACChip(key BACKey, rnd io.Reader) (*BACChip, error) {
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
