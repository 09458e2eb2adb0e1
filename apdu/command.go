// Package apdu is the one path every byte to a card takes: ISO/IEC 7816-4
// command and response APDUs (short and extended length), status words as
// typed errors, BER-TLV, the Transport interface and the Card that owns
// GET RESPONSE, 6Cxx resends and command chaining.
//
// It knows nothing about data groups or citizens.
package apdu

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// Length limits of ISO/IEC 7816-4 §5.1.
const (
	MaxShortData    = 255   // Nc of a short command
	MaxShortLe      = 256   // Ne of a short command (Le = 00)
	MaxExtendedData = 65535 // Nc of an extended command
	MaxExtendedLe   = 65536 // Ne of an extended command (Le = 0000)
)

// Command is a command APDU. Ne is the maximum number of response data bytes
// expected: 0 means no Le field (case 1 or 3), 1..256 fits a short Le and up
// to 65536 an extended one.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
	// Extended forces extended-length encoding even where a short one
	// would do (some cards want it for every command once they said they
	// support it). Lengths beyond the short limits are always extended.
	Extended bool
}

// ErrMalformed reports bytes that are not a well-formed APDU.
var ErrMalformed = errors.New("malformed APDU")

// IsExtended reports whether the command needs (or asks for) extended length.
func (c Command) IsExtended() bool {
	return c.Extended || len(c.Data) > MaxShortData || c.Ne > MaxShortLe
}

// Bytes encodes the command in the ISO/IEC 7816-4 §5.1 case that its data
// and Ne call for.
func (c Command) Bytes() ([]byte, error) {
	if len(c.Data) > MaxExtendedData {
		return nil, fmt.Errorf("apdu: %s: %d data bytes exceed the extended limit of %d", c.Name(), len(c.Data), MaxExtendedData)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedLe {
		return nil, fmt.Errorf("apdu: %s: Ne %d out of range 0..%d", c.Name(), c.Ne, MaxExtendedLe)
	}
	out := make([]byte, 0, 4+3+len(c.Data)+3)
	out = append(out, c.CLA, c.INS, c.P1, c.P2)
	if !c.IsExtended() {
		if len(c.Data) > 0 {
			out = append(out, byte(len(c.Data)))
			out = append(out, c.Data...)
		}
		if c.Ne > 0 {
			out = append(out, byte(c.Ne)) // 256 encodes as 00
		}
		return out, nil
	}
	// Extended: a 00 byte introduces the first length field; a case 4
	// command's Le then takes two bytes without the 00 prefix.
	if len(c.Data) > 0 {
		out = append(out, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
		out = append(out, c.Data...)
		if c.Ne > 0 {
			out = append(out, byte(c.Ne>>8), byte(c.Ne)) // 65536 encodes as 0000
		}
		return out, nil
	}
	if c.Ne > 0 {
		out = append(out, 0, byte(c.Ne>>8), byte(c.Ne))
	}
	// A case 1 command has no length fields, so there is nothing to extend.
	return out, nil
}

// ParseCommand decodes a command APDU in any of the four cases, short or
// extended (ISO/IEC 7816-4 §5.1). The emulated card uses it.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, a command has at least 4", ErrMalformed, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2 short
		c.Ne = shortNe(body[0])
		return c, nil
	case body[0] != 0: // case 3 or 4 short
		nc := int(body[0])
		switch len(body) {
		case 1 + nc:
			c.Data = clone(body[1:])
		case 2 + nc:
			c.Data = clone(body[1 : 1+nc])
			c.Ne = shortNe(body[1+nc])
		default:
			return Command{}, fmt.Errorf("%w: Lc says %d data bytes, %d follow", ErrMalformed, nc, len(body)-1)
		}
		return c, nil
	}
	// body[0] == 0 and more bytes follow: extended length.
	c.Extended = true
	if len(body) == 3 { // case 2 extended
		c.Ne = extendedNe(body[1], body[2])
		return c, nil
	}
	if len(body) < 3 {
		return Command{}, fmt.Errorf("%w: truncated extended length", ErrMalformed)
	}
	nc := int(body[1])<<8 | int(body[2])
	if nc == 0 {
		return Command{}, fmt.Errorf("%w: extended Lc of 0", ErrMalformed)
	}
	rest := body[3:]
	switch len(rest) {
	case nc:
		c.Data = clone(rest)
	case nc + 2:
		c.Data = clone(rest[:nc])
		c.Ne = extendedNe(rest[nc], rest[nc+1])
	default:
		return Command{}, fmt.Errorf("%w: extended Lc says %d data bytes, %d follow", ErrMalformed, nc, len(rest))
	}
	return c, nil
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortLe
	}
	return int(le)
}

func extendedNe(hi, lo byte) int {
	n := int(hi)<<8 | int(lo)
	if n == 0 {
		return MaxExtendedLe
	}
	return n
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// String shows the command as hex, for traces that may show data.
func (c Command) String() string {
	b, err := c.Bytes()
	if err != nil {
		return c.Name() + " (unencodable)"
	}
	return fmt.Sprintf("%X", b)
}

// Name names the command after its instruction byte, for error texts and
// traces ("READ BINARY", "GENERAL AUTHENTICATE"); unknown ones as "INS xx".
func (c Command) Name() string {
	// Odd instruction bytes (B1, D7, 87) are the BER-TLV data variants of
	// their even neighbours (ISO/IEC 7816-4 §5.4.1) and share their names.
	if n, ok := insNames[c.INS]; ok {
		return n
	}
	if n, ok := insNames[c.INS&^0x01]; ok {
		return n
	}
	return "INS " + hex.EncodeToString([]byte{c.INS})
}

// Instruction names of ISO/IEC 7816-4 §5.4 and the ones an eMRTD
// personalization uses.
var insNames = map[byte]string{
	0x0E: "ERASE BINARY",
	0x20: "VERIFY",
	0x22: "MANAGE SECURITY ENVIRONMENT",
	0x2A: "PERFORM SECURITY OPERATION",
	0x44: "ACTIVATE FILE",
	0x82: "EXTERNAL AUTHENTICATE",
	0x84: "GET CHALLENGE",
	0x86: "GENERAL AUTHENTICATE",
	0x88: "INTERNAL AUTHENTICATE",
	0xA4: "SELECT",
	0xB0: "READ BINARY",
	0xB2: "READ RECORD",
	0xC0: "GET RESPONSE",
	0xCA: "GET DATA",
	0xD6: "UPDATE BINARY",
	0xDA: "PUT DATA",
	0xE0: "CREATE FILE",
	0xE4: "DELETE FILE",
}
