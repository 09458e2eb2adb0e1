package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/verify"
)

func init() {
	var dir string
	var asJSON bool
	root := &cobra.Command{
		Use:   "trust",
		Short: "Manage the trust store: CSCA certificates, master lists, CRLs",
		Long: `A trust store is a directory of what 'cccd verify --trust DIR' trusts: CSCA
certificates (PEM or DER), ICAO master lists (.ml, CMS-signed lists of CSCAs)
and CRLs. Only a Document Signer issued by one of these CSCAs, of the
document's own country, makes a card genuine.

What is accepted (checked again each time the store is loaded):
  - a CSCA certificate that is a usable CA (BasicConstraints cA, and
    keyCertSign when it has a KeyUsage); a link certificate (a new CSCA key
    signed by the old one) chains like its CSCA;
  - a master list only if its signer chains to a CSCA that is in the store
    on its own, never to one inside the list: add the list's root CSCA first
    (for Germany's list, DE_ROOT_CSCA.cer); entries that do not parse or are
    no usable CSCA are skipped and named, the rest load;
  - a CRL only if a CSCA of the store signed it (add the CSCA first).
Refusals exit 2 with the reason.

Examples:
  cccd trust add --trust trust/ testpki/csca.pem testpki/csca.crl
  cccd trust add --trust trust/ DE_ROOT_CSCA.cer DE_ML_2026-05-28.ml
  cccd trust list --trust trust/`,
	}
	add := &cobra.Command{
		Use:   "add --trust DIR FILE...",
		Short: "Check files and add them to the trust store",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if dir == "" {
				return usageError(c, "--trust DIR is required")
			}
			for _, a := range args {
				added, err := verify.AddToTrustStore(dir, a)
				if err != nil {
					return inputError(err)
				}
				fmt.Fprintf(c.OutOrStdout(), "added %s %s as %s: %s\n", added.Kind, a, added.Name, added.Summary)
			}
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list --trust DIR",
		Short: "List what the trust store trusts",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if dir == "" {
				return usageError(c, "--trust DIR is required")
			}
			ts, err := verify.LoadTrustStore(dir)
			if err != nil {
				return inputError(err)
			}
			type row struct {
				Kind      string `json:"kind"`
				Subject   string `json:"subject"`
				Serial    string `json:"serial,omitempty"`
				NotBefore string `json:"not_before,omitempty"`
				NotAfter  string `json:"not_after,omitempty"`
				Source    string `json:"source,omitempty"`
			}
			var rows []row
			for _, i := range ts.SortedCSCAs() {
				cert := ts.CSCAs[i]
				rows = append(rows, row{"csca", cert.Subject.String(), cert.SerialNumber.Text(16), cert.NotBefore.Format("2006-01-02"), cert.NotAfter.Format("2006-01-02"), ts.Sources[i]})
			}
			for _, crl := range ts.CRLs {
				next := ""
				if !crl.NextUpdate.IsZero() {
					next = crl.NextUpdate.Format("2006-01-02")
				}
				rows = append(rows, row{Kind: "crl", Subject: crl.Issuer.String(), NotBefore: crl.ThisUpdate.Format("2006-01-02"), NotAfter: next, Source: fmt.Sprintf("%d revoked", len(crl.Revoked))})
			}
			if asJSON {
				return json.NewEncoder(c.OutOrStdout()).Encode(map[string]any{"entries": rows, "problems": ts.Problems})
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tSUBJECT/ISSUER\tVALID FROM\tUNTIL\tSOURCE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Kind, r.Subject, r.NotBefore, r.NotAfter, r.Source)
			}
			tw.Flush()
			for _, p := range ts.Problems {
				fmt.Fprintf(c.ErrOrStderr(), "cccd: skipped %s\n", p)
			}
			return nil
		},
	}
	for _, sc := range []*cobra.Command{add, list} {
		sc.Flags().StringVar(&dir, "trust", "", "trust store directory")
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	root.AddCommand(add, list)
	register(root)
}
