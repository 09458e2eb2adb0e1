package apdu

// What a card says about itself in its answer to reset (ISO/IEC 7816-3
// §8.2) or, for a contactless card, the ATR a PC/SC reader builds from its
// ATS (PC/SC part 3 §3.1.3.2.3): the historical bytes may carry the "card
// capabilities" compact-TLV object (ISO/IEC 7816-4 §12.1.1.9), whose third
// software function table says whether the card takes extended Lc/Le
// fields and command chaining. A terminal that knows this spends no APDU
// probing for it.

// Capabilities is what the historical bytes tell of the card's commands.
type Capabilities struct {
	// Known is false when the historical bytes carry no card
	// capabilities object: nothing is known, probe.
	Known bool
	// ExtendedLength: extended Lc and Le fields (ISO/IEC 7816-4 §5.1).
	ExtendedLength bool
	// Chaining: command chaining (CLA bit 0x10).
	Chaining bool
	// ExtendedLengthInfo: EF.ATR/INFO holds the extended length
	// information (DO 7F66).
	ExtendedLengthInfo bool
}

// Software function table 3 bits (ISO/IEC 7816-4 Table 88).
const (
	capChaining           = 0x80
	capExtendedLength     = 0x40
	capExtendedLengthInfo = 0x20
)

// HistoricalBytes returns the historical bytes of an ATR (ISO/IEC 7816-3
// §8.2.2): after T0 and the interface bytes that T0's and each TDi's high
// nibble announce. ok is false for a malformed ATR.
func HistoricalBytes(atr []byte) ([]byte, bool) {
	if len(atr) < 2 {
		return nil, false
	}
	k := int(atr[1] & 0x0F)
	i := 1
	y := atr[1] >> 4
	for {
		n := 0
		for b := byte(1); b <= 8; b <<= 1 {
			if y&b != 0 {
				n++
			}
		}
		if i+n >= len(atr) {
			return nil, false
		}
		td := y&0x08 != 0
		i += n
		if !td {
			break
		}
		y = atr[i] >> 4
	}
	start := i + 1
	if start+k > len(atr) {
		return nil, false
	}
	return atr[start : start+k], true
}

// ParseCapabilities reads the card capabilities of an ATR's historical
// bytes: category indicator 80 followed by compact-TLV objects (tag in the
// high nibble, length in the low one) of which 7x is the card
// capabilities; its third byte is the software function table 3.
func ParseCapabilities(atr []byte) Capabilities {
	hist, ok := HistoricalBytes(atr)
	if !ok || len(hist) == 0 || (hist[0] != 0x80 && hist[0] != 0x00) {
		return Capabilities{}
	}
	b := hist[1:]
	if hist[0] == 0x00 && len(b) >= 3 {
		// Category 00: the status indicator takes the last 3 bytes.
		b = b[:len(b)-3]
	}
	for len(b) > 0 {
		tag, n := b[0]>>4, int(b[0]&0x0F)
		if 1+n > len(b) {
			return Capabilities{}
		}
		v := b[1 : 1+n]
		if tag == 0x7 && n >= 3 {
			return Capabilities{Known: true, Chaining: v[2]&capChaining != 0, ExtendedLength: v[2]&capExtendedLength != 0, ExtendedLengthInfo: v[2]&capExtendedLengthInfo != 0}
		}
		b = b[1+n:]
	}
	return Capabilities{}
}

// CardCapabilities builds the historical bytes that announce caps:
// category indicator 80, then the card capabilities object 73 (selection by
// full DF name and by file identifier, data coding byte 01, then the
// software function table 3), then the given issuer data (compact-TLV
// tag 5, up to 15 bytes).
func CardCapabilities(caps Capabilities, issuer []byte) []byte {
	var t3 byte
	if caps.Chaining {
		t3 |= capChaining
	}
	if caps.ExtendedLength {
		t3 |= capExtendedLength
	}
	if caps.ExtendedLengthInfo {
		t3 |= capExtendedLengthInfo
	}
	out := []byte{0x80, 0x73, 0x90, 0x01, t3}
	if len(issuer) > 0 {
		issuer = issuer[:min(len(issuer), 15)]
		out = append(out, 0x50|byte(len(issuer)))
		out = append(out, issuer...)
	}
	return out
}
