package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/testcards"
)

func init() {
	openEmulated = func(path string) (apdu.Transport, []byte, io.Closer, error) {
		e, err := testcards.Open(path)
		if err != nil {
			return nil, nil, nil, err
		}
		return e, e.ATR(), e, nil
	}

	var card, addr string
	var trace, traceData bool
	cmd := &cobra.Command{
		Use:   "emulate --card PATH [--vpcd HOST:PORT]",
		Short: "Put an emulated card into pcscd's virtual reader (vpcd)",
		Long: `Connect an emulated card image to pcscd through the vpcd virtual reader
driver (Debian package vsmartcard-vpcd), so that every PC/SC program on the
machine — pcsc_scan, opensc-tool, cccd itself — sees a card inserted in
"Virtual PCD 00 00" (port 35963) or "Virtual PCD 00 01" (port 35964).

The card keeps its state in the image file, written atomically when a
change matters (after a run of personalization commands, at lock, at
power-off). The emulator reconnects when pcscd restarts and stops cleanly
on Ctrl-C / SIGTERM with the image saved.

One card program serves a slot at a time: emulate takes the slot's lock
(the one the test suite takes), and refuses a slot in use (exit 3) rather
than writing into another program's card.

Create images with 'cccd testcards blank' or personalize them with
'cccd personalize'; set faults with 'cccd testcards fault'.

Examples:
  cccd emulate --card card.json &
  cccd readers
  cccd verify --reader "Virtual PCD 00 00" --can 123456 --trust testpki
  cccd emulate --card card.json --vpcd 127.0.0.1:35964 --trace`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if card == "" {
				return usageError(c, "--card is required: the card image to emulate")
			}
			e, err := testcards.Open(card)
			if err != nil {
				return inputError(err)
			}
			// One card program per slot: take the slot's lock, which the
			// test suite takes too, unless the caller holds it for us.
			if _, port, _ := net.SplitHostPort(addr); os.Getenv(testcards.SlotLockEnv) != port {
				release, err := testcards.TryLockSlot(addr)
				if err != nil {
					if errors.Is(err, testcards.ErrSlotBusy) {
						return ioError(fmt.Errorf("%w: another 'cccd emulate' or a test run serves a card there; stop it, or use the other slot (--vpcd 127.0.0.1:35964)", err))
					}
					return ioError(err)
				}
				defer release()
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			errw := c.ErrOrStderr()
			v := &testcards.VPCD{Addr: addr, Applet: e, Logf: func(f string, a ...any) { fmt.Fprintf(errw, "emulate: "+f+"\n", a...) }}
			if trace || traceData {
				tw := apdu.TraceWriter(errw, traceData)
				v.Exchange = func(cmd, resp []byte, d time.Duration) {
					tw(apdu.TraceEvent{Command: cmd, Response: resp, Duration: d})
				}
			}
			fmt.Fprintf(errw, "emulate: serving %s (ATR % X) to the vpcd reader at %s; Ctrl-C to stop\n", card, e.ATR(), v.Addr)
			v.Serve(ctx)
			if err := e.Close(); err != nil {
				return ioError(fmt.Errorf("saving %s: %w", card, err))
			}
			fmt.Fprintf(errw, "emulate: stopped; %s saved\n", card)
			return nil
		},
	}
	cmd.Flags().StringVar(&card, "card", "", "card image (JSON, from 'cccd testcards blank' or a personalization)")
	cmd.Flags().StringVar(&addr, "vpcd", testcards.DefaultVPCDAddr, "address of the vpcd driver (the second reader listens on port 35964)")
	cmd.Flags().BoolVar(&trace, "trace", false, "log APDUs on stderr, data redacted (protected APDUs are opaque anyway)")
	cmd.Flags().BoolVar(&traceData, "trace-data", false, "log APDUs on stderr with their data")
	register(cmd)
}
