package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/pki"
)

func init() {
	pkiCmd := &cobra.Command{
		Use:   "pki",
		Short: "Test PKI for Document Signer certificates",
		Long: `Manage a test PKI: a Country Signing CA (CSCA), a Document Signer (DS)
certificate issued by it, and the CSCA's CRL, as ICAO Doc 9303-12 profiles
them. For tests and demonstrations only: real documents are signed with the
issuing state's keys, usually held in an HSM.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageError(c, "missing subcommand (init)")
		},
	}
	var out, alg string
	var force bool
	initCmd := &cobra.Command{
		Use:   "init --out DIR [--alg ALG] [--force]",
		Short: "Create a test CSCA, Document Signer, CRL and master list",
		Long: `Create a test PKI in DIR:

  csca.pem       CSCA certificate (self-signed, C=VN, keyCertSign+cRLSign
                 critical, CA with path length 0, valid 15 years)
  csca.key       CSCA private key (PKCS#8 PEM, mode 0600)
  ds.pem         Document Signer certificate (digitalSignature, ICAO
                 document type list "ID", valid 10 years)
  ds.key         Document Signer private key (PKCS#8 PEM, mode 0600)
  csca.crl       the CSCA's CRL (PEM, empty, valid 90 days)
  masterlist.ml  a CSCA master list (CMS, DER) holding the CSCA

DIR is created if missing. A non-empty DIR is refused unless --force.

Algorithms: ` + strings.Join(pki.Algorithms(), ", ") + `.
vn-brainpool512 is the profile of Viet Nam's own CSCA (ECDSA on
brainpoolP512r1 with explicit curve parameters, signed with SHA-512) issuing
a brainpoolP384r1 Document Signer (SHA-384). OpenSSL 3 refuses chains with
explicit parameters on purpose; cccd verifies them.

Examples:
  cccd pki init --out testpki
  cccd pki init --out testpki --alg rsa-pss-3072 --force
  cccd pki init --out vnpki --alg vn-brainpool512
  openssl verify -CAfile testpki/csca.pem testpki/ds.pem`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usageError(c, "--out DIR is required")
			}
			known := false
			for _, a := range pki.Algorithms() {
				known = known || a == alg
			}
			if !known {
				return usageError(c, "unknown --alg %q; choose one of %s", alg, strings.Join(pki.Algorithms(), ", "))
			}
			p, err := pki.NewTestPKI(alg, time.Now())
			if err != nil {
				return inputError(err)
			}
			files, err := pki.WriteTestPKI(p, out, force)
			var dne *pki.DirNotEmptyError
			if errors.As(err, &dne) {
				return inputError(err)
			}
			if err != nil {
				return ioError(err)
			}
			w := c.OutOrStdout()
			fmt.Fprintf(w, "test PKI (%s) written to %s:\n", alg, out)
			for _, f := range files {
				fmt.Fprintf(w, "  %s\n", f)
			}
			fmt.Fprintf(w, "CSCA: %s\nDS:   %s\n", p.CSCA.Subject, p.DS.Subject)
			return nil
		},
	}
	initCmd.Flags().StringVar(&out, "out", "", "directory to write the PKI into (required)")
	initCmd.Flags().StringVar(&alg, "alg", "ecdsa-p256", "key algorithm: "+strings.Join(pki.Algorithms(), "|"))
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite files in a non-empty directory")
	pkiCmd.AddCommand(initCmd)
	register(pkiCmd)
}
