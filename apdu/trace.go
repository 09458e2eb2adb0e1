package apdu

import (
	"fmt"
	"io"
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
	return func(ev TraceEvent) {
		fmt.Fprintf(w, "> %s\n", formatCommand(ev.Command, showData))
		if ev.Err != nil {
			fmt.Fprintf(w, "< error: %v (%s)\n", ev.Err, ev.Duration.Round(time.Microsecond))
			return
		}
		fmt.Fprintf(w, "< %s (%s)\n", formatResponse(ev.Response, showData), ev.Duration.Round(time.Microsecond))
	}
}

func formatCommand(raw []byte, showData bool) string {
	if showData {
		return fmt.Sprintf("%X", raw)
	}
	cmd, err := ParseCommand(raw)
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
	if showData {
		return fmt.Sprintf("%X %s", r.Data, r.SW)
	}
	if len(r.Data) == 0 {
		return r.SW.String()
	}
	return fmt.Sprintf("[%d data bytes] %s", len(r.Data), r.SW)
}
