// Package perso is the personalization command set of cccd's card
// (shared/perso-protocol.md): the JMRTD passport applet's commands —
// CREATE FILE, SELECT, UPDATE BINARY, PUT DATA for the BAC seed and the RSA
// Active Authentication key, LOCK — and cccd's extensions (files in the
// master file, the CAN, EC Active Authentication keys, the Chip
// Authentication key, UPDATE BINARY beyond offset 32767) and the CVCA
// trust point of Extended Access Control.
//
// Each command is a Go type with a builder (APDU) and one parser (Parse),
// so the personalizer and the emulated card speak the same bytes by
// construction. The package knows nothing about citizens.
//
// # Writing beyond offset 32767
//
// UPDATE BINARY with even INS (D6) carries the offset in P1-P2, but P1's
// high bit means "short EF identifier" (ISO/IEC 7816-4 §11.2.2), so only
// offsets up to 32767 can be written that way. Beyond it, the odd-INS form
// of ISO/IEC 7816-4 §11.2.4 is used: INS D7, P1-P2 = 0000 (current file),
// data = 54 L offset || 53 L bytes. A card that lacks it answers 6D00, and
// the personalizer then refuses a file larger than 32 KB with a clear
// message.
//
// # Files larger than 65535 bytes
//
// The JMRTD applet's CREATE FILE carries the size in two bytes (63 04 SSSS
// FFFF), yet a DG2 with a 100 KB photo is larger. For such a file the size
// goes in three bytes (63 05 SSSSSS FFFF): a base applet answers 6A80 to
// it (wrong data), which the personalizer reports as a card lacking the
// command. Smaller files keep the base form, so every card the base applet
// can take is personalized with its own bytes.
package perso

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
)

// Instruction bytes (ISO/IEC 7816-4 §5.4 and the JMRTD applet).
const (
	INSSelect          byte = 0xA4
	INSCreateFile      byte = 0xE0
	INSUpdateBinary    byte = 0xD6
	INSUpdateBinaryOdd byte = 0xD7
	INSPutData         byte = 0xDA
)

// PUT DATA tags (P2, and the template's tag).
const (
	TagAARSAModulus  byte = 0x60
	TagAARSAExponent byte = 0x61
	TagBACSeed       byte = 0x62
	TagCAN           byte = 0x65
	TagAAECKey       byte = 0x66
	TagCAKey         byte = 0x67
	// TagTrustPoint is the JMRTD applet's CVCERTIFICATE_TAG: P2 of the
	// PUT DATA that writes a CVCA trust point.
	TagTrustPoint byte = 0x64
)

// MaxEvenOffset is the largest offset UPDATE BINARY with even INS can
// address (P1 bit 8 clear).
const MaxEvenOffset = 0x7FFF

// Command is one personalization command.
type Command interface {
	// APDU is the command as sent (CLA 00: personalization is in plain).
	APDU() apdu.Command
	// Name is how errors and traces call it ("CREATE FILE DG2").
	Name() string
}

// SelectApplet selects the eMRTD application (00 A4 04 0C 07 AID).
type SelectApplet struct{}

// CreateFile creates an elementary file of Size bytes; MasterFile puts it in
// the master file (readable before access control: EF.CardAccess,
// EF.ATR/INFO), else in the eMRTD application. The size goes before the
// identifier (63 04 SSSS FFFF), as the JMRTD applet takes it.
type CreateFile struct {
	FID        uint16
	Size       int
	MasterFile bool
}

// SelectFile selects a file by identifier (00 A4 02 0C 02 FFFF).
type SelectFile struct{ FID uint16 }

// UpdateBinary writes Data at Offset of the current file: even INS up to
// offset 32767, odd INS with an offset data object beyond.
type UpdateBinary struct {
	Offset int
	Data   []byte
}

// PutBACSeed gives the card its MRZ fields; the card computes the check
// digits and K_seed itself. The document number goes '<'-padded to 9
// characters, or whole when longer.
type PutBACSeed struct{ Secret lds.Secret }

// PutCAN gives the card its PACE card access number (6 digits).
type PutCAN struct{ CAN string }

// PutAARSAModulus gives the RSA Active Authentication modulus.
type PutAARSAModulus struct{ N []byte }

// PutAARSAExponent gives the RSA Active Authentication private exponent.
type PutAARSAExponent struct{ D []byte }

// PutAAECKey gives an EC Active Authentication private key: the curve's OID
// and the scalar.
type PutAAECKey struct {
	Curve asn1.ObjectIdentifier
	D     []byte
}

// PutCAKey gives the Chip Authentication private key, with the key
// identifier of its ChipAuthenticationPublicKeyInfo in DG14.
type PutCAKey struct {
	KeyID int
	Curve asn1.ObjectIdentifier
	D     []byte
}

// PutTrustPoint writes a CVCA certificate the chip trusts for Terminal
// Authentication (ICAO 9303-11 §7.1, BSI TR-03110 part 3 §2.5): 00 DA 0S 64
// Lc <CV certificate 7F21>, S the trust-point slot, 1 or 2. The JMRTD
// applet has this command with the certificate body 7F4E (and RSA only);
// ours takes the whole certificate, ECDSA on brainpool and NIST curves, and
// sets the chip's current date to the certificate's effective date when
// that is later. A certificate of more than 255 bytes (a CVCA carries its
// domain parameters) goes by command chaining or extended length.
type PutTrustPoint struct {
	Slot        int
	Certificate []byte
}

// Lock ends personalization for good (00 DA DE AD): afterwards every write
// answers 6985.
type Lock struct{}

func (SelectApplet) APDU() apdu.Command {
	return apdu.Command{INS: INSSelect, P1: 0x04, P2: 0x0C, Data: lds.AID}
}
func (SelectApplet) Name() string { return "SELECT applet" }

// MaxFileSize is the largest file CREATE FILE can give a size (three size
// bytes; see the package comment).
const MaxFileSize = 0xFFFFFF

func (c CreateFile) APDU() apdu.Command {
	var p1 byte
	if c.MasterFile {
		p1 = 0x01
	}
	if c.Size > 0xFFFF {
		return apdu.Command{INS: INSCreateFile, P1: p1, Data: []byte{0x63, 0x05, byte(c.Size >> 16), byte(c.Size >> 8), byte(c.Size), byte(c.FID >> 8), byte(c.FID)}}
	}
	return apdu.Command{INS: INSCreateFile, P1: p1, Data: []byte{0x63, 0x04, byte(c.Size >> 8), byte(c.Size), byte(c.FID >> 8), byte(c.FID)}}
}
func (c CreateFile) Name() string { return "CREATE FILE " + lds.FileName(c.FID) }

func (c SelectFile) APDU() apdu.Command {
	return apdu.Command{INS: INSSelect, P1: 0x02, P2: 0x0C, Data: []byte{byte(c.FID >> 8), byte(c.FID)}}
}
func (c SelectFile) Name() string { return "SELECT " + lds.FileName(c.FID) }

func (c UpdateBinary) APDU() apdu.Command {
	if c.Offset <= MaxEvenOffset {
		return apdu.Command{INS: INSUpdateBinary, P1: byte(c.Offset >> 8), P2: byte(c.Offset), Data: c.Data}
	}
	off := big.NewInt(int64(c.Offset)).Bytes()
	return apdu.Command{INS: INSUpdateBinaryOdd, Data: append(apdu.EncodeTLV(0x54, off), apdu.EncodeTLV(0x53, c.Data)...)}
}
func (c UpdateBinary) Name() string { return "UPDATE BINARY" }

func (c PutBACSeed) APDU() apdu.Command {
	s := c.Secret
	body := bytes.Join([][]byte{
		apdu.EncodeTLV(0x04, []byte(s.PaddedDocumentNumber())),
		apdu.EncodeTLV(0x04, []byte(s.DateOfBirth)),
		apdu.EncodeTLV(0x04, []byte(s.DateOfExpiry)),
	}, nil)
	return putData(TagBACSeed, body)
}
func (PutBACSeed) Name() string { return "PUT DATA BAC seed" }

func (c PutCAN) APDU() apdu.Command { return putData(TagCAN, apdu.EncodeTLV(0x04, []byte(c.CAN))) }
func (PutCAN) Name() string         { return "PUT DATA CAN" }

func (c PutAARSAModulus) APDU() apdu.Command {
	return putData(TagAARSAModulus, apdu.EncodeTLV(0x04, c.N))
}
func (PutAARSAModulus) Name() string { return "PUT DATA AA modulus" }

func (c PutAARSAExponent) APDU() apdu.Command {
	return putData(TagAARSAExponent, apdu.EncodeTLV(0x04, c.D))
}
func (PutAARSAExponent) Name() string { return "PUT DATA AA exponent" }

func (c PutAAECKey) APDU() apdu.Command {
	oid, _ := asn1.Marshal(c.Curve)
	return putData(TagAAECKey, append(oid, apdu.EncodeTLV(0x04, c.D)...))
}
func (PutAAECKey) Name() string { return "PUT DATA AA key" }

func (c PutCAKey) APDU() apdu.Command {
	oid, _ := asn1.Marshal(c.Curve)
	id := big.NewInt(int64(c.KeyID)).Bytes()
	if len(id) == 0 {
		id = []byte{0}
	}
	body := append(append(apdu.EncodeTLV(0x02, id), oid...), apdu.EncodeTLV(0x04, c.D)...)
	return putData(TagCAKey, body)
}
func (PutCAKey) Name() string { return "PUT DATA CA key" }

func (c PutTrustPoint) APDU() apdu.Command {
	return apdu.Command{INS: INSPutData, P1: byte(c.Slot), P2: TagTrustPoint, Data: c.Certificate}
}
func (PutTrustPoint) Name() string { return "PUT DATA CVCA trust point" }

func (Lock) APDU() apdu.Command { return apdu.Command{INS: INSPutData, P1: 0xDE, P2: 0xAD} }
func (Lock) Name() string       { return "LOCK" }

func putData(tag byte, body []byte) apdu.Command {
	return apdu.Command{INS: INSPutData, P2: tag, Data: apdu.EncodeTLV(apdu.Tag(tag), body)}
}

// Error is a command the card cannot take: SW is the status word it
// answers, Reason says why (for traces and tests).
type Error struct {
	SW     apdu.SW
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%04X)", e.Reason, uint16(e.SW)) }

// ErrNotPersonalization is returned by Parse for a command outside the
// personalization set (the card handles it elsewhere).
var ErrNotPersonalization = errors.New("not a personalization command")

func bad(sw apdu.SW, format string, args ...any) error {
	return &Error{SW: sw, Reason: fmt.Sprintf(format, args...)}
}

// Parse reads a personalization command as the card receives it. A
// command of another kind (READ BINARY, SELECT by name of another
// application, …) gives ErrNotPersonalization; a malformed one gives an
// *Error with the status word the card answers. SELECT by file identifier
// is not parsed here (the card selects files in every life-cycle state).
func Parse(cmd apdu.Command) (Command, error) {
	switch cmd.INS {
	case INSCreateFile:
		return parseCreateFile(cmd)
	case INSUpdateBinary:
		if cmd.P1&0x80 != 0 {
			return nil, bad(apdu.SWIncorrectP1P2, "UPDATE BINARY by short EF identifier is not supported")
		}
		return UpdateBinary{Offset: int(cmd.P1)<<8 | int(cmd.P2), Data: cmd.Data}, nil
	case INSUpdateBinaryOdd:
		return parseUpdateBinaryOdd(cmd)
	case INSPutData:
		return parsePutData(cmd)
	}
	return nil, ErrNotPersonalization
}

func parseCreateFile(cmd apdu.Command) (Command, error) {
	if cmd.P1 > 1 || cmd.P2 != 0 {
		return nil, bad(apdu.SWIncorrectP1P2, "CREATE FILE: P1 must be 00 or 01, P2 00")
	}
	d := cmd.Data
	if len(d) < 2 || d[0] != 0x63 || !(d[1] == 0x04 && len(d) == 6 || d[1] == 0x05 && len(d) == 7) {
		return nil, bad(apdu.SWWrongData, "CREATE FILE: data must be 63 04 size(2) fid, or 63 05 size(3) fid")
	}
	size := 0
	for _, b := range d[2 : len(d)-2] {
		size = size<<8 | int(b)
	}
	return CreateFile{
		Size:       size,
		FID:        uint16(d[len(d)-2])<<8 | uint16(d[len(d)-1]),
		MasterFile: cmd.P1 == 1,
	}, nil
}

func parseUpdateBinaryOdd(cmd apdu.Command) (Command, error) {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, bad(apdu.SWIncorrectP1P2, "UPDATE BINARY (odd INS): P1-P2 must be 0000 (current file)")
	}
	r := apdu.TLVReader(cmd.Data)
	var off, data []byte
	if !r.ReadBytes(0x54, &off) || len(off) == 0 || len(off) > 3 || !r.ReadBytes(0x53, &data) || !r.Empty() {
		return nil, bad(apdu.SWWrongData, "UPDATE BINARY (odd INS): data must be 54 offset, 53 bytes")
	}
	return UpdateBinary{Offset: int(new(big.Int).SetBytes(off).Int64()), Data: data}, nil
}

// putDataFields reads the objects inside a PUT DATA template.
func putDataFields(data []byte, tag byte) ([]apdu.TLV, bool) {
	r := apdu.TLVReader(data)
	var v apdu.TLVReader
	if !r.Read(apdu.Tag(tag), &v) || !r.Empty() {
		return nil, false
	}
	objs, err := apdu.ParseTLVs(v)
	return objs, err == nil
}

func parsePutData(cmd apdu.Command) (Command, error) {
	if cmd.P1 == 0xDE && cmd.P2 == 0xAD {
		if len(cmd.Data) != 0 {
			return nil, bad(apdu.SWWrongLength, "LOCK takes no data")
		}
		return Lock{}, nil
	}
	if cmd.P2 == TagTrustPoint {
		if cmd.P1 != 1 && cmd.P1 != 2 {
			return nil, bad(apdu.SWIncorrectP1P2, "PUT DATA 64: P1 is the trust-point slot, 01 or 02")
		}
		if _, err := cvc.ParseCertificate(cmd.Data); err != nil {
			return nil, bad(apdu.SWWrongData, "PUT DATA 64: not a CV certificate: %v", err)
		}
		return PutTrustPoint{Slot: int(cmd.P1), Certificate: cmd.Data}, nil
	}
	if cmd.P1 != 0 {
		return nil, bad(apdu.SWIncorrectP1P2, "PUT DATA: P1 must be 00")
	}
	switch cmd.P2 {
	case TagBACSeed, TagCAN, TagAARSAModulus, TagAARSAExponent, TagAAECKey, TagCAKey:
	default:
		return nil, bad(apdu.SWReferencedDataNotFound, "PUT DATA: unknown tag %02X", cmd.P2)
	}
	objs, ok := putDataFields(cmd.Data, cmd.P2)
	malformed := bad(apdu.SWWrongData, "PUT DATA %02X: malformed template", cmd.P2)
	if !ok {
		return nil, malformed
	}
	is := func(i int, tag apdu.Tag) bool { return len(objs) > i && objs[i].Tag == tag }
	switch cmd.P2 {
	case TagBACSeed:
		if len(objs) != 3 || !is(0, 0x04) || !is(1, 0x04) || !is(2, 0x04) || len(objs[1].Value) != 6 || len(objs[2].Value) != 6 || len(objs[0].Value) == 0 {
			return nil, malformed
		}
		return PutBACSeed{Secret: lds.Secret{DocumentNumber: string(objs[0].Value), DateOfBirth: string(objs[1].Value), DateOfExpiry: string(objs[2].Value)}}, nil
	case TagCAN:
		if len(objs) != 1 || !is(0, 0x04) || lds.CheckCAN(string(objs[0].Value)) != nil {
			return nil, malformed
		}
		return PutCAN{CAN: string(objs[0].Value)}, nil
	case TagAARSAModulus, TagAARSAExponent:
		if len(objs) != 1 || !is(0, 0x04) || len(objs[0].Value) == 0 {
			return nil, malformed
		}
		v := objs[0].Value
		if cmd.P2 == TagAARSAModulus {
			if v[0] == 0 && len(v) > 1 {
				v = v[1:] // one leading 00 is ignored
			}
			return PutAARSAModulus{N: v}, nil
		}
		return PutAARSAExponent{D: v}, nil
	}
	// EC keys: [02 key id] 06 curve OID, 04 scalar.
	keyID := -1
	if cmd.P2 == TagCAKey {
		if len(objs) != 3 || !is(0, 0x02) || len(objs[0].Value) == 0 || len(objs[0].Value) > 4 {
			return nil, malformed
		}
		keyID = int(new(big.Int).SetBytes(objs[0].Value).Int64())
		objs = objs[1:]
	}
	if len(objs) != 2 || !is(0, 0x06) || !is(1, 0x04) || len(objs[1].Value) == 0 {
		return nil, malformed
	}
	var oid asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(apdu.EncodeTLV(0x06, objs[0].Value), &oid); err != nil || len(rest) != 0 {
		return nil, malformed
	}
	if keyID >= 0 {
		return PutCAKey{KeyID: keyID, Curve: oid, D: objs[1].Value}, nil
	}
	return PutAAECKey{Curve: oid, D: objs[1].Value}, nil
}
