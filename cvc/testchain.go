package cvc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cccd-vn/cccd/pki"
)

// Chain is a test EAC PKI for inspection systems: a self-signed CVCA, a
// domestic DV it certified and an inspection system the DV certified,
// with their private keys. It is for tests and emulated chips, never for
// production: the keys are made on the spot and written in clear.
type Chain struct {
	CVCA, DV, IS          *Certificate
	CVCAKey, DVKey, ISKey crypto.Signer
}

// ChainOption changes what NewTestChain makes.
type ChainOption func(*chainConfig)

type chainConfig struct {
	isRights  AccessRights
	expiredIS bool
	foreignDV bool
}

// WithISRights sets the inspection system's access rights (default read
// DG3 and DG4).
func WithISRights(r AccessRights) ChainOption { return func(c *chainConfig) { c.isRights = r } }

// WithoutDG3 gives the inspection system read access to DG4 only.
func WithoutDG3() ChainOption { return WithISRights(ReadDG4) }

// WithExpiredIS makes an inspection system certificate that expired the
// day before now.
func WithExpiredIS() ChainOption { return func(c *chainConfig) { c.expiredIS = true } }

// WithForeignDV makes the DV a foreign one (role 01), whose terminal
// certificates are not accurate (TR-03110 part 3 §2.5).
func WithForeignDV() ChainOption { return func(c *chainConfig) { c.foreignDV = true } }

// NewTestChain makes a CVCA → DV → IS chain on curve (a NIST or brainpool
// curve) for country, a two-letter code, effective on now's day: the CVCA
// valid three years, the DV 90 days, the IS 30 days; the ECDSA hash
// follows the curve size.
func NewTestChain(curve elliptic.Curve, country string, now time.Time, opts ...ChainOption) (*Chain, error) {
	cfg := chainConfig{isRights: ReadDG3 | ReadDG4}
	for _, o := range opts {
		o(&cfg)
	}
	alg := ECDSAAlgorithmFor(curve.Params().BitSize)
	ref := func(mnemonic string) (Reference, error) { return NewReference(country, mnemonic, "00001") }
	cvcaRef, err := ref("CVCA")
	if err != nil {
		return nil, err
	}
	dvRef, _ := ref("DV")
	isRef, _ := ref("IS")

	keys := make([]*ecdsa.PrivateKey, 3)
	for i := range keys {
		if keys[i], err = ecdsa.GenerateKey(curve, rand.Reader); err != nil {
			return nil, err
		}
	}
	day := Day(now)
	dvRole := RoleDVDomestic
	if cfg.foreignDV {
		dvRole = RoleDVForeign
	}
	isEff, isExp := day, day.AddDate(0, 0, 30)
	if cfg.expiredIS {
		isEff, isExp = day.AddDate(0, 0, -31), day.AddDate(0, 0, -1)
	}
	steps := []struct {
		car, chr Reference
		key      *ecdsa.PrivateKey
		params   bool
		chat     CHAT
		eff, exp time.Time
		signer   *ecdsa.PrivateKey
	}{
		{cvcaRef, cvcaRef, keys[0], true, InspectionSystemCHAT(RoleCVCA, ReadDG3|ReadDG4), day, day.AddDate(3, 0, 0), keys[0]},
		{cvcaRef, dvRef, keys[1], false, InspectionSystemCHAT(dvRole, ReadDG3|ReadDG4), day, day.AddDate(0, 0, 90), keys[0]},
		{dvRef, isRef, keys[2], false, InspectionSystemCHAT(RoleTerminal, cfg.isRights), isEff, isExp, keys[1]},
	}
	certs := make([]*Certificate, len(steps))
	for i, s := range steps {
		pk, err := NewPublicKey(alg, &s.key.PublicKey, s.params)
		if err != nil {
			return nil, err
		}
		tmpl := &Certificate{ProfileID: ProfileVersion1, CAR: s.car, CHR: s.chr, PublicKey: *pk, CHAT: s.chat,
			EffectiveDate: s.eff, ExpirationDate: s.exp}
		if certs[i], err = CreateCertificate(rand.Reader, tmpl, s.signer, alg); err != nil {
			return nil, err
		}
	}
	return &Chain{CVCA: certs[0], DV: certs[1], IS: certs[2], CVCAKey: keys[0], DVKey: keys[1], ISKey: keys[2]}, nil
}

// Certificates returns what a terminal sends after the trust point: the
// DV and IS certificates.
func (c *Chain) Certificates() []*Certificate { return []*Certificate{c.DV, c.IS} }

// File names of a terminal directory.
const (
	FileCVCA    = "cvca.cvcert"
	FileDV      = "dv.cvcert"
	FileIS      = "is.cvcert"
	FileISKey   = "is.key"
	FileCVCAKey = "cvca.key"
	FileDVKey   = "dv.key"
)

// WriteDir writes the chain into dir (created if needed): cvca.cvcert,
// dv.cvcert and is.cvcert as DER; is.key, the inspection system's private
// key, and cvca.key and dv.key, to issue more certificates, as PKCS #8 PEM
// readable by the owner only (mode 0600). A terminal needs the three
// certificates and is.key; a factory the CVCA certificate alone.
func (c *Chain) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, cert := range map[string]*Certificate{FileCVCA: c.CVCA, FileDV: c.DV, FileIS: c.IS} {
		if err := os.WriteFile(filepath.Join(dir, name), cert.Raw, 0o644); err != nil {
			return err
		}
	}
	for name, key := range map[string]crypto.Signer{FileISKey: c.ISKey, FileCVCAKey: c.CVCAKey, FileDVKey: c.DVKey} {
		if err := writeKey(filepath.Join(dir, name), key); err != nil {
			return err
		}
	}
	return nil
}

func writeKey(path string, key crypto.Signer) error {
	der, err := pki.MarshalPrivateKey(key)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		f.Close()
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Terminal is what an inspection system needs for Terminal
// Authentication: its certificate chain and private key.
type Terminal struct {
	CVCA, DV, IS *Certificate
	Key          crypto.Signer
}

// Certificates returns the DV and IS certificates, the chain to send.
func (t *Terminal) Certificates() []*Certificate { return []*Certificate{t.DV, t.IS} }

// LoadTerminal reads a directory WriteDir wrote. The key file must not be
// readable by group or others (pki.LoadSigner) and must hold the key of
// is.cvcert.
func LoadTerminal(dir string) (*Terminal, error) {
	t, err := LoadTerminalCertificates(dir)
	if err != nil {
		return nil, err
	}
	key, err := pki.LoadSigner(filepath.Join(dir, FileISKey))
	if err != nil {
		return nil, err
	}
	if err := t.SetKey(key); err != nil {
		return nil, fmt.Errorf("%s: %w", FileISKey, err)
	}
	return t, nil
}

// LoadTerminalCertificates reads the three certificates of a terminal
// directory, for a key held elsewhere (an HSM: SetKey).
func LoadTerminalCertificates(dir string) (*Terminal, error) {
	var t Terminal
	for _, f := range []struct {
		name string
		out  **Certificate
	}{{FileCVCA, &t.CVCA}, {FileDV, &t.DV}, {FileIS, &t.IS}} {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return nil, err
		}
		if *f.out, err = ParseCertificate(b); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return &t, nil
}

// SetKey gives the terminal its private key, which must be the key of
// the IS certificate.
func (t *Terminal) SetKey(key crypto.Signer) error {
	pk, err := NewPublicKey(t.IS.PublicKey.Algorithm, key.Public(), false)
	if err != nil {
		return err
	}
	if !bytes.Equal(pk.Point, t.IS.PublicKey.Point) || !bytes.Equal(pk.Modulus, t.IS.PublicKey.Modulus) {
		return fmt.Errorf("cvc: it does not hold the key of %s (%s)", FileIS, t.IS.CHR)
	}
	t.Key = key
	return nil
}
