package apdu

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// TraceEvent is one command and its response as the program sees them
// (before secure messaging protects them).
type TraceEvent struct {
	Command  []byte
	Response []byte // nil when the exchange failed
	Duration time.Duration
	Err      error
}

// TraceFunc receives every exchange of a Card.
type TraceFunc func(TraceEvent)

// TraceWriter prints exchanges to w, one line each way. Unless showData is
// set, command and response data are replaced by their length: a trace
// must be safe to paste in a ticket, and data fields carry MRZ-derived
// keys, PINs and personal data.
func TraceWriter(w io.Writer, showData bool) TraceFunc {
	return NewTracer(w, showData).Trace
}

// Tracer prints a card conversation the way GlobalPlatformPro and opensc
// do: each command as the program sent it and its response, with the time
// the exchange took, and beside them what crossed the wire for it when
// that differs — the protected APDU under secure messaging, GET RESPONSE
// rounds after 61xx, the resend after 6Cxx.
//
// It listens at both ends of a Card: Trace is the Card's TraceFunc (plain
// commands), and Wire wraps the Transport the Card is made on (the raw
// wire, below secure messaging and the 61xx/6Cxx handling). Card makes
// both at once:
//
//	card := apdu.NewTracer(os.Stderr, false).Card(transport)
//
// Without data (the default) a line shows the header, the instruction's
// name and the lengths of the data fields only, for the plain and the
// protected APDU alike; with data every byte is printed, the protected
// APDUs on lines of their own:
//
//	> 00 B0 81 00 Ne=223 READ BINARY | sm 0C B0 81 00 (19 bytes)
//	< [223 data bytes] 9000 | sm 250 bytes (3.1ms)
//
// A Tracer serves one Card. Several Tracers may share a writer: each
// exchange is written with one Write call.
type Tracer struct {
	w        io.Writer
	showData bool
	prefix   string

	mu   sync.Mutex
	wire []wireExchange // what crossed the wire since the last Trace
}

// wireExchange is one APDU on the raw wire.
type wireExchange struct {
	cmd, resp []byte
	d         time.Duration
	err       error
}

// NewTracer makes a Tracer printing to w; showData prints the data fields
// too (they may hold secrets: keys agreed with the MRZ or CAN, personal
// data).
func NewTracer(w io.Writer, showData bool) *Tracer {
	return &Tracer{w: w, showData: showData}
}

// SetPrefix puts p (say the reader's name) at the start of every line, for
// traces of several cards on one writer.
func (t *Tracer) SetPrefix(p string) { t.prefix = p }

// Card returns a Card on tr whose plain exchanges and wire traffic t
// prints.
func (t *Tracer) Card(tr Transport) *Card {
	c := NewCard(t.Wire(tr))
	c.SetTrace(t.Trace)
	return c
}

// Wire wraps tr so that t sees every APDU on the raw wire. The wrapper
// keeps tr's ATR method when it has one (chip.NewFileReader reads the
// card's capabilities from it).
func (t *Tracer) Wire(tr Transport) Transport {
	w := &wireTap{t: t, inner: tr}
	if a, ok := tr.(interface{ ATR() []byte }); ok {
		return &wireTapATR{wireTap: w, atr: a}
	}
	return w
}

type wireTap struct {
	t     *Tracer
	inner Transport
}

func (w *wireTap) Transmit(cmd []byte) ([]byte, error) {
	start := time.Now()
	resp, err := w.inner.Transmit(cmd)
	ex := wireExchange{cmd: append([]byte(nil), cmd...), resp: append([]byte(nil), resp...), d: time.Since(start), err: err}
	w.t.mu.Lock()
	w.t.wire = append(w.t.wire, ex)
	w.t.mu.Unlock()
	return resp, err
}

// Unwrap returns the Transport under the tap.
func (w *wireTap) Unwrap() Transport { return w.inner }

type wireTapATR struct {
	*wireTap
	atr interface{ ATR() []byte }
}

func (w *wireTapATR) ATR() []byte { return w.atr.ATR() }

// Trace prints one plain exchange with the wire traffic it caused. It is
// a TraceFunc.
func (t *Tracer) Trace(ev TraceEvent) {
	t.mu.Lock()
	wire := t.wire
	t.wire = nil
	t.mu.Unlock()

	var b strings.Builder
	line := func(format string, args ...any) {
		b.WriteString(t.prefix)
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	plain := len(wire) == 1 && string(wire[0].cmd) == string(ev.Command) && (ev.Err != nil || string(wire[0].resp) == string(ev.Response))
	var cmdNote, respNote string
	if len(wire) > 0 && !plain {
		label := "wire"
		if len(wire[0].cmd) > 0 && len(ev.Command) > 0 && wire[0].cmd[0]&0x0C != 0 && ev.Command[0]&0x0C == 0 {
			label = "sm"
		}
		cmdNote = fmt.Sprintf(" | %s %s (%d bytes)", label, header(wire[0].cmd), len(wire[0].cmd))
		in := 0
		for _, x := range wire {
			in += len(x.resp)
		}
		respNote = fmt.Sprintf(" | %s %d bytes", label, in)
		if len(wire) > 1 {
			out := 0
			for _, x := range wire {
				out += len(x.cmd)
			}
			cmdNote = fmt.Sprintf(" | %s %s (%d bytes; %d in %d APDUs)", label, header(wire[0].cmd), len(wire[0].cmd), out, len(wire))
			respNote += fmt.Sprintf(" in %d APDUs", len(wire))
		}
	}
	d := ev.Duration.Round(time.Microsecond)
	line("> %s%s", formatCommand(ev.Command, t.showData), cmdNote)
	if t.showData && cmdNote != "" {
		for _, x := range wire {
			line("  wire> %X", x.cmd)
			if x.err != nil {
				line("  wire< error: %v (%s)", x.err, x.d.Round(time.Microsecond))
			} else {
				line("  wire< %X (%s)", x.resp, x.d.Round(time.Microsecond))
			}
		}
	}
	if ev.Err != nil {
		line("< error: %v%s (%s)", ev.Err, respNote, d)
	} else {
		line("< %s%s (%s)", formatResponse(ev.Response, t.showData), respNote, d)
	}
	io.WriteString(t.w, b.String())
}

// header shows the four header bytes of a raw command.
func header(raw []byte) string {
	if len(raw) < 4 {
		return fmt.Sprintf("[%d bytes]", len(raw))
	}
	return fmt.Sprintf("%02X %02X %02X %02X", raw[0], raw[1], raw[2], raw[3])
}

func formatCommand(raw []byte, showData bool) string {
	cmd, err := ParseCommand(raw)
	if showData {
		if err != nil {
			return fmt.Sprintf("%X", raw)
		}
		return fmt.Sprintf("%X %s", raw, cmd.Name())
	}
	if err != nil {
		return fmt.Sprintf("[%d bytes, unparsable]", len(raw))
	}
	s := fmt.Sprintf("%02X %02X %02X %02X", cmd.CLA, cmd.INS, cmd.P1, cmd.P2)
	if len(cmd.Data) > 0 {
		s += fmt.Sprintf(" [%d data bytes]", len(cmd.Data))
	}
	if cmd.Ne > 0 {
		s += fmt.Sprintf(" Ne=%d", cmd.Ne)
	}
	return s + " " + cmd.Name()
}

func formatResponse(raw []byte, showData bool) string {
	r, err := ParseResponse(raw)
	if err != nil {
		return fmt.Sprintf("[%d bytes, no status word]", len(raw))
	}
	if showData && len(r.Data) > 0 {
		return fmt.Sprintf("%X %s", r.Data, r.SW)
	}
	if len(r.Data) == 0 {
		return r.SW.String()
	}
	return fmt.Sprintf("[%d data bytes] %s", len(r.Data), r.SW)
}
