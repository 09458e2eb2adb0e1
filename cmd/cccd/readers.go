package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu/pcsc"
)

func init() {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "readers",
		Short: "List the PC/SC readers and the cards in them",
		Long: `List the smart card readers pcscd knows, with their index (usable as
--reader N), whether a card is present, and its ATR.

Examples:
  cccd readers
  cccd readers --json | jq -r '.[] | select(.card_present) | .name'

pcscd must be running ('sudo systemctl start pcscd.socket' or 'sudo pcscd').
An emulated card shows up as "Virtual PCD 00 00" while 'cccd emulate' runs.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, err := pcsc.Open()
			if err != nil {
				return ioError(err)
			}
			defer ctx.Close()
			readers, err := ctx.Readers()
			if err != nil {
				return ioError(err)
			}
			out := c.OutOrStdout()
			if asJSON {
				type row struct {
					Index       int    `json:"index"`
					Name        string `json:"name"`
					CardPresent bool   `json:"card_present"`
					InUse       bool   `json:"in_use"`
					ATR         string `json:"atr"`
				}
				rows := make([]row, 0, len(readers))
				for _, r := range readers {
					rows = append(rows, row{r.Index, r.Name, r.CardPresent, r.InUse, hex.EncodeToString(r.ATR)})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(readers) == 0 {
				fmt.Fprintln(out, "no readers: plug one in, or run 'cccd emulate --card PATH' for a virtual card")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "#\tREADER\tCARD\tATR")
			for _, r := range readers {
				card := "-"
				if r.CardPresent {
					card = "present"
					if r.InUse {
						card = "in use"
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", r.Index, r.Name, card, formatATR(r.ATR))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array: index, name, card_present, in_use, atr (hex)")
	register(cmd)
}
