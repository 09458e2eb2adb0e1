package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

// TrustStore is a directory of what the verifier trusts: CSCA
// certificates (.pem .crt .cer .der), ICAO master lists (.ml) and CRLs
// (.crl). Nothing else decides trust: a CSCA that is not here does not
// make a card genuine.
type TrustStore struct {
	Dir   string
	CSCAs []*pki.Certificate
	CRLs  []*pki.CRL
	// Sources says where each CSCA came from (file, or file of the master
	// list), by index in CSCAs.
	Sources []string
	// Problems lists files that could not be used, with the reason.
	Problems []string
}

// LoadTrustStore reads every file of dir. Unreadable files are listed in
// Problems, not fatal: one bad file must not stop a counter.
func LoadTrustStore(dir string) (*TrustStore, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	ts := &TrustStore{Dir: dir}
	var mls []string
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".pem", ".crt", ".cer", ".der":
			certs, err := pki.LoadCertificates(path)
			if err != nil {
				ts.Problems = append(ts.Problems, fmt.Sprintf("%s: %v", e.Name(), err))
				continue
			}
			for _, c := range certs {
				ts.CSCAs = append(ts.CSCAs, c)
				ts.Sources = append(ts.Sources, e.Name())
			}
		case ".crl":
			crls, err := pki.LoadCRLs(path)
			if err != nil {
				ts.Problems = append(ts.Problems, fmt.Sprintf("%s: %v", e.Name(), err))
				continue
			}
			ts.CRLs = append(ts.CRLs, crls...)
		case ".ml":
			mls = append(mls, path)
		}
	}
	// Master lists come last: their signer must chain to a CSCA that is
	// trusted already, or to one of the list's own (self-contained list,
	// placed in the store by the operator).
	for _, path := range mls {
		b, err := os.ReadFile(path)
		if err == nil {
			var ml *pki.MasterList
			if ml, err = pki.ParseMasterList(b); err == nil {
				if err = ml.Verify(append(append([]*pki.Certificate(nil), ts.CSCAs...), ml.Certificates...)); err == nil {
					for _, c := range ml.Certificates {
						ts.CSCAs = append(ts.CSCAs, c)
						ts.Sources = append(ts.Sources, filepath.Base(path)+" (master list)")
					}
				}
			}
		}
		if err != nil {
			ts.Problems = append(ts.Problems, fmt.Sprintf("%s: %v", filepath.Base(path), err))
		}
	}
	return ts, nil
}

// Trust returns the chip package's view of the store.
func (ts *TrustStore) Trust() lds.Trust { return lds.Trust{CSCAs: ts.CSCAs, CRLs: ts.CRLs} }

// Kind of a file added to a trust store.
const (
	KindCSCA       = "csca"
	KindMasterList = "master list"
	KindCRL        = "crl"
)

// ErrUnknownTrustFile reports a file that is neither a certificate, a
// master list nor a CRL.
var ErrUnknownTrustFile = errors.New("not a CSCA certificate, master list or CRL")

// AddToTrustStore checks a file and copies it into dir under a name that
// says what it is; it returns the kind and the new file's name.
func AddToTrustStore(dir, path string) (kind, name string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(b)
	short := hex.EncodeToString(sum[:6])
	var ext string
	if certs, cerr := pki.LoadCertificates(path); cerr == nil && len(certs) > 0 {
		for _, c := range certs {
			if !c.IsCA {
				return "", "", fmt.Errorf("%s: %s is not a CA certificate (a CSCA is one)", path, c.Subject)
			}
		}
		kind, ext = KindCSCA, ".pem"
		if !strings.Contains(string(b), "-----BEGIN") {
			ext = ".der"
		}
		name = fmt.Sprintf("csca-%s-%s%s", countryOf(certs[0]), short, ext)
	} else if ml, merr := pki.ParseMasterList(b); merr == nil {
		if err := ml.Verify(ml.Certificates); err != nil {
			return "", "", fmt.Errorf("%s: master list signature: %w", path, err)
		}
		kind, name = KindMasterList, fmt.Sprintf("masterlist-%s.ml", short)
	} else if _, lerr := pki.LoadCRLs(path); lerr == nil {
		kind, name = KindCRL, fmt.Sprintf("crl-%s.crl", short)
	} else {
		return "", "", fmt.Errorf("%s: %w", path, ErrUnknownTrustFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		return "", "", err
	}
	return kind, name, nil
}

func countryOf(c *pki.Certificate) string {
	if len(c.Subject.Country) > 0 {
		return strings.ToUpper(c.Subject.Country[0])
	}
	return "XX"
}

// SortedCSCAs returns the CSCAs by country then subject, for listings.
func (ts *TrustStore) SortedCSCAs() []int {
	idx := make([]int, len(ts.CSCAs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		ca, cb := ts.CSCAs[idx[a]], ts.CSCAs[idx[b]]
		if countryOf(ca) != countryOf(cb) {
			return countryOf(ca) < countryOf(cb)
		}
		return ca.Subject.String() < cb.Subject.String()
	})
	return idx
}
