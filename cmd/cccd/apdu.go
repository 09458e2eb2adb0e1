package main

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu"
)

func init() {
	var reader string
	var failOnError bool
	cmd := &cobra.Command{
		Use:   "apdu --reader R HEX...",
		Short: "Send raw command APDUs to a card and print the responses",
		Long: `Send command APDUs, written in hex, to the card in a reader, one after
the other, and print each response's data and status word.

GET RESPONSE after 61xx and the resend after 6Cxx are done for you, so
the data shown is the whole response. Spaces and colons in the hex are
ignored; quote an APDU that contains spaces.

Examples:
  cccd apdu --reader "Virtual PCD 00 00" 00A4040C07A0000002471001
  cccd apdu --reader 0 00A4040C07A0000002471001 00A4020C02011E 00B0000004
  cccd apdu --reader emu:card.img --trace "00 84 00 00 08"

Output, one line per APDU:
  SW 9000 (success)
  SW 9000 data 60145F0104303130375F3606303430303030 (18 bytes)

Exit status: 0 when every APDU was exchanged (whatever its status word;
with --fail-on-error a status other than 9000 stops with 1), 2 for a
malformed APDU, 3 when the reader or card fails.`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(c, "give at least one APDU in hex, e.g. 00A4040C07A0000002471001")
			}
			cmds := make([]apdu.Command, len(args))
			for i, a := range args {
				raw, err := hex.DecodeString(strings.NewReplacer(" ", "", ":", "").Replace(a))
				if err != nil {
					return usageError(c, "APDU %d %q is not hex: %v", i+1, a, err)
				}
				if cmds[i], err = apdu.ParseCommand(raw); err != nil {
					return usageError(c, "APDU %d %q: %v", i+1, a, err)
				}
			}
			card, err := openReader(c, reader)
			if err != nil {
				return err
			}
			defer card.Close()
			out := c.OutOrStdout()
			for _, cmd := range cmds {
				r, err := card.Transmit(cmd)
				if err != nil {
					return ioError(err)
				}
				if len(r.Data) == 0 {
					fmt.Fprintf(out, "SW %s (%s)\n", r.SW, r.SW.Meaning())
				} else {
					fmt.Fprintf(out, "SW %s data %X (%d bytes)\n", r.SW, r.Data, len(r.Data))
				}
				if failOnError && !r.OK() {
					return failedError(r.Err(cmd))
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&reader, "reader", "r", "", readerHelp)
	registerTrace(cmd)
	cmd.Flags().BoolVar(&failOnError, "fail-on-error", false, "stop with exit status 1 at the first status word other than 9000")
	register(cmd)
}
