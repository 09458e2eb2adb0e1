package pki

import (
	"crypto"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/cccd-vn/cccd/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CRL is a parsed X.509 v2 certificate revocation list (RFC 5280 §5).
type CRL struct {
	Raw                []byte
	RawTBSCertList     []byte
	RawIssuer          []byte
	Issuer             pkix.Name
	ThisUpdate         time.Time
	NextUpdate         time.Time // zero when absent
	Revoked            []RevokedCertificate
	AuthorityKeyID     []byte
	Number             *big.Int
	SignatureAlgorithm cms.AlgorithmIdentifier
	Signature          []byte
}

// RevokedCertificate is one CRL entry.
type RevokedCertificate struct {
	SerialNumber   *big.Int
	RevocationTime time.Time
}

// ParseCRL parses a DER CRL.
func ParseCRL(der []byte) (*CRL, error) {
	bad := func(what string) (*CRL, error) { return nil, fmt.Errorf("malformed CRL: %s", what) }
	c := &CRL{Raw: append([]byte{}, der...)}
	s := cryptobyte.String(c.Raw)
	var crl, tbsEl, tbs cryptobyte.String
	if !s.ReadASN1(&crl, cbasn1.SEQUENCE) || !s.Empty() || !crl.ReadASN1Element(&tbsEl, cbasn1.SEQUENCE) {
		return bad("not a SEQUENCE")
	}
	c.RawTBSCertList = tbsEl
	var sig []byte
	var bs cryptobyte.String
	if !cms.ReadAlgorithmIdentifier(&crl, &c.SignatureAlgorithm) || !crl.ReadASN1(&bs, cbasn1.BIT_STRING) || len(bs) < 1 || bs[0] != 0 {
		return bad("bad signature")
	}
	sig = bs[1:]
	c.Signature = append([]byte{}, sig...)
	tbsEl.ReadASN1(&tbs, cbasn1.SEQUENCE)
	if tbs.PeekASN1Tag(cbasn1.INTEGER) {
		var v int64
		if !tbs.ReadASN1Integer(&v) {
			return bad("bad version")
		}
	}
	var alg cms.AlgorithmIdentifier
	var issuer cryptobyte.String
	if !cms.ReadAlgorithmIdentifier(&tbs, &alg) || !tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return bad("bad issuer")
	}
	c.RawIssuer = issuer
	if err := parseName(issuer, &c.Issuer); err != nil {
		return nil, err
	}
	var err error
	if c.ThisUpdate, err = readTime(&tbs); err != nil {
		return nil, err
	}
	if tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if c.NextUpdate, err = readTime(&tbs); err != nil {
			return nil, err
		}
	}
	if tbs.PeekASN1Tag(cbasn1.SEQUENCE) {
		var list cryptobyte.String
		tbs.ReadASN1(&list, cbasn1.SEQUENCE)
		for !list.Empty() {
			var e cryptobyte.String
			r := RevokedCertificate{SerialNumber: new(big.Int)}
			if !list.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1Integer(r.SerialNumber) {
				return bad("bad entry")
			}
			if r.RevocationTime, err = readTime(&e); err != nil {
				return nil, err
			}
			c.Revoked = append(c.Revoked, r)
		}
	}
	if tbs.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var ex, exts cryptobyte.String
		if !tbs.ReadASN1(&ex, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ex.ReadASN1(&exts, cbasn1.SEQUENCE) {
			return bad("bad extensions")
		}
		list, err := readExtensions(exts)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			v := cryptobyte.String(e.Value)
			switch {
			case e.Id.Equal(oidExtAKI):
				var seq, k cryptobyte.String
				if v.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadASN1(&k, cbasn1.Tag(0).ContextSpecific()) {
					c.AuthorityKeyID = k
				}
			case e.Id.Equal(oidExtCRLNumber):
				n := new(big.Int)
				if v.ReadASN1Integer(n) {
					c.Number = n
				}
			}
		}
	}
	if !tbs.Empty() {
		return bad("trailing data")
	}
	return c, nil
}

// CheckSignatureFrom verifies that issuer signed the CRL.
func (c *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if issuer.PublicKey == nil {
		return &cms.UnsupportedAlgorithmError{What: "public key", Name: "of the CRL issuer"}
	}
	return cms.VerifyMessage(issuer.PublicKey, c.SignatureAlgorithm, 0, c.RawTBSCertList, c.Signature)
}

// CreateCRL issues a v2 CRL for issuer listing revoked.
func CreateCRL(issuer *Certificate, signer crypto.Signer, revoked []RevokedCertificate, number *big.Int, thisUpdate, nextUpdate time.Time, p SigningParams) ([]byte, error) {
	if issuer == nil || signer == nil {
		return nil, errors.New("a CRL needs its issuer certificate and key")
	}
	sigAlg, err := cms.SignatureAlgorithm(signer.Public(), p.Hash, p.Scheme)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1) // v2
		sigAlg.Marshal(b)
		b.AddBytes(issuer.RawSubject)
		addTime(b, thisUpdate)
		addTime(b, nextUpdate)
		if len(revoked) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, r := range revoked {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(r.SerialNumber)
						addTime(b, r.RevocationTime)
					})
				}
			})
		}
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			var exts []pkix.Extension
			if issuer.SubjectKeyID != nil {
				var a cryptobyte.Builder
				a.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(issuer.SubjectKeyID) })
				})
				exts = append(exts, pkix.Extension{Id: oidExtAKI, Value: a.BytesOrPanic()})
			}
			var n cryptobyte.Builder
			if number == nil {
				number = big.NewInt(1)
			}
			n.AddASN1BigInt(number)
			exts = append(exts, pkix.Extension{Id: oidExtCRLNumber, Value: n.BytesOrPanic()})
			addExtensions(b, exts)
		})
	})
	tbs, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return signTBS(tbs, sigAlg, signer, p.Hash)
}
