// Package cms implements the part of CMS (RFC 5652) that ICAO 9303 needs:
// SignedData with encapsulated content, one or more SignerInfos with
// signed attributes, signing with any crypto.Signer and checking with a
// public key, over RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA (on any curve the
// caller's keys use, brainpool included). It also reads BER (indefinite
// lengths) by normalising it to DER first.
package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of digest and signature algorithms (RFC 5754, RFC
// 4055, RFC 5758, BSI TR-03111 for the plain ECDSA ones).
var (
	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	OIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	OIDECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	oidECDSASHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSASHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}

	oidECDSAPlainArc = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1}
)

var digestOIDs = []struct {
	oid asn1.ObjectIdentifier
	h   crypto.Hash
}{{OIDSHA1, crypto.SHA1}, {OIDSHA224, crypto.SHA224}, {OIDSHA256, crypto.SHA256}, {OIDSHA384, crypto.SHA384}, {OIDSHA512, crypto.SHA512}}

// HashFromOID returns the hash a digest OID names.
func HashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, d := range digestOIDs {
		if d.oid.Equal(oid) {
			return d.h, true
		}
	}
	return 0, false
}

// OIDFromHash returns the digest OID of a hash.
func OIDFromHash(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, d := range digestOIDs {
		if d.h == h {
			return d.oid, true
		}
	}
	return nil, false
}

var rsaSigOIDs = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: oidSHA1WithRSA, crypto.SHA224: oidSHA224WithRSA, crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA}
var ecdsaSigOIDs = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: oidECDSASHA1, crypto.SHA224: oidECDSASHA224, crypto.SHA256: oidECDSASHA256, crypto.SHA384: oidECDSASHA384, crypto.SHA512: oidECDSASHA512}

// AlgorithmIdentifier is an X.509 AlgorithmIdentifier with its parameters
// kept as DER (nil when absent).
type AlgorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters []byte
}

// Marshal appends the DER of the identifier to b.
func (a AlgorithmIdentifier) Marshal(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Algorithm)
		b.AddBytes(a.Parameters)
	})
}

// Bytes returns the DER of the identifier.
func (a AlgorithmIdentifier) Bytes() []byte {
	var b cryptobyte.Builder
	a.Marshal(&b)
	return b.BytesOrPanic()
}

// ReadAlgorithmIdentifier reads one AlgorithmIdentifier.
func ReadAlgorithmIdentifier(s *cryptobyte.String, out *AlgorithmIdentifier) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&out.Algorithm) {
		return false
	}
	out.Parameters = nil
	if !seq.Empty() {
		var p cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1Element(&p, &tag) || !seq.Empty() {
			return false
		}
		out.Parameters = append([]byte{}, p...)
	}
	return true
}

var derNull = []byte{0x05, 0x00}

// DigestAlgorithm returns the AlgorithmIdentifier of a hash: NULL
// parameters for SHA-1, as the ICAO sample SODs carry, absent for SHA-2
// (RFC 5754 §2).
func DigestAlgorithm(h crypto.Hash) (AlgorithmIdentifier, error) {
	oid, ok := OIDFromHash(h)
	if !ok {
		return AlgorithmIdentifier{}, &UnsupportedAlgorithmError{What: "digest", Name: h.String()}
	}
	if h == crypto.SHA1 {
		return AlgorithmIdentifier{Algorithm: oid, Parameters: derNull}, nil
	}
	return AlgorithmIdentifier{Algorithm: oid}, nil
}

// Scheme chooses the RSA padding; ECDSA keys ignore it.
type Scheme int

// Signature schemes.
const (
	PKCS1v15 Scheme = iota
	PSS
)

// SignatureAlgorithm returns the signature AlgorithmIdentifier for a key,
// hash and scheme: sha*WithRSAEncryption, RSASSA-PSS with
// RSASSA-PSS-params (hash, MGF1 with the same hash, salt length = hash
// length, trailer field 1 as the DER default), or ecdsa-with-SHA*.
func SignatureAlgorithm(pub crypto.PublicKey, h crypto.Hash, scheme Scheme) (AlgorithmIdentifier, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		if scheme == PSS {
			return pssAlgorithm(h)
		}
		oid, ok := rsaSigOIDs[h]
		if !ok {
			return AlgorithmIdentifier{}, &UnsupportedAlgorithmError{What: "RSA digest", Name: h.String()}
		}
		return AlgorithmIdentifier{Algorithm: oid, Parameters: derNull}, nil
	case *ecdsa.PublicKey:
		oid, ok := ecdsaSigOIDs[h]
		if !ok {
			return AlgorithmIdentifier{}, &UnsupportedAlgorithmError{What: "ECDSA digest", Name: h.String()}
		}
		return AlgorithmIdentifier{Algorithm: oid}, nil
	}
	return AlgorithmIdentifier{}, &UnsupportedAlgorithmError{What: "key type", Name: fmt.Sprintf("%T", pub)}
}

func pssAlgorithm(h crypto.Hash) (AlgorithmIdentifier, error) {
	hoid, ok := OIDFromHash(h)
	if !ok {
		return AlgorithmIdentifier{}, &UnsupportedAlgorithmError{What: "PSS digest", Name: h.String()}
	}
	hashAlg := AlgorithmIdentifier{Algorithm: hoid, Parameters: derNull}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { hashAlg.Marshal(b) })
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			AlgorithmIdentifier{Algorithm: OIDMGF1, Parameters: hashAlg.Bytes()}.Marshal(b)
		})
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(h.Size())) })
	})
	return AlgorithmIdentifier{Algorithm: OIDRSAPSS, Parameters: b.BytesOrPanic()}, nil
}

// pssParams decodes RSASSA-PSS-params (RFC 4055 §3.1), applying defaults.
func pssParams(p []byte) (h crypto.Hash, salt int, err error) {
	h, salt = crypto.SHA1, 20
	bad := &UnsupportedAlgorithmError{What: "RSASSA-PSS parameters", Name: "malformed or unsupported"}
	s := cryptobyte.String(p)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return 0, 0, bad
	}
	mgfHash := crypto.SHA1
	for !seq.Empty() {
		var v cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1(&v, &tag) {
			return 0, 0, bad
		}
		switch tag {
		case cbasn1.Tag(0).Constructed().ContextSpecific():
			var a AlgorithmIdentifier
			if !ReadAlgorithmIdentifier(&v, &a) {
				return 0, 0, bad
			}
			var ok bool
			if h, ok = HashFromOID(a.Algorithm); !ok {
				return 0, 0, bad
			}
		case cbasn1.Tag(1).Constructed().ContextSpecific():
			var a, ha AlgorithmIdentifier
			if !ReadAlgorithmIdentifier(&v, &a) || !a.Algorithm.Equal(OIDMGF1) {
				return 0, 0, bad
			}
			ps := cryptobyte.String(a.Parameters)
			if !ReadAlgorithmIdentifier(&ps, &ha) {
				return 0, 0, bad
			}
			var ok bool
			if mgfHash, ok = HashFromOID(ha.Algorithm); !ok {
				return 0, 0, bad
			}
		case cbasn1.Tag(2).Constructed().ContextSpecific():
			var n int64
			if !v.ReadASN1Integer(&n) || n < 0 || n > 1024 {
				return 0, 0, bad
			}
			salt = int(n)
		case cbasn1.Tag(3).Constructed().ContextSpecific():
			var n int64
			if !v.ReadASN1Integer(&n) || n != 1 {
				return 0, 0, bad
			}
		default:
			return 0, 0, bad
		}
	}
	if mgfHash != h {
		return 0, 0, &UnsupportedAlgorithmError{What: "RSASSA-PSS", Name: "MGF1 hash differs from the message hash"}
	}
	return h, salt, nil
}

// SignMessage hashes msg with h and signs it with signer under alg (from
// SignatureAlgorithm). ECDSA signatures come out DER-encoded.
func SignMessage(signer crypto.Signer, alg AlgorithmIdentifier, h crypto.Hash, msg []byte) ([]byte, error) {
	if !h.Available() {
		return nil, &UnsupportedAlgorithmError{What: "digest", Name: h.String()}
	}
	d := h.New()
	d.Write(msg)
	digest := d.Sum(nil)
	var opts crypto.SignerOpts = h
	if alg.Algorithm.Equal(OIDRSAPSS) {
		opts = &rsa.PSSOptions{SaltLength: h.Size(), Hash: h}
	}
	return signer.Sign(rand.Reader, digest, opts)
}

// VerifyMessage checks sig over msg with pub under the signature algorithm
// alg. digestHint is the hash to use when alg does not name one (the
// legacy rsaEncryption or id-ecPublicKey used as a signature OID, seen on
// older SODs): the SignerInfo's digestAlgorithm.
func VerifyMessage(pub crypto.PublicKey, alg AlgorithmIdentifier, digestHint crypto.Hash, msg, sig []byte) error {
	h, kind, err := classify(alg, digestHint)
	if err != nil {
		return err
	}
	if !h.Available() {
		return &UnsupportedAlgorithmError{What: "digest", Name: h.String()}
	}
	d := h.New()
	d.Write(msg)
	digest := d.Sum(nil)
	switch kind {
	case "rsa", "pss":
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: the signature algorithm is RSA but the key is %T", ErrSignature, pub)
		}
		if kind == "pss" {
			ph, salt, err := pssParams(alg.Parameters)
			if err != nil {
				return err
			}
			d2 := ph.New()
			d2.Write(msg)
			if err := rsa.VerifyPSS(k, ph, d2.Sum(nil), sig, &rsa.PSSOptions{SaltLength: salt, Hash: ph}); err != nil {
				return fmt.Errorf("%w: %v", ErrSignature, err)
			}
			return nil
		}
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return fmt.Errorf("%w: %v", ErrSignature, err)
		}
		return nil
	case "ecdsa", "ecdsa-plain":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: the signature algorithm is ECDSA but the key is %T", ErrSignature, pub)
		}
		if kind == "ecdsa-plain" {
			if len(sig)%2 != 0 || len(sig) == 0 {
				return fmt.Errorf("%w: plain ECDSA signature of odd length", ErrSignature)
			}
			r := new(big.Int).SetBytes(sig[:len(sig)/2])
			s := new(big.Int).SetBytes(sig[len(sig)/2:])
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1BigInt(r); b.AddASN1BigInt(s) })
			sig = b.BytesOrPanic()
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("%w: ECDSA verification failed", ErrSignature)
		}
		return nil
	}
	return &UnsupportedAlgorithmError{What: "signature", Name: alg.Algorithm.String()}
}

// classify maps a signature AlgorithmIdentifier to its hash and family.
func classify(alg AlgorithmIdentifier, hint crypto.Hash) (crypto.Hash, string, error) {
	o := alg.Algorithm
	for h, oid := range rsaSigOIDs {
		if oid.Equal(o) {
			return h, "rsa", nil
		}
	}
	for h, oid := range ecdsaSigOIDs {
		if oid.Equal(o) {
			return h, "ecdsa", nil
		}
	}
	switch {
	case o.Equal(OIDRSAPSS):
		h, _, err := pssParams(alg.Parameters)
		return h, "pss", err
	case o.Equal(OIDRSAEncryption) && hint != 0:
		return hint, "rsa", nil
	case o.Equal(OIDECPublicKey) && hint != 0:
		return hint, "ecdsa", nil
	case len(o) == len(oidECDSAPlainArc)+1 && o[:len(oidECDSAPlainArc)].Equal(oidECDSAPlainArc):
		hs := map[int]crypto.Hash{1: crypto.SHA1, 2: crypto.SHA224, 3: crypto.SHA256, 4: crypto.SHA384, 5: crypto.SHA512}
		if h, ok := hs[o[len(o)-1]]; ok {
			return h, "ecdsa-plain", nil
		}
	}
	return 0, "", &UnsupportedAlgorithmError{What: "signature", Name: o.String()}
}

// ErrSignature is wrapped by every signature mismatch.
var ErrSignature = errors.New("signature does not verify")

// UnsupportedAlgorithmError reports an algorithm this package does not
// implement (or that the parameters make unusable).
type UnsupportedAlgorithmError struct {
	What string // "digest", "signature", …
	Name string // OID or name
}

func (e *UnsupportedAlgorithmError) Error() string {
	return fmt.Sprintf("unsupported %s algorithm %s", e.What, e.Name)
}
