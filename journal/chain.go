package journal

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/cccd-vn/cccd/internal/cms"
	"github.com/cccd-vn/cccd/pki"
)

// The hash chain.
//
// Each entry of a batch carries Prev, the hash of the batch's entry before
// it (GenesisHash for the first), and is hashed whole: Hash =
// SHA-256(Canonical()). Every event of a batch is numbered under the lock
// of the batch's row (appendEvent), on SQLite and PostgreSQL alike, so the
// stations of a batch, however many write at once, extend one chain: an
// entry deleted, edited or moved breaks the link of the entry after it,
// and a checkpoint any station signs covers every station's entries up to
// it.
//
// The canonical form never holds an ID number: it holds a commitment to
// it (SubjectCommitment, with a random salt per entry kept beside the row),
// so that an audit export can leave the ID numbers out, or replace them by
// keyed pseudonyms, and still verify; whoever has the salt of an entry and
// an ID number can show that they belong together.

// GenesisHash is the Prev of a batch's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// EntryHash is the hash of a canonical form: SHA-256, hex.
func EntryHash(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return hex.EncodeToString(sum[:])
}

// subjectPrefix separates the commitment from every other use of SHA-256
// over such strings.
const subjectPrefix = "cccd journal subject v2\x00"

// SubjectCommitment is the commitment to an ID number that an entry's
// canonical form carries: SHA-256("cccd journal subject v2\0" || salt ||
// "\0" || id), hex. The salt (16 random bytes, hex, one per entry) keeps
// the 12-digit number from being found by trying them all.
func SubjectCommitment(salt, id string) string {
	h := sha256.New()
	h.Write([]byte(subjectPrefix))
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return hex.EncodeToString(h.Sum(nil))
}

func newSalt() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}

// checkpointPrefix starts every message a station key signs, so that a
// checkpoint signature can never be taken for a signature over anything
// else (a certificate, a CMS message) made with the same key.
const checkpointPrefix = "cccd journal checkpoint v2\n"

// CheckpointMessage is the message a station signs for a checkpoint
// entry: checkpointPrefix, then the entry's canonical form with its sig
// empty. The signature thus covers the batch, the entry's place (seq,
// station_seq), the chain's head (prev), the counts and the certificates;
// the entry's hash then covers the signature too.
func CheckpointMessage(e Event) []byte { return []byte(checkpointPrefix + e.canonical(true)) }

// CertFingerprint names a certificate in checkpoints: SHA-256 of its DER,
// hex.
func CertFingerprint(der []byte) string {
	if len(der) == 0 {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// A signature algorithm of checkpoints, by the name a checkpoint carries.
type sigAlg struct {
	name string
	hash crypto.Hash
	rsa  bool
}

// sigAlgs are the names a checkpoint's alg may take: ECDSA
// (DER-encoded signature) or RSA PKCS#1 v1.5, with SHA-2.
var sigAlgs = []sigAlg{
	{"ecdsa-sha256", crypto.SHA256, false},
	{"ecdsa-sha384", crypto.SHA384, false},
	{"ecdsa-sha512", crypto.SHA512, false},
	{"rsa-pkcs1-sha256", crypto.SHA256, true},
	{"rsa-pkcs1-sha384", crypto.SHA384, true},
	{"rsa-pkcs1-sha512", crypto.SHA512, true},
}

// algFor picks the algorithm for a key: for ECDSA the hash matching the
// curve's size (SEC 1 / NIST SP 800-57 pairing: P-256 with SHA-256, P-384
// and brainpoolP384r1 with SHA-384, larger with SHA-512), for RSA SHA-256.
func algFor(pub crypto.PublicKey) (sigAlg, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		bits := k.Curve.Params().BitSize
		switch {
		case bits <= 256:
			return sigAlgs[0], nil
		case bits <= 384:
			return sigAlgs[1], nil
		}
		return sigAlgs[2], nil
	case *rsa.PublicKey:
		return sigAlgs[3], nil
	}
	return sigAlg{}, fmt.Errorf("a station key must be ECDSA or RSA, not %T", pub)
}

func algByName(name string) (sigAlg, bool) {
	for _, a := range sigAlgs {
		if a.name == name {
			return a, true
		}
	}
	return sigAlg{}, false
}

// cmsAlg is the AlgorithmIdentifier of a, for the key pub.
func (a sigAlg) cmsAlg(pub crypto.PublicKey) (cms.AlgorithmIdentifier, error) {
	if _, isRSA := pub.(*rsa.PublicKey); isRSA != a.rsa {
		return cms.AlgorithmIdentifier{}, fmt.Errorf("the checkpoint's algorithm %s does not fit the certificate's %T key", a.name, pub)
	}
	return cms.SignatureAlgorithm(pub, a.hash, cms.PKCS1v15)
}

// stationKey is a station's signing set-up, made at Join.
type stationKey struct {
	signer   crypto.Signer
	cert     string // fingerprint of the station certificate
	alg      sigAlg
	every    int64
	records  int64
	ds       string // fingerprint of the DS certificate
	dsSerial string
}

func newStationKey(info StationInfo) (*stationKey, error) {
	if info.Key == nil {
		return nil, nil
	}
	if err := CheckStationKey(info.KeyCert, info.Key); err != nil {
		return nil, err
	}
	alg, err := algFor(info.Key.Public())
	if err != nil {
		return nil, err
	}
	if info.CheckpointEvery < 0 {
		return nil, errors.New("the checkpoint interval cannot be negative")
	}
	return &stationKey{signer: info.Key, cert: CertFingerprint(info.KeyCert), alg: alg, every: int64(info.CheckpointEvery),
		records: int64(info.Records), ds: CertFingerprint(info.DSCert), dsSerial: info.DSSerial}, nil
}

// sign fills the checkpoint's key, algorithm and signature.
func (k *stationKey) sign(e *Event) error {
	cp := e.Checkpoint
	cp.Key, cp.Alg, cp.Sig = k.cert, k.alg.name, ""
	cp.DSCert, cp.DSSerial, cp.Every = k.ds, k.dsSerial, k.every
	if cp.Records == 0 {
		cp.Records = k.records
	}
	a, err := k.alg.cmsAlg(k.signer.Public())
	if err != nil {
		return err
	}
	sig, err := cms.SignMessage(k.signer, a, k.alg.hash, CheckpointMessage(*e))
	if err != nil {
		return fmt.Errorf("station key: signing the checkpoint failed: %w", err)
	}
	cp.Sig = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// CheckStationKey tells whether a station key and its certificate (DER)
// belong together, and that the certificate may sign checkpoints: not a
// CA, and digitalSignature (or nonRepudiation) where it has a key usage.
func CheckStationKey(certDER []byte, key crypto.Signer) error {
	if len(certDER) == 0 {
		return errors.New("a station key needs its certificate (--station-cert)")
	}
	cert, err := pki.ParseCertificate(certDER)
	if err != nil {
		return fmt.Errorf("station certificate: %w", err)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := cert.PublicKey.(equaler)
	if !ok || !e.Equal(key.Public()) {
		return errors.New("the station key does not match the station certificate (--station-cert)")
	}
	if cert.IsCA {
		return errors.New("the station certificate is a CA certificate: give the station's own")
	}
	if cert.KeyUsagePresent && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return errors.New("the station certificate's key usage allows no signatures (digitalSignature)")
	}
	if _, err := algFor(key.Public()); err != nil {
		return err
	}
	return nil
}

// verifyCheckpoint checks a checkpoint entry's signature with a
// certificate.
func verifyCheckpoint(cert *pki.Certificate, e Event) error {
	cp := e.Checkpoint
	a, ok := algByName(cp.Alg)
	if !ok {
		return fmt.Errorf("unknown signature algorithm %q", cp.Alg)
	}
	if cert.PublicKey == nil {
		return fmt.Errorf("the station certificate's key cannot be read: %v", cert.PublicKeyError)
	}
	ca, err := a.cmsAlg(cert.PublicKey)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(cp.Sig)
	if err != nil {
		return errors.New("the signature is not base64")
	}
	return cms.VerifyMessage(cert.PublicKey, ca, a.hash, CheckpointMessage(e), sig)
}

// NewStationCertificate makes a self-signed certificate for a station key
// (for a factory without its own PKI, and for tests): CN "cccd station
// NAME", digitalSignature only (critical), not a CA, valid from notBefore
// for the given years. An auditor is given this certificate (or its
// SHA-256) by the factory, out of band: that is what makes it trusted.
func NewStationCertificate(key crypto.Signer, name string, notBefore time.Time, years int) ([]byte, error) {
	alg, err := algFor(key.Public())
	if err != nil {
		return nil, err
	}
	serial := make([]byte, 16)
	rand.Read(serial)
	serial[0] &= 0x7f // positive (RFC 5280 §4.1.2.2)
	tmpl := &pki.Template{
		SerialNumber: new(big.Int).SetBytes(serial),
		Subject:      pkix.Name{CommonName: "cccd station " + name},
		NotBefore:    notBefore,
		NotAfter:     notBefore.AddDate(years, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		MaxPathLen:   -1,
	}
	return pki.CreateCertificate(tmpl, nil, key.Public(), key, pki.SigningParams{Hash: alg.hash, Scheme: cms.PKCS1v15})
}
