package pki

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/cccd-vn/cccd/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDCSCAMasterList is id-icao-cscaMasterList, the eContentType of a
// master list (ICAO 9303-12 §9).
var OIDCSCAMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

// MasterList is a parsed CSCA master list: CMS SignedData over
// CscaMasterList ::= SEQUENCE { version INTEGER (v0), certList SET OF
// Certificate }.
type MasterList struct {
	Certificates []*Certificate
	// Signer is the certificate that signed the list (from the CMS
	// certificates), nil if not included.
	Signer     *Certificate
	signedData *cms.SignedData
}

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

// ParseMasterList parses a master list (DER or BER) and its certificates.
// It does not check the signature: call Verify.
func ParseMasterList(b []byte) (*MasterList, error) {
	sd, err := cms.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("master list: %w", err)
	}
	if !sd.ContentType.Equal(OIDCSCAMasterList) {
		return nil, fmt.Errorf("master list: content type is %s, not id-icao-cscaMasterList", sd.ContentType)
	}
	s := cryptobyte.String(sd.Content)
	var seq, set cryptobyte.String
	var v int64
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&v) || !seq.ReadASN1(&set, cbasn1.SET) {
		return nil, errors.New("master list: malformed CscaMasterList")
	}
	ml := &MasterList{signedData: sd}
	for !set.Empty() {
		var e cryptobyte.String
		if !set.ReadASN1Element(&e, cbasn1.SEQUENCE) {
			return nil, errors.New("master list: malformed certificate list")
		}
		c, err := ParseCertificate(e)
		if err != nil {
			return nil, fmt.Errorf("master list: %w", err)
		}
		ml.Certificates = append(ml.Certificates, c)
	}
	if len(sd.SignerInfos) > 0 {
		si := &sd.SignerInfos[0]
		for _, raw := range sd.Certificates {
			c, err := ParseCertificate(raw)
			if err == nil && si.Identifies(c.RawIssuer, c.SerialNumber, c.SubjectKeyID) {
				ml.Signer = c
			}
		}
	}
	return ml, nil
}

// Verify checks the master list's signature with its embedded signer
// certificate and that this certificate is issued by (or is) one of the
// trusted CSCAs.
func (ml *MasterList) Verify(trusted []*Certificate) error {
	if len(ml.signedData.SignerInfos) != 1 || ml.Signer == nil {
		return errors.New("master list: needs exactly one signer with its certificate")
	}
	si := &ml.signedData.SignerInfos[0]
	md, err := si.MessageDigest()
	if err != nil {
		return err
	}
	h, err := si.DigestHash()
	if err != nil {
		return err
	}
	d := h.New()
	d.Write(ml.signedData.Content)
	if string(d.Sum(nil)) != string(md) {
		return errors.New("master list: message digest does not match the content")
	}
	if err := si.VerifySignature(ml.Signer.PublicKey, ml.signedData.Content); err != nil {
		return fmt.Errorf("master list: %w", err)
	}
	for _, t := range trusted {
		if t.Equal(ml.Signer) {
			return nil
		}
	}
	_, err = FindIssuer(ml.Signer, trusted)
	return err
}
