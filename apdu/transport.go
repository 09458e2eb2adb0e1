package apdu

import (
	"errors"
	"fmt"
	"time"
)

// Transport carries one command APDU to a card and brings back its one
// response APDU, status word included. It does nothing else: chaining,
// GET RESPONSE and secure messaging live above it. PC/SC readers, the vpcd
// card and the in-process emulator are Transports, and so is a secure
// messaging channel layered on another Transport.
type Transport interface {
	Transmit(command []byte) (response []byte, err error)
}

// Stats counts what crossed the wire: every APDU, GET RESPONSE and resend
// included, with their encoded sizes.
type Stats struct {
	APDUs         int
	BytesSent     int
	BytesReceived int
}

// Card is the one path from a program to a card. It owns GET RESPONSE
// chaining on 61xx, the resend with the right Le on 6Cxx, command chaining
// (CLA bit 0x10) for long commands, tracing and the wire statistics. Secure
// messaging plugs in with SetChannel, between Card and the wire, so that
// everything above stays unaware of it.
//
// A Card is not safe for concurrent use: a card answers one command at a
// time anyway.
type Card struct {
	wire    *wire
	channel Transport
	trace   TraceFunc
	chunk   int
}

// NewCard wraps a Transport.
func NewCard(t Transport) *Card {
	w := &wire{t: t}
	return &Card{wire: w, channel: w}
}

// Transport returns the Transport the Card was made with (to reach
// reader-specific functions such as the ATR).
func (c *Card) Transport() Transport { return c.wire.t }

// Raw returns the plain channel to the card, with 61xx and 6Cxx handled,
// for a secure messaging layer to wrap.
func (c *Card) Raw() Transport { return c.wire }

// SetChannel routes every following command through t (a secure messaging
// channel made on Raw); nil goes back to plain commands.
func (c *Card) SetChannel(t Transport) {
	if t == nil {
		t = c.wire
	}
	c.channel = t
}

// ResponseAuthentic reports whether the last response came through
// secure messaging with a MAC that verified (SecureMessaging.Authentic).
func (c *Card) ResponseAuthentic() bool {
	sm, ok := c.channel.(*SecureMessaging)
	return ok && sm.Authentic()
}

// Secured reports whether a channel other than the plain one is set.
func (c *Card) Secured() bool { return c.channel != Transport(c.wire) }

// SetTrace sets a function called after every command with the plain
// (unprotected) command and response; nil turns tracing off.
func (c *Card) SetTrace(f TraceFunc) { c.trace = f }

// MaxShortDataSM is the largest plain data field whose protected form
// under secure messaging still fits a short APDU (ICAO 9303-11 §9.8: DO 87
// with its padding indicator and a block of padding, DO 97, DO 8E; 223
// bytes pad to 224 for AES, and 4 + 224 + 3 + 10 = 241 ≤ 255).
const MaxShortDataSM = 223

// SetChainSize sets the largest data field of one segment when a command
// is split by command chaining; 0 (the default) is 255 on the plain
// channel and MaxShortDataSM under secure messaging.
func (c *Card) SetChainSize(n int) {
	if n < 0 || n > MaxShortData {
		n = MaxShortData
	}
	c.chunk = n
}

// chainSize is the largest data field one short command carries on the
// current channel.
func (c *Card) chainSize() int {
	switch {
	case c.chunk > 0:
		return c.chunk
	case c.Secured():
		return MaxShortDataSM
	}
	return MaxShortData
}

// Limits bound what a card may cost: a card that never answers, or answers
// in ever smaller pieces, must end a session with an error instead of
// holding a counter forever.
type Limits struct {
	// Deadline ends the session: an APDU not answered by then fails with
	// ErrTimeout, and so does every later one. Zero: none.
	Deadline time.Time
	// MaxAPDUs bounds the APDUs on the wire (GET RESPONSE and resends
	// included); one more fails with ErrBudget. Zero: none.
	MaxAPDUs int
}

// SetLimits sets the session's limits (see Limits); the APDU count starts
// from the APDUs sent so far.
func (c *Card) SetLimits(l Limits) {
	c.wire.limits = l
	c.wire.base = c.wire.stats.APDUs
}

// Stats returns what has crossed the wire so far.
func (c *Card) Stats() Stats { return c.wire.stats }

// ResetStats sets the wire counters back to zero.
func (c *Card) ResetStats() { c.wire.stats = Stats{} }

// Transmit sends cmd and returns the card's response, whatever its status
// word. The error reports only a failure to exchange (transport, secure
// messaging); use Send to get status words as errors.
//
// A command with more data than one short APDU carries (255 bytes, or
// MaxShortDataSM under secure messaging, whose protection adds to it) goes
// out by command chaining (ISO/IEC 7816-4 §5.1.1.1) unless cmd.Extended
// says the card takes extended lengths.
func (c *Card) Transmit(cmd Command) (Response, error) {
	size := c.chainSize()
	if len(cmd.Data) <= size || cmd.Extended {
		return c.exchange(cmd)
	}
	if cmd.CLA&0x10 != 0 {
		return Response{}, fmt.Errorf("apdu: %s: command is already part of a chain", cmd.Name())
	}
	data := cmd.Data
	for len(data) > size {
		seg := cmd
		seg.CLA |= 0x10
		seg.Data, data = data[:size], data[size:]
		seg.Ne = 0
		r, err := c.exchange(seg)
		if err != nil || !r.OK() {
			return r, err
		}
	}
	last := cmd
	last.Data = data
	return c.exchange(last)
}

// Send is Transmit with a status word other than 9000 returned as a
// *StatusError naming the command.
func (c *Card) Send(cmd Command) ([]byte, error) {
	r, err := c.Transmit(cmd)
	if err != nil {
		return nil, err
	}
	if err := r.Err(cmd); err != nil {
		return r.Data, err
	}
	return r.Data, nil
}

func (c *Card) exchange(cmd Command) (Response, error) {
	raw, err := cmd.Bytes()
	if err != nil {
		return Response{}, err
	}
	start := time.Now()
	out, err := c.channel.Transmit(raw)
	var r Response
	if err == nil {
		r, err = ParseResponse(out)
	}
	if c.trace != nil {
		c.trace(TraceEvent{Command: raw, Response: out, Duration: time.Since(start), Err: err})
	}
	if err != nil {
		return Response{}, fmt.Errorf("%s: %w", cmd.Name(), err)
	}
	return r, nil
}

// maxGetResponse bounds the GET RESPONSE loop in bytes, and
// maxGetResponseRounds in rounds (an extended answer of 65536 bytes takes
// 257 rounds of 256): a card that keeps saying 61xx — with or without data
// — beyond any real response is broken, not generous.
const (
	maxGetResponse       = 1 << 20
	maxGetResponseRounds = 300
)

// ErrResponseTooLong reports a card that never stops sending 61xx.
var ErrResponseTooLong = errors.New("card keeps announcing more response data (61xx) without end")

// ErrTimeout reports a card that did not answer within the session's
// deadline (Limits.Deadline).
var ErrTimeout = errors.New("the card did not answer in time")

// ErrBudget reports a session that went over its APDU budget
// (Limits.MaxAPDUs).
var ErrBudget = errors.New("the card needs more APDUs than any genuine card would (APDU budget exceeded)")

// wire owns the 61xx and 6Cxx handling of ISO/IEC 7816-4 §5.3.4, counts
// the traffic and enforces the limits; it sits right above the Transport.
type wire struct {
	t      Transport
	stats  Stats
	limits Limits
	base   int // APDUs sent before the limits were set
	// hung is set once a Transmit overran the deadline: that call still
	// holds the transport, so no other may start.
	hung bool
}

type transmitResult struct {
	out []byte
	err error
}

func (w *wire) send(raw []byte) ([]byte, error) {
	if w.hung {
		return nil, fmt.Errorf("%w (an earlier command is still unanswered)", ErrTimeout)
	}
	if w.limits.MaxAPDUs > 0 && w.stats.APDUs-w.base >= w.limits.MaxAPDUs {
		return nil, fmt.Errorf("%w: %d APDUs", ErrBudget, w.limits.MaxAPDUs)
	}
	w.stats.APDUs++
	w.stats.BytesSent += len(raw)
	var out []byte
	var err error
	if d := w.limits.Deadline; d.IsZero() {
		out, err = w.t.Transmit(raw)
	} else {
		left := time.Until(d)
		if left <= 0 {
			return nil, ErrTimeout
		}
		// The transport may block for good (a card that never answers,
		// a reader that hangs): wait for it in another goroutine.
		done := make(chan transmitResult, 1)
		go func() {
			o, e := w.t.Transmit(raw)
			done <- transmitResult{o, e}
		}()
		timer := time.NewTimer(left)
		select {
		case r := <-done:
			timer.Stop()
			out, err = r.out, r.err
		case <-timer.C:
			w.hung = true
			return nil, ErrTimeout
		}
	}
	w.stats.BytesReceived += len(out)
	if err == nil && len(out) < 2 {
		err = fmt.Errorf("%w: response of %d bytes has no status word", ErrMalformed, len(out))
	}
	return out, err
}

func (w *wire) Transmit(raw []byte) ([]byte, error) {
	out, err := w.send(raw)
	if err != nil {
		return nil, err
	}
	sw1, sw2 := out[len(out)-2], out[len(out)-1]
	if sw1 == 0x6C {
		// Wrong Le: the card tells the exact length; send the same
		// command again asking for it.
		cmd, perr := ParseCommand(raw)
		if perr != nil {
			return nil, perr
		}
		cmd.Ne = shortNe(sw2)
		if raw, err = cmd.Bytes(); err != nil {
			return nil, err
		}
		if out, err = w.send(raw); err != nil {
			return nil, err
		}
		sw1, sw2 = out[len(out)-2], out[len(out)-1]
	}
	if sw1 != 0x61 {
		return out, nil
	}
	// 61xx: more data waits; fetch it with GET RESPONSE on the same
	// logical channel until the card gives a final status.
	data := append([]byte(nil), out[:len(out)-2]...)
	for rounds := 0; sw1 == 0x61; rounds++ {
		if rounds == maxGetResponseRounds {
			return nil, ErrResponseTooLong
		}
		get := []byte{raw[0] & 0x03, 0xC0, 0x00, 0x00, sw2}
		if out, err = w.send(get); err != nil {
			return nil, err
		}
		data = append(data, out[:len(out)-2]...)
		if len(data) > maxGetResponse {
			return nil, ErrResponseTooLong
		}
		sw1, sw2 = out[len(out)-2], out[len(out)-1]
	}
	return append(data, sw1, sw2), nil
}
