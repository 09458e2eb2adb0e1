package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/internal/cms"
)

// algorithm is one choice of key type and signature for a test PKI.
type algorithm struct {
	gen    func() (crypto.Signer, error)
	params SigningParams
	// explicit writes the CSCA key with explicit EC parameters.
	explicit bool
	// ds, when set, is the Document Signer's own algorithm (else the
	// CSCA's).
	ds *algorithm
}

func ecGen(c func() elliptic.Curve) func() (crypto.Signer, error) {
	return func() (crypto.Signer, error) {
		if c == nil || c() == nil {
			return nil, fmt.Errorf("%w: curve not available in this build", ErrUnsupportedKey)
		}
		return ecdsa.GenerateKey(c(), rand.Reader)
	}
}

func rsaGen(bits int) func() (crypto.Signer, error) {
	return func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, bits) }
}

// algorithms lists the supported PKI algorithms by name. Brainpool
// entries are added by curves_brainpool.go.
var algorithms = map[string]algorithm{
	"ecdsa-p256":   {gen: ecGen(elliptic.P256), params: SigningParams{Hash: crypto.SHA256}},
	"ecdsa-p384":   {gen: ecGen(elliptic.P384), params: SigningParams{Hash: crypto.SHA384}},
	"ecdsa-p521":   {gen: ecGen(elliptic.P521), params: SigningParams{Hash: crypto.SHA512}},
	"rsa-2048":     {gen: rsaGen(2048), params: SigningParams{Hash: crypto.SHA256}},
	"rsa-3072":     {gen: rsaGen(3072), params: SigningParams{Hash: crypto.SHA256}},
	"rsa-pss-2048": {gen: rsaGen(2048), params: SigningParams{Hash: crypto.SHA256, Scheme: cms.PSS}},
	"rsa-pss-3072": {gen: rsaGen(3072), params: SigningParams{Hash: crypto.SHA256, Scheme: cms.PSS}},
}

// Algorithms returns the names GenerateKey accepts, sorted.
func Algorithms() []string {
	var out []string
	for k := range algorithms {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// GenerateKey makes a fresh key for a named algorithm and returns the
// signing parameters that go with it.
func GenerateKey(alg string) (crypto.Signer, SigningParams, error) {
	a, ok := algorithms[alg]
	if !ok {
		return nil, SigningParams{}, fmt.Errorf("unknown algorithm %q (one of %s)", alg, strings.Join(Algorithms(), ", "))
	}
	k, err := a.gen()
	return k, a.params, err
}

// TestPKI is a CSCA, one Document Signer and the CSCA's CRL, made for
// tests and demonstrations: never for real documents.
type TestPKI struct {
	CSCA    *Certificate
	CSCAKey crypto.Signer
	DS      *Certificate
	DSKey   crypto.Signer
	CRL     *CRL
	// Params are the CSCA's signing parameters (certificates, CRLs,
	// master list); DSParams the Document Signer's (EF.SOD). They differ
	// only for algorithms with a DS of its own, as vn-brainpool512.
	Params   SigningParams
	DSParams SigningParams
}

// NewTestPKI creates a test PKI with the ICAO 9303-12 profile: a
// self-signed CSCA for country VN (keyCertSign + cRLSign, critical; CA with
// path length 0; 15 years), a Document Signer (digitalSignature; document
// type list "ID"; AKI/SKI; 10 years) and an empty CRL valid 90 days, all
// dated from now.
func NewTestPKI(alg string, now time.Time) (*TestPKI, error) {
	return NewTestPKIForCountry(alg, "VN", now)
}

// NewTestPKIForCountry is NewTestPKI for another country (ISO 3166
// alpha-2), e.g. to test that a foreign CSCA cannot sign for Vietnam.
func NewTestPKIForCountry(alg, country string, now time.Time) (*TestPKI, error) {
	a, ok := algorithms[alg]
	if !ok {
		_, _, err := GenerateKey(alg)
		return nil, err
	}
	dsAlg := a
	if a.ds != nil {
		dsAlg = *a.ds
	}
	cscaKey, err := a.gen()
	if err != nil {
		return nil, err
	}
	dsKey, err := dsAlg.gen()
	if err != nil {
		return nil, err
	}
	params := a.params
	p := &TestPKI{CSCAKey: cscaKey, DSKey: dsKey, Params: params, DSParams: dsAlg.params}
	now = now.UTC().Truncate(time.Second)
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
		return n.Add(n, big.NewInt(1))
	}
	cscaDER, err := CreateCertificate(&Template{
		SerialNumber: serial(),
		Subject:      pkix.Name{Country: []string{country}, Organization: []string{"cccd test PKI"}, CommonName: "CSCA " + country + " TEST " + strings.ToUpper(alg)},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(15, 0, 0),
		IsCA: true, MaxPathLen: 0,
		KeyUsage:             x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExplicitECParameters: a.explicit,
	}, nil, cscaKey.Public(), cscaKey, params)
	if err != nil {
		return nil, fmt.Errorf("CSCA certificate: %w", err)
	}
	if p.CSCA, err = ParseCertificate(cscaDER); err != nil {
		return nil, err
	}
	dsDER, err := CreateCertificate(&Template{
		SerialNumber: serial(),
		Subject:      pkix.Name{Country: []string{country}, Organization: []string{"cccd test PKI"}, CommonName: "DS " + country + " TEST " + strings.ToUpper(alg)},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		MaxPathLen: -1, KeyUsage: x509.KeyUsageDigitalSignature, DocumentTypes: []string{"ID"},
	}, p.CSCA, dsKey.Public(), cscaKey, params)
	if err != nil {
		return nil, fmt.Errorf("DS certificate: %w", err)
	}
	if p.DS, err = ParseCertificate(dsDER); err != nil {
		return nil, err
	}
	crlDER, err := CreateCRL(p.CSCA, cscaKey, nil, big.NewInt(1), now, now.AddDate(0, 0, 90), params)
	if err != nil {
		return nil, fmt.Errorf("CRL: %w", err)
	}
	if p.CRL, err = ParseCRL(crlDER); err != nil {
		return nil, err
	}
	return p, nil
}

// DirNotEmptyError is returned by WriteTestPKI when the directory already
// holds files and overwriting was not asked for.
type DirNotEmptyError struct{ Dir string }

func (e *DirNotEmptyError) Error() string {
	return fmt.Sprintf("%s is not empty; choose another directory or pass --force to overwrite", e.Dir)
}

// Test PKI file names.
const (
	FileCSCACert = "csca.pem"
	FileCSCAKey  = "csca.key"
	FileDSCert   = "ds.pem"
	FileDSKey    = "ds.key"
	FileCRL      = "csca.crl"
	FileMaster   = "masterlist.ml"
)

// WriteTestPKI writes p into dir (created if missing): certificates and
// CRL in PEM, keys as PKCS#8 PEM with mode 0600, and a master list holding
// the CSCA. A non-empty dir is refused unless force.
func WriteTestPKI(p *TestPKI, dir string, force bool) ([]string, error) {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 && !force {
		return nil, &DirNotEmptyError{Dir: dir}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	keyPEM := func(k crypto.Signer) ([]byte, error) {
		der, err := MarshalPrivateKey(k)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	ck, err := keyPEM(p.CSCAKey)
	if err != nil {
		return nil, err
	}
	dk, err := keyPEM(p.DSKey)
	if err != nil {
		return nil, err
	}
	ml, err := BuildMasterList([]*Certificate{p.CSCA}, p.CSCA, p.CSCAKey, p.Params)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{FileCSCACert, certPEM(p.CSCA.Raw), 0o644},
		{FileCSCAKey, ck, 0o600},
		{FileDSCert, certPEM(p.DS.Raw), 0o644},
		{FileDSKey, dk, 0o600},
		{FileCRL, crlPEM(p.CRL.Raw), 0o644},
		{FileMaster, ml, 0o644},
	}
	var names []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		// Remove first so an existing file's looser mode is not kept.
		_ = os.Remove(path)
		if err := os.WriteFile(path, f.data, f.mode); err != nil {
			return nil, err
		}
		if err := os.Chmod(path, f.mode); err != nil {
			return nil, err
		}
		names = append(names, path)
	}
	return names, nil
}

// LoadCRLs reads every CRL of a file: PEM ("X509 CRL" blocks) or one DER.
func LoadCRLs(path string) ([]*CRL, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parsePEMOrDER(b, "X509 CRL", ParseCRL)
}
