package chip

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/smcrypto"
	"github.com/cccd-vn/cccd/lds"
)

// Basic Access Control, ICAO Doc 9303-11 §4.3: GET CHALLENGE, then
// EXTERNAL AUTHENTICATE (the "MUTUAL AUTHENTICATE" of the standard) with
// 3DES cryptograms under keys derived from the MRZ, then 3DES secure
// messaging.

// bacKeys derives K_enc and K_mac from the MRZ (§9.7.2).
func bacKeys(k lds.Secret) (enc, mac []byte, err error) {
	s, err := seed(k)
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
func DoBAC(card *apdu.Card, key lds.Secret, rnd io.Reader) error {
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
