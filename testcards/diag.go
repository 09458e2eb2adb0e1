package testcards

import (
	"github.com/cccd-vn/cccd/apdu"
)

// Diag is a small diagnostic applet that exercises the transport layers:
// the ways a card may hand out a long response. It is what the PC/SC
// end-to-end tests talk to when they test the plumbing, not an eMRTD.
//
//	00 A4 04 xx  AID     SELECT: any AID answers 9000
//	80 C8 NN NN          N pattern bytes, handed out with 61xx and GET RESPONSE
//	80 CC NN NN  Le      N pattern bytes, 6CNN when Le is not exactly N (N <= 256)
//	80 CE NN NN  Le      N pattern bytes in one response (extended Le), 6700 if Le < N
//	80 EE 00 00  Lc data echo the data back
//
// Pattern byte i is i mod 256.
type Diag struct {
	pending []byte
}

// DiagATR is the ATR of the diagnostic applet ("cccd-diag").
var DiagATR = BuildATR([]byte("cccd-diag"))

func (d *Diag) ATR() []byte { return DiagATR }
func (d *Diag) PowerOn()    { d.pending = nil }
func (d *Diag) PowerOff()   { d.pending = nil }
func (d *Diag) Reset()      { d.pending = nil }

// Transmit makes Diag an in-process apdu.Transport as well.
func (d *Diag) Transmit(cmd []byte) ([]byte, error) { return d.Process(cmd), nil }

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

func sw(s apdu.SW) []byte { return apdu.Response{SW: s}.Bytes() }

func (d *Diag) Process(raw []byte) []byte {
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return sw(apdu.SWWrongLength)
	}
	if cmd.INS != 0xC0 {
		d.pending = nil
	}
	n := int(cmd.P1)<<8 | int(cmd.P2)
	switch {
	case cmd.CLA == 0x00 && cmd.INS == 0xA4:
		return sw(apdu.SWSuccess)
	case cmd.CLA&0xFC == 0x00 && cmd.INS == 0xC0:
		return d.next(cmd.Ne)
	case cmd.CLA == 0x80 && cmd.INS == 0xC8:
		d.pending = pattern(n)
		return d.next(min(cmd.Ne, apdu.MaxShortLe))
	case cmd.CLA == 0x80 && cmd.INS == 0xCC:
		if n > apdu.MaxShortLe {
			return sw(apdu.SWWrongP1P2)
		}
		if cmd.Ne != n {
			return sw(apdu.SW(0x6C00 | n&0xFF))
		}
		return apdu.Response{Data: pattern(n), SW: apdu.SWSuccess}.Bytes()
	case cmd.CLA == 0x80 && cmd.INS == 0xCE:
		if cmd.Ne < n {
			return sw(apdu.SWWrongLength)
		}
		return apdu.Response{Data: pattern(n), SW: apdu.SWSuccess}.Bytes()
	case cmd.CLA == 0x80 && cmd.INS == 0xEE:
		return apdu.Response{Data: cmd.Data, SW: apdu.SWSuccess}.Bytes()
	case cmd.CLA != 0x00 && cmd.CLA != 0x80:
		return sw(apdu.SWCLANotSupported)
	}
	return sw(apdu.SWINSNotSupported)
}

// next hands out up to ne pending bytes, announcing the rest with 61xx.
func (d *Diag) next(ne int) []byte {
	if d.pending == nil {
		return sw(apdu.SWConditionsNotSatisfied)
	}
	if ne == 0 {
		ne = apdu.MaxShortLe
	}
	k := min(ne, len(d.pending))
	out := d.pending[:k]
	d.pending = d.pending[k:]
	status := apdu.SWSuccess
	if rest := len(d.pending); rest > 0 {
		status = apdu.SW(0x6100 | min(rest, 256)&0xFF)
	} else {
		d.pending = nil
	}
	return apdu.Response{Data: out, SW: status}.Bytes()
}
