package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
)

// Extended Access Control on the command line: the inspection system's
// chain for 'read' and 'verify' (--terminal DIR, the key in DIR/is.key or
// an HSM), the fingerprints saved from DG3 (--fingerprints-out), the
// factory's trust point (personalize --eac DIR).

// terminalFlags are --terminal, --terminal-pkcs11 and --fingerprints-out.
type terminalFlags struct {
	dir, pkcs11, pinFile, fpOut string
}

func (tf *terminalFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&tf.dir, "terminal", "", "EAC inspection system: a directory with cvca.cvcert, dv.cvcert, is.cvcert and is.key ('cccd pki eac init'); DG3/DG4 are then read after terminal authentication")
	cmd.Flags().StringVar(&tf.pkcs11, "terminal-pkcs11", "", "with --terminal: the IS private key in an HSM, an RFC 7512 URI (is.key is then not needed)")
	cmd.Flags().StringVar(&tf.pinFile, "terminal-pin-file", "", "file holding the HSM PIN of --terminal-pkcs11 (or $"+personalize.PINEnv+")")
	cmd.Flags().StringVar(&tf.fpOut, "fingerprints-out", "", "save the finger images of DG3 into DIR (needs --terminal)")
}

// load reads the terminal, nil without --terminal; close releases an HSM.
func (tf *terminalFlags) load(c *cobra.Command) (*cvc.Terminal, func(), error) {
	nothing := func() {}
	switch {
	case tf.dir == "" && (tf.pkcs11 != "" || tf.fpOut != ""):
		return nil, nothing, usageError(c, "--terminal-pkcs11 and --fingerprints-out need --terminal DIR (the inspection system's certificates)")
	case tf.dir == "":
		return nil, nothing, nil
	case tf.pkcs11 == "":
		t, err := cvc.LoadTerminal(tf.dir)
		if err != nil {
			return nil, nothing, inputError(fmt.Errorf("--terminal %s: %w", tf.dir, err))
		}
		return t, nothing, nil
	}
	t, err := cvc.LoadTerminalCertificates(tf.dir)
	if err != nil {
		return nil, nothing, inputError(fmt.Errorf("--terminal %s: %w", tf.dir, err))
	}
	key, closeHSM, err := personalize.OpenPKCS11Signer(tf.pkcs11, tf.pinFile)
	if err != nil {
		return nil, nothing, inputError(fmt.Errorf("--terminal-pkcs11: %w", err))
	}
	if err := t.SetKey(key); err != nil {
		closeHSM()
		return nil, nothing, inputError(fmt.Errorf("--terminal-pkcs11: %w", err))
	}
	return t, func() { closeHSM() }, nil
}

// saveFingerprints writes DG3's finger images into dir as
// <finger>.<png|jp2|j2k|…> (mode 0600: biometric data) and says where.
func (tf *terminalFlags) saveFingerprints(c *cobra.Command, raw map[string][]byte) error {
	if tf.fpOut == "" {
		return nil
	}
	b, ok := raw["DG3"]
	if !ok {
		return ioError(errors.New("--fingerprints-out: DG3 was not read"))
	}
	d, err := lds.ParseDG3(b)
	if err != nil {
		return failedError(fmt.Errorf("--fingerprints-out: %w", err))
	}
	if err := os.MkdirAll(tf.fpOut, 0o700); err != nil {
		return ioError(err)
	}
	imgs := d.Images()
	for i, im := range imgs {
		ext := lds.FingerImageFormat(im.Image)
		if ext == "" {
			ext = "bin"
		}
		name := lds.FingerPositionName(im.Position)
		if im.ViewNumber > 1 {
			name += fmt.Sprintf("_view%d", im.ViewNumber)
		}
		path := filepath.Join(tf.fpOut, name+"."+ext)
		if _, err := os.Stat(path); err == nil && i > 0 {
			path = filepath.Join(tf.fpOut, fmt.Sprintf("%s_%d.%s", name, i+1, ext))
		}
		if err := os.WriteFile(path, im.Image, 0o600); err != nil {
			return ioError(err)
		}
	}
	fmt.Fprintf(c.ErrOrStderr(), "cccd: %d finger images saved to %s\n", len(imgs), tf.fpOut)
	return nil
}

// loadEAC is personalize --eac DIR: the CVCA certificate the chips trust
// and, when DIR holds the inspection system's key, the terminal that
// reads DG3 back before LOCK.
func loadEAC(dir string) (*personalize.EAC, error) {
	b, err := os.ReadFile(filepath.Join(dir, cvc.FileCVCA))
	if err != nil {
		return nil, fmt.Errorf("--eac %s: %w", dir, err)
	}
	cvca, err := cvc.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("--eac %s: %s: %w", dir, cvc.FileCVCA, err)
	}
	if _, err := cvc.NewValidator(cvca, cvca.EffectiveDate); err != nil {
		return nil, fmt.Errorf("--eac %s: %s cannot be a trust point: %w", dir, cvc.FileCVCA, err)
	}
	eac := &personalize.EAC{TrustPoint: cvca}
	if _, err := os.Stat(filepath.Join(dir, cvc.FileISKey)); errors.Is(err, fs.ErrNotExist) {
		return eac, nil
	}
	if eac.Terminal, err = cvc.LoadTerminal(dir); err != nil {
		return nil, fmt.Errorf("--eac %s: %w", dir, err)
	}
	return eac, nil
}
