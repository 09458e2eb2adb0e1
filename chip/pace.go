package chip

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/smcrypto"
)

// PACE v2 with Generic Mapping, ICAO Doc 9303-11 §4.4: MSE:Set AT, then
// four GENERAL AUTHENTICATE steps (encrypted nonce, mapping, key
// agreement, mutual authentication tokens), then secure messaging with
// the new session keys.

var (
	// oidPACEPrefix is id-PACE (ICAO 9303-11 §9.2.3); the protocol OIDs
	// are in package lds.
	oidPACEPrefix  = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}
	errPACEMapping = errors.New("only Generic Mapping (GM) is supported")
)

// PACEParams says which PACE to run: the protocol OID of a PACEInfo in
// EF.CardAccess and its standardized domain parameter ID.
type PACEParams struct {
	Protocol    asn1.ObjectIdentifier
	ParameterID int
	// SendParameterID adds the domain parameter reference (DO 84) to
	// MSE:Set AT, which chips offering several parameter sets need.
	SendParameterID bool
}

// PACESuite is what a PACE protocol OID stands for.
type PACESuite struct {
	ECDH   bool // key agreement on a curve (else MODP Diffie-Hellman)
	Cipher KeyCipher
}

// ParsePACEProtocol reads a PACE protocol OID; only Generic Mapping is
// supported.
func ParsePACEProtocol(oid asn1.ObjectIdentifier) (PACESuite, error) {
	if len(oid) != len(oidPACEPrefix)+2 || !oid[:len(oidPACEPrefix)].Equal(oidPACEPrefix) {
		return PACESuite{}, fmt.Errorf("PACE: %s is not a PACE protocol", oid)
	}
	var s PACESuite
	switch oid[len(oidPACEPrefix)] {
	case 1:
	case 2:
		s.ECDH = true
	default:
		return PACESuite{}, fmt.Errorf("PACE: protocol %s: %w", oid, errPACEMapping)
	}
	switch oid[len(oidPACEPrefix)+1] {
	case 1:
		s.Cipher = Cipher3DES
	case 2:
		s.Cipher = CipherAES128
	case 3:
		s.Cipher = CipherAES192
	case 4:
		s.Cipher = CipherAES256
	default:
		return PACESuite{}, fmt.Errorf("PACE: protocol %s: unknown cipher suite", oid)
	}
	return s, nil
}

func (s PACESuite) smCipher() apdu.SMCipher {
	if s.Cipher == Cipher3DES {
		return apdu.SM3DES
	}
	return apdu.SMAES
}

// paceNonceCrypt encrypts or decrypts the nonce with K_π, CBC with a zero
// IV (§4.4.3.3.1).
func paceNonceCrypt(c KeyCipher, key, data []byte, decrypt bool) ([]byte, error) {
	var b cipher.Block
	var err error
	if c == Cipher3DES {
		b, err = smcrypto.NewTDES(key)
	} else {
		b, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, err
	}
	iv := make([]byte, b.BlockSize())
	if decrypt {
		return smcrypto.DecryptCBC(b, iv, data)
	}
	return smcrypto.EncryptCBC(b, iv, data)
}

// paceToken is the authentication token over the peer's ephemeral public
// key (§4.4.3.4): MAC over 7F49 { 06 OID, 86/84 key }.
func paceToken(c KeyCipher, macKey []byte, oid asn1.ObjectIdentifier, tag byte, pub []byte) ([]byte, error) {
	oidDER, err := asn1.Marshal(oid)
	if err != nil {
		return nil, err
	}
	var b apdu.TLVBuilder
	b.AddTLV(0x7F49, func(b *apdu.TLVBuilder) {
		b.AddBytes(oidDER)
		b.AddTLVBytes(apdu.Tag(tag), pub)
	})
	in, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	if c == Cipher3DES {
		return smcrypto.RetailMAC(macKey, smcrypto.Pad(in, 8))
	}
	m, err := smcrypto.CMAC(macKey, in)
	if err != nil {
		return nil, err
	}
	return m[:8], nil
}

// dynamicAuthData wraps data objects in 7C (§4.4.4.2).
func dynamicAuthData(tag apdu.Tag, value []byte) []byte {
	if value == nil {
		return []byte{0x7C, 0x00}
	}
	return apdu.EncodeTLV(0x7C, apdu.EncodeTLV(tag, value))
}

// parseDynamicAuthData reads 7C { tag value ... } and returns the value
// of want; other objects (e.g. CARs after the token) are ignored.
func parseDynamicAuthData(b []byte, want apdu.Tag) ([]byte, error) {
	r := apdu.TLVReader(b)
	var inner apdu.TLVReader
	if !r.Read(0x7C, &inner) || !r.Empty() {
		return nil, fmt.Errorf("%w: GENERAL AUTHENTICATE answer is not a 7C dynamic authentication data object", ErrAuthentication)
	}
	for !inner.Empty() {
		var tag apdu.Tag
		var v apdu.TLVReader
		if !inner.ReadAny(&tag, &v) {
			return nil, fmt.Errorf("%w: malformed dynamic authentication data", ErrAuthentication)
		}
		if tag == want {
			return []byte(v), nil
		}
	}
	return nil, fmt.Errorf("%w: dynamic authentication data lacks object %s", ErrAuthentication, want)
}

// isPasswordRefusal reports status words with which a chip refuses a
// PACE password (wrong token, wrong secret, blocked).
func isPasswordRefusal(err error) bool {
	var se *apdu.StatusError
	if !errors.As(err, &se) {
		return false
	}
	return se.SW == 0x6300 || se.SW&0xFFF0 == 0x63C0 || se.SW == apdu.SWSecurityStatus || se.SW == apdu.SWAuthMethodBlocked
}

// DoPACE runs PACE with the card and, on success, routes its following
// commands through secure messaging with the new keys. rnd supplies the
// terminal's ephemeral private keys (mapping, then key agreement). A wrong
// password gives an error wrapping ErrAccessDenied.
func DoPACE(card *apdu.Card, pw Password, params PACEParams, rnd io.Reader) error {
	_, err := doPACE(card, pw, params, rnd)
	return err
}

// doPACE is DoPACE returning ID_PICC for Terminal Authentication: the
// compressed ephemeral key agreement key of the chip (ICAO 9303-11 §7.1.2).
func doPACE(card *apdu.Card, pw Password, params PACEParams, rnd io.Reader) ([]byte, error) {
	suite, err := ParsePACEProtocol(params.Protocol)
	if err != nil {
		return nil, err
	}
	group, err := paceGroupFor(params.ParameterID)
	if err != nil {
		return nil, err
	}
	card.SetChannel(nil)
	fail := func(step string, err error) error {
		if isPasswordRefusal(err) {
			return fmt.Errorf("PACE (%s): %w (%v)", pw.Ref, ErrAccessDenied, err)
		}
		return fmt.Errorf("PACE %s: %w", step, err)
	}

	oidDER, _ := asn1.Marshal(params.Protocol)
	mse := apdu.EncodeTLV(0x80, oidDER[2:])
	mse = append(mse, 0x83, 0x01, byte(pw.Ref))
	if params.SendParameterID {
		mse = append(mse, 0x84, 0x01, byte(params.ParameterID))
	}
	if _, err := card.Send(apdu.Command{INS: 0x22, P1: 0xC1, P2: 0xA4, Data: mse}); err != nil {
		return nil, fail("MSE:Set AT", err)
	}

	// Step 1: the chip's nonce, encrypted with K_π.
	resp, err := card.Send(paceStep(true, dynamicAuthData(0, nil)))
	if err != nil {
		return nil, fail("step 1 (nonce)", err)
	}
	z, err := parseDynamicAuthData(resp, 0x80)
	if err != nil {
		return nil, err
	}
	sBytes, err := paceNonceCrypt(suite.Cipher, pw.piKey(suite.Cipher), z, true)
	if err != nil {
		return nil, fmt.Errorf("PACE: %w: encrypted nonce: %v", ErrAuthentication, err)
	}
	s := new(big.Int).SetBytes(sBytes)

	// Step 2: Generic Mapping, G' = s·G + H.
	mapPriv, mapPub, err := group.newKey(rnd)
	if err != nil {
		return nil, err
	}
	resp, err = card.Send(paceStep(true, dynamicAuthData(0x81, mapPub)))
	if err != nil {
		return nil, fail("step 2 (mapping)", err)
	}
	chipMapPub, err := parseDynamicAuthData(resp, 0x82)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(chipMapPub, mapPub) {
		return nil, fmt.Errorf("PACE: %w: the chip echoed the mapping key", ErrAuthentication)
	}
	h, err := group.agree(mapPriv, chipMapPub)
	if err != nil {
		return nil, fmt.Errorf("PACE: %w: chip mapping key: %v", ErrAuthentication, err)
	}
	mapped, err := group.mapped(s, h)
	if err != nil {
		return nil, fmt.Errorf("PACE: %w: %v", ErrAuthentication, err)
	}

	// Step 3: key agreement on the mapped generator.
	kaPriv, kaPub, err := mapped.newKey(rnd)
	if err != nil {
		return nil, err
	}
	resp, err = card.Send(paceStep(true, dynamicAuthData(0x83, kaPub)))
	if err != nil {
		return nil, fail("step 3 (key agreement)", err)
	}
	chipKAPub, err := parseDynamicAuthData(resp, 0x84)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(chipKAPub, kaPub) {
		return nil, fmt.Errorf("PACE: %w: the chip echoed the key agreement key", ErrAuthentication)
	}
	agreed, err := mapped.agree(kaPriv, chipKAPub)
	if err != nil {
		return nil, fmt.Errorf("PACE: %w: chip key agreement key: %v", ErrAuthentication, err)
	}
	ksEnc, ksMac := sessionKeys(suite.Cipher, mapped.secret(agreed))

	// Step 4: mutual authentication tokens over each other's key.
	tIFD, err := paceToken(suite.Cipher, ksMac, params.Protocol, mapped.publicTag(), chipKAPub)
	if err != nil {
		return nil, err
	}
	resp, err = card.Send(paceStep(false, dynamicAuthData(0x85, tIFD)))
	if err != nil {
		return nil, fail("step 4 (tokens)", err)
	}
	tIC, err := parseDynamicAuthData(resp, 0x86)
	if err != nil {
		return nil, err
	}
	want, _ := paceToken(suite.Cipher, ksMac, params.Protocol, mapped.publicTag(), kaPub)
	if subtle.ConstantTimeCompare(tIC, want) != 1 {
		return nil, fmt.Errorf("PACE: %w: the chip's authentication token does not verify", ErrAuthentication)
	}
	sm, err := apdu.NewSecureMessaging(card.Raw(), suite.smCipher(), ksEnc, ksMac, make([]byte, blockSizeOf(suite.Cipher)))
	if err != nil {
		return nil, err
	}
	card.SetChannel(sm)
	return compressKey(mapped, chipKAPub), nil
}

// paceStep builds one GENERAL AUTHENTICATE command: CLA 10 (command
// chaining, §4.4.4.2) for all steps but the last, extended length when a
// 2048-bit DH key does not fit a short APDU.
func paceStep(more bool, data []byte) apdu.Command {
	c := apdu.Command{INS: 0x86, Data: data, Ne: apdu.MaxShortLe}
	if more {
		c.CLA = 0x10
	}
	if len(data) > apdu.MaxShortData {
		c.Extended, c.Ne = true, apdu.MaxExtendedLe
	}
	return c
}

func blockSizeOf(c KeyCipher) int {
	if c == Cipher3DES {
		return 8
	}
	return 16
}
