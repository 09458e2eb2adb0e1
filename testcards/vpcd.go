// Package testcards emulates cards for tests, demos and QA: applets that
// answer APDUs, reachable in-process as an apdu.Transport or, through the
// vpcd protocol of vsmartcard, as a card in a real pcscd reader.
//
// Production code paths do not need it, except 'cccd emulate'.
package testcards

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Applet is a card program: it gets power events and command APDUs and
// answers response APDUs. Calls come from one goroutine at a time.
type Applet interface {
	ATR() []byte
	// PowerOn is a cold start: every session state is gone.
	PowerOn()
	PowerOff()
	// Reset is a warm reset: session state is gone as well.
	Reset()
	// Process answers one command APDU with a response APDU (SW included).
	Process(command []byte) []byte
}

// DefaultVPCDAddr is where pcscd's vpcd driver waits for the card of its
// first reader, "Virtual PCD 00 00"; the second slot listens on the next
// port.
const DefaultVPCDAddr = "127.0.0.1:35963"

// vpcd control codes (vsmartcard vpcd protocol): a one-byte frame.
const (
	vpcdPowerOff = 0x00
	vpcdPowerOn  = 0x01
	vpcdReset    = 0x02
	vpcdGetATR   = 0x04
)

// VPCD connects an Applet to pcscd through the vpcd virtual reader driver
// (Debian package vsmartcard-vpcd). The driver listens on TCP; the card
// connects to it and answers frames: a 2-byte big-endian length, then a
// 1-byte control code or a command APDU.
type VPCD struct {
	Addr   string // host:port of the vpcd driver; DefaultVPCDAddr if empty
	Applet Applet
	// Logf, when set, reports connection events (never APDU contents).
	Logf func(format string, args ...any)
	// Exchange, when set, is called after every APDU, e.g. for a trace.
	Exchange func(command, response []byte, d time.Duration)
	// Retry is the pause between connection attempts (default 200 ms).
	Retry time.Duration
	// Connected, when set, receives one value per established connection.
	Connected chan<- struct{}
}

// Serve connects to the driver and answers it until ctx ends. When the
// connection drops (pcscd restarted or stopped) it connects again, so a
// long-running emulator survives a daemon restart.
func (v *VPCD) Serve(ctx context.Context) error {
	addr := v.Addr
	if addr == "" {
		addr = DefaultVPCDAddr
	}
	retry := v.Retry
	if retry == 0 {
		retry = 200 * time.Millisecond
	}
	var d net.Dialer
	waiting := false
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !waiting {
				v.logf("waiting for the vpcd driver at %s (is pcscd running with vsmartcard-vpcd installed?): %v", addr, err)
				waiting = true
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(retry):
			}
			continue
		}
		waiting = false
		v.logf("card inserted in the vpcd reader at %s", addr)
		err = v.serveConn(ctx, conn)
		if ctx.Err() != nil {
			return nil
		}
		v.logf("vpcd connection ended (%v); reconnecting", err)
	}
}

func (v *VPCD) logf(format string, args ...any) {
	if v.Logf != nil {
		v.Logf(format, args...)
	}
}

func (v *VPCD) serveConn(ctx context.Context, conn net.Conn) error {
	defer conn.Close()
	quickAck := func() {}
	if tc, ok := conn.(*net.TCPConn); ok {
		// Without TCP_NODELAY every small response waits for the
		// delayed-ACK timer: ~40 ms per APDU.
		tc.SetNoDelay(true)
		// The driver in pcscd writes a frame's length and body in two
		// sends with Nagle on: the body waits for our ACK of the length,
		// which the kernel delays by ~40 ms unless asked to ACK at once.
		// TCP_QUICKACK does not stick, so it is set again before reads.
		quickAck = quickAcker(tc)
	}
	if v.Connected != nil {
		select {
		case v.Connected <- struct{}{}:
		default:
		}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var hdr [2]byte
	buf := make([]byte, 0, 4096)
	for {
		quickAck()
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		quickAck()
		if _, err := io.ReadFull(conn, buf); err != nil {
			return err
		}
		if n == 1 {
			switch buf[0] {
			case vpcdPowerOff:
				v.Applet.PowerOff()
			case vpcdPowerOn:
				v.Applet.PowerOn()
			case vpcdReset:
				v.Applet.Reset()
			case vpcdGetATR:
				if err := writeFrame(conn, v.Applet.ATR()); err != nil {
					return err
				}
			default:
				return fmt.Errorf("vpcd: unknown control code %02X", buf[0])
			}
			continue
		}
		start := time.Now()
		resp := v.Applet.Process(buf)
		if t, ok := v.Applet.(interface{ Torn() bool }); ok && t.Torn() {
			// A torn card answers nothing: drop the connection, as a
			// card pulled from the field would; pcscd sees it removed.
			v.Applet.PowerOff()
			return errors.New("card torn (fault)")
		}
		if v.Exchange != nil {
			v.Exchange(buf, resp, time.Since(start))
		}
		if err := writeFrame(conn, resp); err != nil {
			return err
		}
	}
}

func writeFrame(w io.Writer, p []byte) error {
	if len(p) > 0xFFFF {
		return errors.New("vpcd: frame longer than 65535 bytes")
	}
	frame := make([]byte, 2+len(p))
	binary.BigEndian.PutUint16(frame, uint16(len(p)))
	copy(frame[2:], p)
	_, err := w.Write(frame)
	return err
}

// BuildATR makes an ISO/IEC 7816-3 ATR announcing T=1 with the given
// historical bytes (at most 15), TCK included.
func BuildATR(historical []byte) []byte {
	if len(historical) > 15 {
		historical = historical[:15]
	}
	// TS=3B direct convention; T0: TD1 present, K historical bytes;
	// TD1=80: TD2 present, T=0 listed; TD2=01: T=1.
	atr := []byte{0x3B, 0x80 | byte(len(historical)), 0x80, 0x01}
	atr = append(atr, historical...)
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}
