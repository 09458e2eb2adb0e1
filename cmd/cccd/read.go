package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/verify"
)

func init() {
	var reader, out string
	var noPACE bool
	var sf secretFlags
	var tf terminalFlags
	cmd := &cobra.Command{
		Use:   "read --reader R SECRET --out DIR",
		Short: "Read a card's raw files for audits and other tools",
		Long: `Open the chip and read every file it gives — EF.CardAccess, EF.COM,
EF.SOD and the data groups — into DIR as EF.COM.bin, DG1.bin, …, EF.SOD.bin,
plus card.json (how the chip was opened, the files, the traffic). A chip
with DG15 is also asked to sign a fresh challenge: AA.challenge.bin and
AA.signature.bin let 'cccd verify --files DIR' check its key later. Nothing
is checked here: use 'cccd verify' for a verdict, live or on the dump.
--trace logs the APDUs on stderr (data redacted unless --trace-data).

DG3 (fingerprints) and DG4 (iris) need Extended Access Control: with
--terminal DIR (an inspection system's chain and key, 'cccd pki eac init')
terminal authentication runs and they are read too; --fingerprints-out DIR
saves the finger images. A chip that does not accept the terminal concludes
nothing (exit 3, saying why).

` + secretHelp + `

Examples:
  cccd read --reader 0 --can 123456 --out dump/
  cccd read --reader emu:card.json --doc-number 099012345 --dob 990518 --expiry 240518 --out dump/
  cccd read --reader 0 --can 123456 --out dump/ --terminal eac/ --fingerprints-out fp/`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			in, err := sf.input(c)
			if err != nil {
				return err
			}
			if out == "" {
				return usageError(c, "--out DIR is required")
			}
			term, closeTerm, err := tf.load(c)
			if err != nil {
				return err
			}
			defer closeTerm()
			card, err := openReader(c, reader)
			if err != nil {
				return err
			}
			defer card.Close()
			rep, err := verify.Read(card.Card, in.Secret, verify.Options{NoPACE: noPACE, AATranscript: true, Terminal: term})
			if err != nil {
				return openError(err)
			}
			rep.Reader = card.Reader
			if err := os.MkdirAll(out, 0o700); err != nil {
				return ioError(err)
			}
			for name, b := range rep.Raw {
				if err := os.WriteFile(filepath.Join(out, name+".bin"), b, 0o600); err != nil {
					return ioError(err)
				}
			}
			j, _ := json.MarshalIndent(struct {
				Reader string            `json:"reader"`
				Access verify.Access     `json:"access"`
				Files  []verify.FileInfo `json:"files"`
				Stats  verify.Stats      `json:"stats"`
			}{rep.Reader, rep.Access, rep.Files, rep.Stats}, "", "  ")
			if err := os.WriteFile(filepath.Join(out, "card.json"), append(j, '\n'), 0o600); err != nil {
				return ioError(err)
			}
			fmt.Fprintf(c.OutOrStdout(), "%d files read with %s in %d APDUs into %s\n", len(rep.Raw), rep.Access.Method, rep.Stats.APDUs, out)
			for _, f := range rep.Files {
				if f.Note != "" {
					fmt.Fprintf(c.OutOrStdout(), "  %s: %s\n", f.Name, f.Note)
				}
			}
			return tf.saveFingerprints(c, rep.Raw)
		},
	}
	cmd.Flags().StringVarP(&reader, "reader", "r", "", readerHelp)
	cmd.Flags().StringVar(&out, "out", "", "directory for the files and card.json")
	cmd.Flags().BoolVar(&noPACE, "no-pace", false, "open with BAC even if the chip offers PACE")
	sf.register(cmd)
	registerTrace(cmd)
	tf.register(cmd)
	register(cmd)
}
