package apdu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/cccd-vn/cccd/internal/smcrypto"
)

// Secure messaging errors. Every one ends the session: a chip answers a
// broken MAC by closing its session (ISO/IEC 7816-4 §6, ICAO 9303-11 §9.8),
// and a terminal that sees one cannot trust the channel any more.
var (
	ErrSM            = errors.New("secure messaging failed; the session is closed")
	ErrSMMAC         = fmt.Errorf("%w: the MAC does not verify (tampered or replayed message)", ErrSM)
	ErrSMFormat      = fmt.Errorf("%w: malformed secure messaging data objects", ErrSM)
	ErrSMUnprotected = fmt.Errorf("%w: the card answered without secure messaging", ErrSM)
	ErrSMClosed      = fmt.Errorf("%w: earlier failure", ErrSM)
)

// SMCipher selects the secure messaging algorithms of ICAO 9303-11 §9.8.
type SMCipher int

const (
	// SM3DES: two-key 3DES-CBC with IV 0, retail MAC, 8-byte SSC (BAC and
	// 3DES PACE).
	SM3DES SMCipher = iota + 1
	// SMAES: AES-CBC with IV = E(KS_enc, SSC), AES-CMAC truncated to 8
	// bytes, 16-byte SSC (AES PACE and Chip Authentication).
	SMAES
)

func (c SMCipher) String() string {
	switch c {
	case SM3DES:
		return "3DES"
	case SMAES:
		return "AES"
	}
	return "unknown"
}

// SecureMessaging protects APDUs with session keys. The terminal uses it
// as a Transport over the plain channel (Card.SetChannel(sm) with sm made
// on Card.Raw()); the emulated chip uses UnwrapCommand and WrapResponse.
// Both sides count with the same send sequence counter, so a replayed or
// reordered message fails its MAC.
type SecureMessaging struct {
	inner  Transport
	cipher SMCipher
	enc    cipher.Block
	macKey []byte
	ssc    []byte
	bs     int
	err    error
	// authentic: the last response carried a MAC that verified (a bare
	// status word does not).
	authentic bool
}

// NewSecureMessaging makes a secure messaging context from session keys
// and the initial send sequence counter (8 bytes for 3DES, 16 for AES).
// inner is the plain channel for the terminal side; nil on the chip side.
func NewSecureMessaging(inner Transport, c SMCipher, encKey, macKey, ssc []byte) (*SecureMessaging, error) {
	sm := &SecureMessaging{inner: inner, cipher: c, macKey: append([]byte(nil), macKey...), ssc: append([]byte(nil), ssc...)}
	var err error
	switch c {
	case SM3DES:
		sm.enc, err = smcrypto.NewTDES(encKey)
		if err == nil && len(macKey) != 16 {
			err = fmt.Errorf("3DES MAC key of %d bytes, want 16", len(macKey))
		}
	case SMAES:
		sm.enc, err = aes.NewCipher(encKey)
		if err == nil {
			_, err = aes.NewCipher(macKey)
		}
	default:
		err = fmt.Errorf("unknown secure messaging cipher %d", c)
	}
	if err != nil {
		return nil, fmt.Errorf("secure messaging keys: %w", err)
	}
	sm.bs = sm.enc.BlockSize()
	if len(ssc) != sm.bs {
		return nil, fmt.Errorf("secure messaging: SSC of %d bytes, want %d", len(ssc), sm.bs)
	}
	return sm, nil
}

// Cipher reports the algorithms in use.
func (sm *SecureMessaging) Cipher() SMCipher { return sm.cipher }

// SSC returns the current send sequence counter (for tests and traces).
func (sm *SecureMessaging) SSC() []byte { return append([]byte(nil), sm.ssc...) }

// Err returns the failure that closed the session, or nil.
func (sm *SecureMessaging) Err() error { return sm.err }

func (sm *SecureMessaging) fail(err error) error {
	if sm.err == nil {
		sm.err = err
	}
	return err
}

func (sm *SecureMessaging) incrementSSC() {
	for i := len(sm.ssc) - 1; i >= 0; i-- {
		sm.ssc[i]++
		if sm.ssc[i] != 0 {
			break
		}
	}
}

func (sm *SecureMessaging) iv() []byte {
	iv := make([]byte, sm.bs)
	if sm.cipher == SMAES {
		sm.enc.Encrypt(iv, sm.ssc)
	}
	return iv
}

func (sm *SecureMessaging) mac(data []byte) []byte {
	n := smcrypto.Pad(append(append([]byte(nil), sm.ssc...), data...), sm.bs)
	var m []byte
	if sm.cipher == SM3DES {
		m, _ = smcrypto.RetailMAC(sm.macKey, n)
	} else {
		m, _ = smcrypto.CMAC(sm.macKey, n)
	}
	return m[:8]
}

func (sm *SecureMessaging) encrypt(plain []byte) []byte {
	out, _ := smcrypto.EncryptCBC(sm.enc, sm.iv(), smcrypto.Pad(plain, sm.bs))
	return out
}

func (sm *SecureMessaging) decrypt(ct []byte) ([]byte, error) {
	plain, err := smcrypto.DecryptCBC(sm.enc, sm.iv(), ct)
	if err != nil {
		return nil, err
	}
	return smcrypto.Unpad(plain)
}

// Transmit protects a plain command, sends it on the inner channel and
// returns the verified, decrypted response (data and SW). After any
// failure every call returns the error.
func (sm *SecureMessaging) Transmit(raw []byte) ([]byte, error) {
	if sm.err != nil {
		return nil, ErrSMClosed
	}
	cmd, err := ParseCommand(raw)
	if err != nil {
		return nil, err
	}
	prot, err := sm.Protect(cmd)
	if err != nil {
		return nil, err
	}
	out, err := sm.inner.Transmit(prot)
	if err != nil {
		return nil, sm.fail(err)
	}
	r, err := sm.Unprotect(out)
	if err != nil {
		return nil, err
	}
	return r.Bytes(), nil
}

// Protect builds the protected form of cmd (ICAO 9303-11 §9.8.4):
// CLA with the SM bits, DO 87 (or DO 85 for an odd INS) with the encrypted
// data, DO 97 with Le, DO 8E with the MAC over the padded header and those
// objects, and Le 00 (0000 when extended).
func (sm *SecureMessaging) Protect(cmd Command) ([]byte, error) {
	if cmd.CLA&0x0C != 0 {
		return nil, fmt.Errorf("secure messaging: %s already has SM bits in CLA %02X", cmd.Name(), cmd.CLA)
	}
	cla := cmd.CLA | 0x0C
	// The counter goes up first: the AES IV is E(KS_enc, SSC) of this
	// message (ICAO 9303-11 §9.8.6.1).
	sm.incrementSSC()
	header := smcrypto.Pad([]byte{cla, cmd.INS, cmd.P1, cmd.P2}, sm.bs)
	var dos []byte
	if len(cmd.Data) > 0 {
		enc := sm.encrypt(cmd.Data)
		if cmd.INS&1 == 1 {
			dos = append(dos, EncodeTLV(0x85, enc)...)
		} else {
			dos = append(dos, EncodeTLV(0x87, append([]byte{0x01}, enc...))...)
		}
	}
	extended := cmd.IsExtended()
	if cmd.Ne > 0 {
		if extended {
			dos = append(dos, 0x97, 0x02, byte(cmd.Ne>>8), byte(cmd.Ne))
		} else {
			dos = append(dos, 0x97, 0x01, byte(cmd.Ne))
		}
	}
	mac := sm.mac(append(header, dos...))
	dos = append(dos, 0x8E, 0x08)
	dos = append(dos, mac...)
	ne := MaxShortLe
	if extended || len(dos) > MaxShortData {
		extended, ne = true, MaxExtendedLe
	}
	return Command{CLA: cla, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: dos, Ne: ne, Extended: extended}.Bytes()
}

// Unprotect verifies and decrypts a protected response (ICAO 9303-11
// §9.8.5): optional DO 87/85, DO 99 with the status word, DO 8E with the
// MAC. A bare status word is accepted only for an error status other than
// 6987/6988 (a chip may refuse a command without protecting its refusal);
// anything else closes the session.
func (sm *SecureMessaging) Unprotect(raw []byte) (Response, error) {
	r, err := ParseResponse(raw)
	if err != nil {
		return Response{}, sm.fail(fmt.Errorf("%w: %v", ErrSMFormat, err))
	}
	sm.incrementSSC()
	sm.authentic = false
	if len(r.Data) == 0 {
		if r.SW == SWSuccess || r.SW == SWSMDataObjectsMissing || r.SW == SWSMDataObjectsIncorrect || r.SW.SW1() == 0x61 {
			return Response{}, sm.fail(fmt.Errorf("%w (SW %s: %s)", ErrSMUnprotected, r.SW, r.SW.Meaning()))
		}
		return r, nil
	}
	rd := TLVReader(r.Data)
	var do87, do99, do8e []byte
	var tag Tag
	var v TLVReader
	var macInput []byte
	for !rd.Empty() {
		start := len(r.Data) - len(rd)
		if !rd.ReadAny(&tag, &v) {
			return Response{}, sm.fail(ErrSMFormat)
		}
		end := len(r.Data) - len(rd)
		switch tag {
		case 0x87, 0x85:
			if do87 != nil || do99 != nil {
				return Response{}, sm.fail(ErrSMFormat)
			}
			do87 = append([]byte{byte(tag)}, v...)
			macInput = append(macInput, r.Data[start:end]...)
		case 0x99:
			if do99 != nil || len(v) != 2 {
				return Response{}, sm.fail(ErrSMFormat)
			}
			do99 = v
			macInput = append(macInput, r.Data[start:end]...)
		case 0x8E:
			if len(v) != 8 || !rd.Empty() {
				return Response{}, sm.fail(ErrSMFormat)
			}
			do8e = v
		default:
			return Response{}, sm.fail(fmt.Errorf("%w: unexpected tag %s", ErrSMFormat, tag))
		}
	}
	if do8e == nil || do99 == nil {
		return Response{}, sm.fail(fmt.Errorf("%w: DO 99 or DO 8E missing", ErrSMFormat))
	}
	if subtle.ConstantTimeCompare(sm.mac(macInput), do8e) != 1 {
		return Response{}, sm.fail(ErrSMMAC)
	}
	sm.authentic = true
	out := Response{SW: SW(do99[0])<<8 | SW(do99[1])}
	if do87 != nil {
		ct := do87[1:]
		if do87[0] == 0x87 {
			if len(ct) == 0 || ct[0] != 0x01 {
				return Response{}, sm.fail(fmt.Errorf("%w: unknown padding indicator in DO 87", ErrSMFormat))
			}
			ct = ct[1:]
		}
		plain, err := sm.decrypt(ct)
		if err != nil {
			return Response{}, sm.fail(fmt.Errorf("%w: %v", ErrSMFormat, err))
		}
		out.Data = plain
	}
	return out, nil
}

// Authentic reports whether the last response passed the MAC check: only
// the holder of the session keys could have sent it. A bare status word
// (a refusal the chip did not protect, which Unprotect lets through) is
// not authentic: anyone on the wire can send one.
func (sm *SecureMessaging) Authentic() bool { return sm.authentic }

// UnwrapCommand is the chip side of Protect: it checks the command's MAC
// and returns the plain command. Any failure closes the session; the chip
// then answers 6988 (or 6987) in plain.
func (sm *SecureMessaging) UnwrapCommand(raw []byte) (Command, error) {
	if sm.err != nil {
		return Command{}, ErrSMClosed
	}
	cmd, err := ParseCommand(raw)
	if err != nil {
		return Command{}, sm.fail(fmt.Errorf("%w: %v", ErrSMFormat, err))
	}
	if cmd.CLA&0x0C != 0x0C {
		return Command{}, sm.fail(ErrSMUnprotected)
	}
	header := smcrypto.Pad([]byte{cmd.CLA, cmd.INS, cmd.P1, cmd.P2}, sm.bs)
	rd := TLVReader(cmd.Data)
	var enc []byte
	var encTag Tag
	var le []byte
	var mac []byte
	var macInput []byte
	for !rd.Empty() {
		start := len(cmd.Data) - len(rd)
		var tag Tag
		var v TLVReader
		if !rd.ReadAny(&tag, &v) {
			return Command{}, sm.fail(ErrSMFormat)
		}
		end := len(cmd.Data) - len(rd)
		switch tag {
		case 0x87, 0x85:
			if enc != nil || le != nil {
				return Command{}, sm.fail(ErrSMFormat)
			}
			enc, encTag = v, tag
			macInput = append(macInput, cmd.Data[start:end]...)
		case 0x97:
			if le != nil || len(v) > 2 {
				return Command{}, sm.fail(ErrSMFormat)
			}
			le = append([]byte{}, v...)
			macInput = append(macInput, cmd.Data[start:end]...)
		case 0x8E:
			if len(v) != 8 || !rd.Empty() {
				return Command{}, sm.fail(ErrSMFormat)
			}
			mac = v
		default:
			return Command{}, sm.fail(fmt.Errorf("%w: unexpected tag %s", ErrSMFormat, tag))
		}
	}
	if mac == nil {
		return Command{}, sm.fail(fmt.Errorf("%w: DO 8E missing", ErrSMFormat))
	}
	sm.incrementSSC()
	if subtle.ConstantTimeCompare(sm.mac(append(header, macInput...)), mac) != 1 {
		return Command{}, sm.fail(ErrSMMAC)
	}
	plain := Command{CLA: cmd.CLA &^ 0x0C, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Extended: cmd.Extended}
	if enc != nil {
		if encTag == 0x87 {
			if len(enc) == 0 || enc[0] != 0x01 {
				return Command{}, sm.fail(fmt.Errorf("%w: unknown padding indicator in DO 87", ErrSMFormat))
			}
			enc = enc[1:]
		}
		if plain.Data, err = sm.decrypt(enc); err != nil {
			return Command{}, sm.fail(fmt.Errorf("%w: %v", ErrSMFormat, err))
		}
	}
	switch len(le) {
	case 1:
		plain.Ne = shortNe(le[0])
	case 2:
		plain.Ne = extendedNe(le[0], le[1])
		plain.Extended = true
	}
	return plain, nil
}

// WrapResponse is the chip side of Unprotect: it protects a plain
// response with DO 87, DO 99 and DO 8E.
func (sm *SecureMessaging) WrapResponse(r Response) []byte {
	sm.incrementSSC()
	var dos []byte
	if len(r.Data) > 0 {
		dos = append(dos, EncodeTLV(0x87, append([]byte{0x01}, sm.encrypt(r.Data)...))...)
	}
	dos = append(dos, 0x99, 0x02, r.SW.SW1(), r.SW.SW2())
	mac := sm.mac(dos)
	dos = append(dos, 0x8E, 0x08)
	dos = append(dos, mac...)
	return Response{Data: dos, SW: r.SW}.Bytes()
}

// SkipResponse advances the counter for a response the chip sends in
// plain (a refusal it does not protect), keeping both sides in step.
func (sm *SecureMessaging) SkipResponse() { sm.incrementSSC() }
