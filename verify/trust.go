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
	"time"

	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

// TrustStore is a directory of what the verifier trusts: CSCA
// certificates (.pem .crt .cer .der), ICAO master lists (.ml) and CRLs
// (.crl). Nothing else decides trust: a CSCA that is not here does not
// make a card genuine.
//
// The rules (README, "Trust store"): a CSCA certificate must be a usable
// CA (BasicConstraints cA, keyCertSign); a master list is trusted only if
// its signer chains to a CSCA that is in the store on its own (never to
// one of the list's own); a CRL only if a CSCA of the store signed it.
type TrustStore struct {
	Dir   string
	CSCAs []*pki.Certificate
	CRLs  []*pki.CRL
	// Sources says where each CSCA came from (file, or file of the master
	// list), by index in CSCAs.
	Sources []string
	// Problems lists files (or entries) that could not be used, with the
	// reason.
	Problems []string
}

// LoadTrustStore reads every file of dir. Unusable files are listed in
// Problems, not fatal: one bad file must not stop a counter (Usable says
// whether anything is left to trust).
func LoadTrustStore(dir string) (*TrustStore, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	ts := &TrustStore{Dir: dir}
	var mls, crls []string
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
				if err := pki.CheckCSCA(c); err != nil {
					ts.Problems = append(ts.Problems, fmt.Sprintf("%s: not trusted: %v", e.Name(), err))
					continue
				}
				ts.CSCAs = append(ts.CSCAs, c)
				ts.Sources = append(ts.Sources, e.Name())
			}
		case ".crl":
			crls = append(crls, path)
		case ".ml":
			mls = append(mls, path)
		}
	}
	// Master lists come after the CSCAs given on their own: a list's
	// signer must chain to one of those (ICAO 9303-12 §9), never to a
	// CSCA inside the list.
	anchors := append([]*pki.Certificate(nil), ts.CSCAs...)
	for _, path := range mls {
		ml, err := loadMasterList(path, anchors)
		if err != nil {
			ts.Problems = append(ts.Problems, fmt.Sprintf("%s: %v", filepath.Base(path), err))
			continue
		}
		for _, c := range ml.Certificates {
			ts.CSCAs = append(ts.CSCAs, c)
			ts.Sources = append(ts.Sources, filepath.Base(path)+" (master list)")
		}
		if len(ml.Skipped) > 0 {
			ts.Problems = append(ts.Problems, fmt.Sprintf("%s: %d entries skipped (see 'cccd trust add' of the list for each reason)", filepath.Base(path), len(ml.Skipped)))
		}
	}
	for _, path := range crls {
		list, err := pki.LoadCRLs(path)
		if err != nil {
			ts.Problems = append(ts.Problems, fmt.Sprintf("%s: %v", filepath.Base(path), err))
			continue
		}
		for _, crl := range list {
			if _, err := pki.VerifyCRLSignedBy(crl, ts.CSCAs); err != nil {
				ts.Problems = append(ts.Problems, fmt.Sprintf("%s: not used: %v", filepath.Base(path), err))
				continue
			}
			ts.CRLs = append(ts.CRLs, crl)
		}
	}
	return ts, nil
}

// ErrTrustStoreUnusable reports a trust store with no CSCA to trust: every
// genuine card would fail, so it is a set-up error (exit 2), checked
// before any card is touched.
var ErrTrustStoreUnusable = errors.New("the trust store holds no usable CSCA")

// Usable reports whether the store trusts at least one CSCA; the error
// says what was found instead.
func (ts *TrustStore) Usable() error {
	if len(ts.CSCAs) > 0 {
		return nil
	}
	why := "it is empty"
	if len(ts.Problems) > 0 {
		why = "nothing in it is usable: " + strings.Join(ts.Problems, "; ")
	}
	return fmt.Errorf("%w: %s (%s); add the issuing country's CSCA or a master list with 'cccd trust add'", ErrTrustStoreUnusable, ts.Dir, why)
}

func loadMasterList(path string, anchors []*pki.Certificate) (*pki.MasterList, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ml, err := pki.ParseMasterList(b)
	if err != nil {
		return nil, err
	}
	if err := ml.VerifyAgainst(anchors, time.Now()); err != nil {
		return nil, fmt.Errorf("master list not trusted: %w", err)
	}
	return ml, nil
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

// ErrRefused reports a file that parses but must not be trusted (no CA,
// a list or CRL no CSCA of the store vouches for).
var ErrRefused = errors.New("refused")

// Added says what AddToTrustStore added.
type Added struct {
	Kind string
	// Name is the file's name in the store.
	Name string
	// Summary is what the file brings: the CSCAs of a master list per
	// country and the entries skipped, with the reasons.
	Summary string
}

// AddToTrustStore checks a file against the store's rules and copies it
// into dir under a name that says what it is. A CSCA must be a usable CA;
// a master list's signer must chain to a CSCA already in the store; a CRL
// must be signed by one. Refusals wrap ErrRefused and say what to do.
func AddToTrustStore(dir, path string) (Added, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Added{}, err
	}
	sum := sha256.Sum256(b)
	short := hex.EncodeToString(sum[:6])
	var store *TrustStore
	loadStore := func() (*TrustStore, error) {
		if store != nil {
			return store, nil
		}
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			store = &TrustStore{Dir: dir}
			return store, nil
		}
		store, err = LoadTrustStore(dir)
		return store, err
	}
	var a Added
	if certs, cerr := pki.LoadCertificates(path); cerr == nil && len(certs) > 0 {
		for _, c := range certs {
			if err := pki.CheckCSCA(c); err != nil {
				return Added{}, fmt.Errorf("%s: %w: %v", path, ErrRefused, err)
			}
		}
		ext := ".pem"
		if !strings.Contains(string(b), "-----BEGIN") {
			ext = ".der"
		}
		a = Added{Kind: KindCSCA, Name: fmt.Sprintf("csca-%s-%s%s", countryOf(certs[0]), short, ext), Summary: certs[0].Subject.String()}
	} else if ml, merr := pki.ParseMasterList(b); merr == nil {
		ts, err := loadStore()
		if err != nil {
			return Added{}, err
		}
		anchors := looseCSCAs(ts)
		if err := ml.VerifyAgainst(anchors, time.Now()); err != nil {
			return Added{}, fmt.Errorf("%s: %w: the master list is trusted only through a CSCA already in the store (%v); add that CSCA first ('cccd trust add --trust %s CSCA.cer'), then the list", path, ErrRefused, err, dir)
		}
		a = Added{Kind: KindMasterList, Name: fmt.Sprintf("masterlist-%s.ml", short), Summary: ml.Summary()}
	} else if crls, lerr := pki.LoadCRLs(path); lerr == nil && len(crls) > 0 {
		ts, err := loadStore()
		if err != nil {
			return Added{}, err
		}
		for _, crl := range crls {
			if _, err := pki.VerifyCRLSignedBy(crl, ts.CSCAs); err != nil {
				return Added{}, fmt.Errorf("%s: %w: no CSCA of the store signed this CRL (%v); add its CSCA first", path, ErrRefused, err)
			}
		}
		a = Added{Kind: KindCRL, Name: fmt.Sprintf("crl-%s.crl", short), Summary: crls[0].Issuer.String()}
	} else {
		return Added{}, fmt.Errorf("%s: %w", path, ErrUnknownTrustFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Added{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, a.Name), b, 0o644); err != nil {
		return Added{}, err
	}
	return a, nil
}

// looseCSCAs are the CSCAs of the store that came on their own, not from
// a master list: the anchors a master list must chain to.
func looseCSCAs(ts *TrustStore) []*pki.Certificate {
	var out []*pki.Certificate
	for i, c := range ts.CSCAs {
		if !strings.HasSuffix(ts.Sources[i], "(master list)") {
			out = append(out, c)
		}
	}
	return out
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
