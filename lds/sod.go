package lds

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/cms"
	"github.com/cccd-vn/cccd/pki"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// LDSSecurityObject is the signed content of EF.SOD (ICAO 9303-10 §4.6.2,
// Appendix D): the hash of every data group. Version 1 adds LDSVersionInfo.
type LDSSecurityObject struct {
	Version       int // 0, or 1 with LDSVersion/UnicodeVersion
	HashAlgorithm crypto.Hash
	// HashNullParams writes NULL parameters in the hash AlgorithmIdentifier
	// (as many issuers do); parsing records what was found.
	HashNullParams  bool
	DataGroupHashes []DataGroupHash
	LDSVersion      string // v1 only, e.g. "0108"
	UnicodeVersion  string // v1 only, e.g. "040000"
}

// DataGroupHash is the hash of one data-group file.
type DataGroupHash struct {
	Number int
	Hash   []byte
}

// Hash returns the hash of data group n, or nil.
func (o *LDSSecurityObject) Hash(n int) []byte {
	for _, h := range o.DataGroupHashes {
		if h.Number == n {
			return h.Hash
		}
	}
	return nil
}

// NewLDSSecurityObject hashes the data-group files (number → file bytes)
// into a version 0 security object, groups in ascending order.
func NewLDSSecurityObject(dgs map[int][]byte, h crypto.Hash) (*LDSSecurityObject, error) {
	if _, ok := cms.OIDFromHash(h); !ok || !h.Available() {
		return nil, &SODAlgorithmError{Err: &cms.UnsupportedAlgorithmError{What: "digest", Name: h.String()}}
	}
	o := &LDSSecurityObject{HashAlgorithm: h}
	var ns []int
	for n := range dgs {
		if n < 1 || n > 16 {
			return nil, fmt.Errorf("EF.SOD: data group %d does not exist", n)
		}
		ns = append(ns, n)
	}
	sort.Ints(ns)
	for _, n := range ns {
		d := h.New()
		d.Write(dgs[n])
		o.DataGroupHashes = append(o.DataGroupHashes, DataGroupHash{Number: n, Hash: d.Sum(nil)})
	}
	return o, nil
}

// Encode returns the DER of the security object.
func (o *LDSSecurityObject) Encode() ([]byte, error) {
	oid, ok := cms.OIDFromHash(o.HashAlgorithm)
	if !ok {
		return nil, ldsErr("EF.SOD", "unsupported hash algorithm "+o.HashAlgorithm.String())
	}
	if o.Version == 1 && (o.LDSVersion == "" || o.UnicodeVersion == "") {
		return nil, ldsErr("EF.SOD", "a version 1 security object needs the LDS and Unicode versions")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(int64(o.Version))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			if o.HashNullParams {
				b.AddASN1NULL()
			}
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, h := range o.DataGroupHashes {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(int64(h.Number))
					b.AddASN1OctetString(h.Hash)
				})
			}
		})
		if o.Version == 1 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.PrintableString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(o.LDSVersion)) })
				b.AddASN1(cbasn1.PrintableString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(o.UnicodeVersion)) })
			})
		}
	})
	return b.Bytes()
}

// ParseLDSSecurityObject parses the DER of a security object.
func ParseLDSSecurityObject(b []byte) (*LDSSecurityObject, error) {
	bad := func(what string) (*LDSSecurityObject, error) {
		return nil, ldsErr("EF.SOD", "LDSSecurityObject: "+what)
	}
	s := cryptobyte.String(b)
	var seq, hashes cryptobyte.String
	var v int64
	var alg cms.AlgorithmIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1Integer(&v) || v < 0 || v > 1 ||
		!cms.ReadAlgorithmIdentifier(&seq, &alg) || !seq.ReadASN1(&hashes, cbasn1.SEQUENCE) {
		return bad("malformed")
	}
	o := &LDSSecurityObject{Version: int(v)}
	h, ok := cms.HashFromOID(alg.Algorithm)
	if !ok {
		return nil, &SODAlgorithmError{Err: &cms.UnsupportedAlgorithmError{What: "data group hash", Name: alg.Algorithm.String()}}
	}
	o.HashAlgorithm = h
	switch string(alg.Parameters) {
	case "":
	case "\x05\x00":
		o.HashNullParams = true
	default:
		return bad("unexpected hash parameters")
	}
	seen := map[int]bool{}
	for !hashes.Empty() {
		var e cryptobyte.String
		var n int64
		var d []byte
		if !hashes.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1Integer(&n) || !e.ReadASN1Bytes(&d, cbasn1.OCTET_STRING) || !e.Empty() {
			return bad("malformed DataGroupHash")
		}
		if n < 1 || n > 16 || seen[int(n)] {
			return bad(fmt.Sprintf("data group number %d out of range or repeated", n))
		}
		seen[int(n)] = true
		o.DataGroupHashes = append(o.DataGroupHashes, DataGroupHash{Number: int(n), Hash: append([]byte{}, d...)})
	}
	if o.Version == 1 {
		var vi cryptobyte.String
		var lv, uv []byte
		if !seq.ReadASN1(&vi, cbasn1.SEQUENCE) || !vi.ReadASN1Bytes(&lv, cbasn1.PrintableString) || !vi.ReadASN1Bytes(&uv, cbasn1.PrintableString) || !vi.Empty() {
			return bad("version 1 without LDSVersionInfo")
		}
		o.LDSVersion, o.UnicodeVersion = string(lv), string(uv)
	}
	if !seq.Empty() {
		return bad("trailing data")
	}
	return o, nil
}

// sodContentTypes are the eContentTypes accepted for an LDS security
// object: the ICAO one and legacy ones seen on early documents.
var sodContentTypes = []asn1.ObjectIdentifier{
	OIDLDSSecurityObject,
	OIDLDSSecurityObjectLegacy,
	{1, 2, 528, 1, 1006, 1, 20, 1},
	// id-data (RFC 5652 §4): one large issuer signs its LDS security
	// object as plain data. The content must still parse as one, and the
	// signature decides.
	cms.OIDData,
}

// SOD is a parsed EF.SOD (tag 77): a CMS SignedData over an
// LDSSecurityObject (ICAO 9303-10 §4.6.2).
type SOD struct {
	Object *LDSSecurityObject
	// Certificates are those carried in the SignedData (normally the
	// Document Signer certificate), in order; certificates that do not
	// parse are skipped.
	Certificates []*pki.Certificate
	// ContentType is the eContentType.
	ContentType asn1.ObjectIdentifier

	raw    []byte
	signed *cms.SignedData
}

// Encode returns the EF.SOD bytes as read or signed.
func (s *SOD) Encode() ([]byte, error) { return s.raw, nil }

// SigningTime returns the signing-time attribute, if any.
func (s *SOD) SigningTime() (time.Time, bool) {
	if len(s.signed.SignerInfos) == 0 {
		return time.Time{}, false
	}
	return s.signed.SignerInfos[0].SigningTime()
}

// SignerInfoVersion returns 1 (issuerAndSerialNumber) or 3
// (subjectKeyIdentifier).
func (s *SOD) SignerInfoVersion() int {
	if len(s.signed.SignerInfos) == 0 {
		return 0
	}
	return s.signed.SignerInfos[0].Version
}

// ParseSOD parses EF.SOD, in DER or BER (indefinite lengths).
func ParseSOD(b []byte) (*SOD, error) {
	der, err := cms.NormalizeBER(b)
	if err != nil {
		return nil, ldsErr("EF.SOD", "not BER: "+err.Error())
	}
	ci, err := ldsUnwrap(der, 0x77, "EF.SOD")
	if err != nil {
		return nil, err
	}
	sd, err := cms.Parse(ci)
	if err != nil {
		return nil, ldsErr("EF.SOD", err.Error())
	}
	known := false
	for _, ct := range sodContentTypes {
		known = known || sd.ContentType.Equal(ct)
	}
	if !known {
		return nil, ldsErr("EF.SOD", "eContentType "+sd.ContentType.String()+" is not an LDS security object")
	}
	if len(sd.SignerInfos) == 0 {
		return nil, ldsErr("EF.SOD", "no SignerInfo")
	}
	if len(sd.Certificates) > MaxSODCertificates {
		return nil, fmt.Errorf("EF.SOD: %w: %d certificates, at most %d are looked at", ErrSODBudget, len(sd.Certificates), MaxSODCertificates)
	}
	for i, c := range sd.Certificates {
		if len(c) > MaxSODCertificateSize {
			return nil, fmt.Errorf("EF.SOD: %w: certificate %d is %d bytes, at most %d", ErrSODBudget, i+1, len(c), MaxSODCertificateSize)
		}
	}
	obj, err := ParseLDSSecurityObject(sd.Content)
	if err != nil {
		return nil, err
	}
	s := &SOD{Object: obj, ContentType: sd.ContentType, raw: append([]byte{}, b...), signed: sd}
	for _, c := range sd.Certificates {
		if pc, err := pki.ParseCertificate(c); err == nil {
			s.Certificates = append(s.Certificates, pc)
		}
	}
	return s, nil
}

// Bounds on what EF.SOD may carry: a Document Signer certificate, maybe its
// CSCA or a link certificate (ICAO 9303-10 §4.6.2.2). An SOD beyond them is
// built to exhaust a terminal, and is not looked at.
const (
	MaxSODCertificates    = 16
	MaxSODCertificateSize = 16 * 1024
)

// ErrSODBudget reports an EF.SOD beyond MaxSODCertificates or
// MaxSODCertificateSize; it matches apdu.ErrBudget.
var ErrSODBudget = fmt.Errorf("%w: EF.SOD carries more certificates than any genuine one", apdu.ErrBudget)

// SODSignOptions describe the Document Signer signature of EF.SOD.
type SODSignOptions struct {
	// Certificate is the Document Signer certificate, embedded in the SOD.
	Certificate *pki.Certificate
	// Signer holds the DS private key: a key file or an HSM key.
	Signer crypto.Signer
	// Hash of the signature; zero uses the security object's hash.
	Hash crypto.Hash
	// PSS selects RSASSA-PSS for RSA keys (else PKCS#1 v1.5).
	PSS bool
	// SubjectKeyID selects a version 3 SignerInfo (subjectKeyIdentifier)
	// instead of version 1 (issuerAndSerialNumber).
	SubjectKeyID bool
	// SigningTime; zero is now.
	SigningTime time.Time
}

// SignSOD signs a security object and returns the EF.SOD file. The
// SignerInfo always carries content-type (id-icao-ldsSecurityObject),
// message-digest and signing-time attributes.
func SignSOD(obj *LDSSecurityObject, o SODSignOptions) ([]byte, error) {
	if o.Certificate == nil || o.Signer == nil {
		return nil, errors.New("EF.SOD: signing needs the Document Signer certificate and key")
	}
	content, err := obj.Encode()
	if err != nil {
		return nil, err
	}
	h := o.Hash
	if h == 0 {
		h = obj.HashAlgorithm
	}
	scheme := cms.PKCS1v15
	if o.PSS {
		scheme = cms.PSS
	}
	ci, err := cms.Sign(cms.SignOptions{
		ContentType: OIDLDSSecurityObject, Content: content,
		Certificate: o.Certificate.Raw, Issuer: o.Certificate.RawIssuer, SerialNumber: o.Certificate.SerialNumber,
		SubjectKeyID: o.Certificate.SubjectKeyID, UseSubjectKeyID: o.SubjectKeyID,
		Signer: o.Signer, Hash: h, Scheme: scheme, SigningTime: o.SigningTime,
	})
	if err != nil {
		var ua *cms.UnsupportedAlgorithmError
		if errors.As(err, &ua) {
			return nil, &SODAlgorithmError{Err: err}
		}
		return nil, fmt.Errorf("EF.SOD: %w", err)
	}
	return ldsAppendTLV(nil, 0x77, ci), nil
}
