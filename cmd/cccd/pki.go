package main

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/internal/brainpool"
	"github.com/cccd-vn/cccd/pki"
)

func init() {
	pkiCmd := &cobra.Command{
		Use:   "pki",
		Short: "Test PKIs: Document Signer certificates (init), EAC CV certificates (eac init)",
		Long: `Manage a test PKI: a Country Signing CA (CSCA), a Document Signer (DS)
certificate issued by it, and the CSCA's CRL, as ICAO Doc 9303-12 profiles
them. For tests and demonstrations only: real documents are signed with the
issuing state's keys, usually held in an HSM.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageError(c, "missing subcommand (init, eac init)")
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
	pkiCmd.AddCommand(eacCommand())
	register(pkiCmd)
}

// eacCurves are the curves of 'pki eac init --curve' (TR-03110 part 3
// Table 4: brainpool and NIST).
var eacCurves = map[string]elliptic.Curve{
	"brainpoolP256r1": brainpool.P256r1(), "brainpoolP384r1": brainpool.P384r1(), "brainpoolP512r1": brainpool.P512r1(),
	"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521(),
}

func eacCommand() *cobra.Command {
	eac := &cobra.Command{
		Use:   "eac",
		Short: "Test EAC PKI: CV certificates for terminal authentication",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageError(c, "missing subcommand (init)")
		},
	}
	var out, curveName, country, rights string
	var force, expiredIS bool
	initCmd := &cobra.Command{
		Use:   "init --out DIR [--curve C] [--country CC] [--is-rights dg3,dg4] [--force]",
		Short: "Create a test CVCA, Document Verifier and inspection system",
		Long: `Create a test EAC PKI in DIR (BSI TR-03110 part 3, ICAO Doc 9303-11 §7.1):
card-verifiable certificates for Terminal Authentication, ECDSA.

  cvca.cvcert  CVCA certificate (self-signed, with the curve's domain
               parameters, CHAT id-IS read DG3 + DG4, valid 3 years)
  dv.cvcert    Document Verifier certificate (official domestic, 90 days)
  is.cvcert    inspection system certificate (30 days, CHAT --is-rights)
  is.key       the inspection system's private key (PKCS#8 PEM, mode 0600)
  cvca.key     the CVCA's and DV's keys, to issue more (mode 0600)
  dv.key

The factory writes cvca.cvcert into every chip as its trust point
('cccd personalize --eac DIR'); a counter or border terminal reads DG3 with
the chain and is.key ('cccd read|verify --terminal DIR'). DIR is created if
missing; a non-empty DIR is refused unless --force. For tests and
demonstrations only: the keys are made on the spot and written in clear.

Examples:
  cccd pki eac init --out eac
  cccd pki eac init --out eac-nist --curve P-256
  cccd pki eac init --out eac-dg4 --is-rights dg4 --force`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usageError(c, "--out DIR is required")
			}
			curve, ok := eacCurves[curveName]
			if !ok {
				names := make([]string, 0, len(eacCurves))
				for n := range eacCurves {
					names = append(names, n)
				}
				sort.Strings(names)
				return usageError(c, "unknown --curve %q; choose one of %s", curveName, strings.Join(names, ", "))
			}
			var r cvc.AccessRights
			for _, f := range strings.FieldsFunc(strings.ToLower(rights), func(r rune) bool { return r == ',' || r == ' ' }) {
				switch f {
				case "dg3":
					r |= cvc.ReadDG3
				case "dg4":
					r |= cvc.ReadDG4
				case "none":
				default:
					return usageError(c, "--is-rights %q: a list of dg3, dg4 (or none)", rights)
				}
			}
			if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 && !force {
				return inputError(&pki.DirNotEmptyError{Dir: out})
			}
			opts := []cvc.ChainOption{cvc.WithISRights(r)}
			if expiredIS {
				opts = append(opts, cvc.WithExpiredIS())
			}
			ch, err := cvc.NewTestChain(curve, country, time.Now(), opts...)
			if err != nil {
				return usageError(c, "%v", err)
			}
			if err := ch.WriteDir(out); err != nil {
				return ioError(err)
			}
			w := c.OutOrStdout()
			fmt.Fprintf(w, "test EAC PKI (%s, %s) written to %s:\n", curveName, ch.IS.PublicKey.Algorithm, out)
			for _, f := range []string{cvc.FileCVCA, cvc.FileDV, cvc.FileIS, cvc.FileISKey, cvc.FileCVCAKey, cvc.FileDVKey} {
				fmt.Fprintf(w, "  %s\n", filepath.Join(out, f))
			}
			fmt.Fprintf(w, "CVCA: %s, DV: %s, IS: %s (%s, valid to %s)\n", ch.CVCA.CHR, ch.DV.CHR, ch.IS.CHR, ch.IS.CHAT.Rights(), ch.IS.ExpirationDate.Format(time.DateOnly))
			return nil
		},
	}
	initCmd.Flags().StringVar(&out, "out", "", "directory to write the chain and keys into (required)")
	initCmd.Flags().StringVar(&curveName, "curve", "brainpoolP256r1", "curve of every key: brainpoolP256r1|brainpoolP384r1|brainpoolP512r1|P-256|P-384|P-521")
	initCmd.Flags().StringVar(&country, "country", "VN", "country code of the certificate references (ISO 3166-1 alpha-2)")
	initCmd.Flags().StringVar(&rights, "is-rights", "dg3,dg4", "what the inspection system may read: dg3, dg4 (comma-separated) or none")
	initCmd.Flags().BoolVar(&expiredIS, "expired-is", false, "make an inspection system certificate that expired yesterday (QA: a terminal the chip refuses)")
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite files in a non-empty directory")
	eac.AddCommand(initCmd)
	return eac
}
