package pki

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDCSCAMasterList is id-icao-cscaMasterList, the eContentType of a
// master list (ICAO 9303-12 §9).
var OIDCSCAMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

// MasterList is a parsed CSCA master list: CMS SignedData over
// CscaMasterList ::= SEQUENCE { version INTEGER (v0), certList SET OF
// Certificate } (ICAO 9303-12 §9).
type MasterList struct {
	// Certificates are the CSCAs of the list that parse and pass
	// CheckCSCA, in list order.
	Certificates []*Certificate
	// Skipped are the entries left out, with the reason: as issuers
	// publish them, a list may hold a certificate that cannot be parsed
	// or is no usable CSCA; the rest of the list still loads.
	Skipped []SkippedCert
	// Signer is the certificate that signed the list (from the CMS
	// certificates), nil if not included; SignerMatch says how it was
	// found.
	Signer      *Certificate
	SignerMatch SignerMatch
	// Embedded are the parsed certificates of the SignedData (the signer
	// and, often, its CSCA).
	Embedded   []*Certificate
	signedData *cms.SignedData
}

// SkippedCert is an entry of a master list that was not loaded.
type SkippedCert struct {
	Index   int    // position in certList, from 0
	Reason  string // why
	Subject string // the subject, as far as it could be read
	Err     error  // the parse or profile error
}

func (s SkippedCert) String() string {
	subj := s.Subject
	if subj == "" {
		subj = "unreadable subject"
	}
	return fmt.Sprintf("index %d (%s): %s", s.Index, subj, s.Reason)
}

// ErrMasterListUntrusted is matched (errors.Is) when a master list's
// signature or signer cannot be trusted; the *MasterListError says why.
var ErrMasterListUntrusted = errors.New("master list not trusted")

// MasterListError reports a master list whose signature or signer is not
// acceptable. Err is the cause: e.g. an *UnknownIssuerError naming the
// CSCA to add (errors.Is(err, ErrNoTrustedIssuer)).
type MasterListError struct {
	Reason string
	Err    error
}

func (e *MasterListError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("master list: %s: %v", e.Reason, e.Err)
	}
	return "master list: " + e.Reason
}
func (e *MasterListError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrMasterListUntrusted) true.
func (e *MasterListError) Is(target error) bool { return target == ErrMasterListUntrusted }

// BuildMasterList signs a master list of cscas with signer (its
// certificate signerCert is embedded).
func BuildMasterList(cscas []*Certificate, signerCert *Certificate, signer crypto.Signer, p SigningParams) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, c := range cscas {
				b.AddBytes(c.Raw)
			}
		})
	})
	content, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return cms.Sign(cms.SignOptions{
		ContentType: OIDCSCAMasterList, Content: content,
		Certificate: signerCert.Raw, Issuer: signerCert.RawIssuer, SerialNumber: signerCert.SerialNumber,
		Signer: signer, Hash: p.Hash, Scheme: p.Scheme,
	})
}

// maxMasterListEntries bounds the work on hostile input.
const maxMasterListEntries = 1 << 16

// ParseMasterList parses a master list (DER or BER). Each certificate of
// the list is parsed on its own: one that does not parse or fails
// CheckCSCA goes to Skipped with its index and reason, the others to
// Certificates. Only a list that is not a CscaMasterList at all is an
// error. It does not check the signature: call VerifyAgainst.
func ParseMasterList(b []byte) (*MasterList, error) {
	sd, err := cms.Parse(b)
	if err != nil {
		return nil, &ParseError{Object: "master list", What: "CMS SignedData", Err: err}
	}
	if !sd.ContentType.Equal(OIDCSCAMasterList) {
		return nil, &ParseError{Object: "master list", What: fmt.Sprintf("content type is %s, not id-icao-cscaMasterList", sd.ContentType)}
	}
	s := cryptobyte.String(sd.Content)
	var seq, set cryptobyte.String
	var v int64
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1Integer(&v) || v != 0 || !seq.ReadASN1(&set, cbasn1.SET) || !seq.Empty() {
		return nil, &ParseError{Object: "master list", What: "not a CscaMasterList v0"}
	}
	ml := &MasterList{signedData: sd}
	for i := 0; !set.Empty(); i++ {
		if i >= maxMasterListEntries {
			return nil, &ParseError{Object: "master list", What: "too many certificates"}
		}
		var e cryptobyte.String
		var tag cbasn1.Tag
		if !set.ReadAnyASN1Element(&e, &tag) {
			return nil, &ParseError{Object: "master list", What: fmt.Sprintf("certificate list broken at index %d", i)}
		}
		c, err := ParseCertificate(e)
		if err != nil {
			ml.Skipped = append(ml.Skipped, SkippedCert{Index: i, Reason: err.Error(), Subject: bestEffortSubject(e), Err: err})
			continue
		}
		if err := CheckCSCA(c); err != nil {
			reason := err.Error()
			var ce *CSCAError
			if errors.As(err, &ce) {
				reason = ce.Reason
			}
			ml.Skipped = append(ml.Skipped, SkippedCert{Index: i, Reason: reason, Subject: c.Subject.String(), Err: err})
			continue
		}
		ml.Certificates = append(ml.Certificates, c)
	}
	for _, raw := range sd.Certificates {
		if c, err := ParseCertificate(raw); err == nil {
			ml.Embedded = append(ml.Embedded, c)
		}
	}
	if len(sd.SignerInfos) > 0 {
		ml.Signer, ml.SignerMatch = FindSignerCertificate(&sd.SignerInfos[0], ml.Embedded, nil)
	}
	return ml, nil
}

// bestEffortSubject reads the subject of a certificate that does not
// parse, for a report; "" if even that fails.
func bestEffortSubject(der []byte) string {
	s := cryptobyte.String(der)
	var cert, tbs, subject cryptobyte.String
	var alg, issuer, validity cryptobyte.String
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return ""
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) && !tbs.SkipASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return ""
	}
	if !tbs.SkipASN1(cbasn1.INTEGER) || !tbs.ReadASN1(&alg, cbasn1.SEQUENCE) || !tbs.ReadASN1(&issuer, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1(&validity, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) {
		return ""
	}
	var n pkix.Name
	if parseName(subject, &n) != nil {
		return ""
	}
	return n.String()
}

// verifySignature checks the CMS signature of the list with its signer
// certificate (RFC 5652 §5.4, §5.6, §11.1).
func (ml *MasterList) verifySignature() error {
	if len(ml.signedData.SignerInfos) != 1 || ml.Signer == nil {
		return &MasterListError{Reason: "needs exactly one signer with its certificate"}
	}
	si := &ml.signedData.SignerInfos[0]
	if !si.HasSignedAttrs() {
		return &MasterListError{Reason: "the SignerInfo has no signed attributes (ICAO 9303-12 §9)"}
	}
	if ct, err := si.ContentTypeAttr(); err != nil || !ct.Equal(ml.signedData.ContentType) {
		return &MasterListError{Reason: "the content-type attribute does not match the eContentType (RFC 5652 §11.1)", Err: err}
	}
	md, err := si.MessageDigest()
	if err != nil {
		return &MasterListError{Reason: "no message digest", Err: err}
	}
	h, err := si.DigestHash()
	if err != nil {
		return &MasterListError{Reason: "digest algorithm", Err: err}
	}
	d := h.New()
	d.Write(ml.signedData.Content)
	if !bytes.Equal(d.Sum(nil), md) {
		return &MasterListError{Reason: "message digest does not match the content"}
	}
	if ml.Signer.PublicKey == nil {
		return &MasterListError{Reason: "the signer's public key is not supported", Err: ml.Signer.PublicKeyError}
	}
	if err := si.VerifySignature(ml.Signer.PublicKey, ml.signedData.Content); err != nil {
		return &MasterListError{Reason: "the signature does not verify", Err: err}
	}
	return nil
}

// Verify checks the master list's signature with its embedded signer
// certificate and that this certificate is issued by (or is) one of the
// trusted CSCAs.
//
// Deprecated: Verify accepts any trusted set, including the list's own
// certificates, which makes a list vouch for itself, and checks no dates.
// Use VerifyAgainst with the CSCAs trusted before the list.
func (ml *MasterList) Verify(trusted []*Certificate) error {
	if err := ml.verifySignature(); err != nil {
		return err
	}
	for _, t := range trusted {
		if t.Equal(ml.Signer) {
			return nil
		}
	}
	_, err := FindIssuer(ml.Signer, trusted)
	return err
}

// VerifyAgainst checks the master list against CSCAs the caller already
// trusts, never against the list's own certificates: the signature (with
// the content-type and message-digest attributes, RFC 5652 §5.4, §11)
// must verify with the embedded signer certificate, and that certificate
// must be one of trusted, or be a master list signer (extended key usage
// id-icao-cscaMasterListSigningKey, ICAO 9303-12 §7.1.1.3) whose chain
// (VerifyChain) leads to a self-signed CSCA of trusted, valid at time
// at. Errors are *MasterListError (errors.Is ErrMasterListUntrusted)
// wrapping the cause; when the signer does not chain, that cause is an
// *UnknownIssuerError naming the CSCA (issuer name, key id) to add.
func (ml *MasterList) VerifyAgainst(trusted []*Certificate, at time.Time) error {
	if err := ml.verifySignature(); err != nil {
		return err
	}
	for _, t := range trusted {
		if t.Equal(ml.Signer) {
			if err := CheckValidity(t, at); err != nil {
				return &MasterListError{Reason: "the signer is a trusted CSCA outside its validity", Err: err}
			}
			return nil
		}
	}
	if !hasOID(ml.Signer.ExtKeyUsage, OIDMasterListSigner) {
		return &MasterListError{Reason: fmt.Sprintf("the signer %q is not a master list signer (no extended key usage %s, ICAO 9303-12 §7.1.1.3)", ml.Signer.Subject, OIDMasterListSigner)}
	}
	if _, err := VerifyChain(ml.Signer, trusted, at); err != nil {
		return &MasterListError{Reason: fmt.Sprintf("the signer %q is not trusted", ml.Signer.Subject), Err: err}
	}
	return nil
}

func hasOID(list []asn1.ObjectIdentifier, oid asn1.ObjectIdentifier) bool {
	for _, o := range list {
		if o.Equal(oid) {
			return true
		}
	}
	return false
}

// CountryOf returns the ISO 3166 country code of a certificate's subject
// (upper case), or "??" when it has none.
func CountryOf(c *Certificate) string {
	if len(c.Subject.Country) == 0 || c.Subject.Country[0] == "" {
		return "??"
	}
	return strings.ToUpper(c.Subject.Country[0])
}

// CountByCountry counts the loaded CSCAs by country (CountryOf).
func (ml *MasterList) CountByCountry() map[string]int {
	out := map[string]int{}
	for _, c := range ml.Certificates {
		out[CountryOf(c)]++
	}
	return out
}

// Summary says what the list loaded, for a command's output: "loaded N
// CSCAs: AE 3, AT 5, …; skipped 1: index 17 (subject): reason".
func (ml *MasterList) Summary() string {
	counts := ml.CountByCountry()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "loaded %d CSCAs", len(ml.Certificates))
	for i, k := range keys {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s %d", sep, k, counts[k])
	}
	if len(ml.Skipped) > 0 {
		fmt.Fprintf(&b, "; skipped %d", len(ml.Skipped))
		for i, s := range ml.Skipped {
			sep := "; "
			if i == 0 {
				sep = ": "
			}
			b.WriteString(sep + s.String())
		}
	}
	return b.String()
}
