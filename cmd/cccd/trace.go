package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu"
)

// Tracing: every command that talks to a card takes --trace (the
// conversation on stderr, data fields replaced by their length: safe to
// paste in a ticket) and --trace-data (every byte: MRZ-derived keys,
// personal data). Under secure messaging each line shows the plain command
// or response beside the protected APDU's size (apdu.Tracer).

const (
	traceHelp     = "log every APDU on stderr with its time; data redacted (under secure messaging: the plain APDU beside the protected sizes)"
	traceDataHelp = "like --trace, with the data of plain and protected APDUs (shows secrets and personal data)"
)

// registerTrace adds --trace and --trace-data to a command that talks to
// a card; newCard and openReader read them back.
func registerTrace(c *cobra.Command) {
	c.Flags().Bool("trace", false, traceHelp)
	c.Flags().Bool("trace-data", false, traceDataHelp)
}

// tracing reports whether c was asked to trace, and with data.
func tracing(c *cobra.Command) (on, data bool) {
	if c == nil {
		return false, false
	}
	t, _ := c.Flags().GetBool("trace")
	d, _ := c.Flags().GetBool("trace-data")
	return t || d, d
}

// newCard makes the Card for a transport, traced to w when c asks for it;
// prefix (a reader's name, for commands with several) starts each line.
func newCard(c *cobra.Command, t apdu.Transport, w io.Writer, prefix string) *apdu.Card {
	on, data := tracing(c)
	if !on {
		return apdu.NewCard(t)
	}
	tr := apdu.NewTracer(w, data)
	tr.SetPrefix(prefix)
	return tr.Card(t)
}
