package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"

	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidPublicKeyRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidPublicKeyECDSA  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPublicKeyRSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
)

// namedCurve ties a curve OID to its implementation. nist marks the curves
// crypto/x509 handles itself.
type namedCurve struct {
	oid   asn1.ObjectIdentifier
	curve elliptic.Curve
	nist  bool
}

// pkiCurves lists the curves keys and certificates may use: the NIST
// curves (FIPS 186-4) and, from curves_brainpool.go, the RFC 5639 ones.
var pkiCurves = []namedCurve{
	{asn1.ObjectIdentifier{1, 3, 132, 0, 33}, elliptic.P224(), true},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, elliptic.P256(), true},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 34}, elliptic.P384(), true},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 35}, elliptic.P521(), true},
}

func curveByOID(oid asn1.ObjectIdentifier) *namedCurve {
	for i := range pkiCurves {
		if pkiCurves[i].oid.Equal(oid) {
			return &pkiCurves[i]
		}
	}
	return nil
}

func curveOf(c elliptic.Curve) *namedCurve {
	for i := range pkiCurves {
		if pkiCurves[i].curve == c || pkiCurves[i].curve.Params().Name == c.Params().Name && c.Params().Name != "" {
			return &pkiCurves[i]
		}
	}
	return nil
}

// CurveByOID returns the supported curve an OID names, or nil.
func CurveByOID(oid asn1.ObjectIdentifier) elliptic.Curve {
	if n := curveByOID(oid); n != nil {
		return n.curve
	}
	return nil
}

// CurveOID returns the OID of a supported curve.
func CurveOID(c elliptic.Curve) (asn1.ObjectIdentifier, bool) {
	if n := curveOf(c); n != nil {
		return n.oid, true
	}
	return nil, false
}

// ErrUnsupportedKey is wrapped when a key's algorithm or curve is not
// supported.
var ErrUnsupportedKey = errors.New("unsupported key algorithm or curve")

// ParsePublicKey decodes a SubjectPublicKeyInfo holding an RSA key or an
// EC key on a NIST or brainpool curve, named or given by explicit
// parameters.
func ParsePublicKey(spki []byte) (crypto.PublicKey, error) {
	k, _, err := parsePublicKey(spki)
	return k, err
}

// keyInfo is what parsePublicKey learns beside the key.
type keyInfo struct {
	explicit  bool // EC key with explicit domain parameters
	rsaNoNull bool // RSA AlgorithmIdentifier without its NULL parameters
}

func parsePublicKey(spki []byte) (crypto.PublicKey, keyInfo, error) {
	var info keyInfo
	s := cryptobyte.String(spki)
	var seq, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	var bits asn1.BitString
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!seq.ReadASN1BitString(&bits) || !seq.Empty() {
		return nil, info, errors.New("malformed SubjectPublicKeyInfo")
	}
	if bits.BitLength%8 != 0 {
		return nil, info, errors.New("malformed SubjectPublicKeyInfo: key bits not whole octets")
	}
	switch {
	case oid.Equal(oidPublicKeyRSA):
		// RFC 3279 §2.3.1: the parameters MUST be NULL. Some CSCAs (seen
		// in the German master list) leave them out; the key itself does
		// not depend on them, so absent parameters are accepted too.
		switch {
		case alg.Empty():
			info.rsaNoNull = true
		case len(alg) == 2 && alg[0] == 0x05 && alg[1] == 0x00:
		default:
			return nil, info, errors.New("malformed RSA SubjectPublicKeyInfo: parameters are neither NULL nor absent")
		}
		k, err := x509.ParsePKCS1PublicKey(bits.Bytes)
		if err != nil {
			return nil, info, fmt.Errorf("malformed RSA public key: %w", err)
		}
		return k, info, nil
	case oid.Equal(oidPublicKeyRSAPSS):
		// id-RSASSA-PSS as the key algorithm (RFC 4055 §1.2), used by some
		// Document Signers; crypto/x509 does not read it.
		k, err := x509.ParsePKCS1PublicKey(bits.Bytes)
		if err != nil {
			return nil, info, fmt.Errorf("malformed RSA public key: %w", err)
		}
		return k, info, nil
	case oid.Equal(oidPublicKeyECDSA):
		var nc *namedCurve
		if alg.PeekASN1Tag(cbasn1.SEQUENCE) {
			// Explicit parameters (RFC 3279 §2.3.5), as some CSCAs (Viet
			// Nam's), Document Signers and DG14 files carry: accepted when
			// they are exactly those of a supported curve.
			var err error
			if nc, err = curveFromExplicit(&alg); err != nil {
				return nil, info, err
			}
			info.explicit = true
		} else {
			var coid asn1.ObjectIdentifier
			if !alg.ReadASN1ObjectIdentifier(&coid) {
				return nil, info, fmt.Errorf("%w: EC key without curve parameters", ErrUnsupportedKey)
			}
			if nc = curveByOID(coid); nc == nil {
				return nil, info, fmt.Errorf("%w: curve %s", ErrUnsupportedKey, coid)
			}
		}
		if !alg.Empty() {
			return nil, info, errors.New("malformed EC SubjectPublicKeyInfo: trailing parameters")
		}
		if nc.nist {
			k, err := x509.ParsePKIXPublicKey(spki)
			if err != nil {
				return nil, info, err
			}
			return k, info, nil
		}
		x, y := elliptic.Unmarshal(nc.curve, bits.Bytes) //nolint:staticcheck // custom curves have no crypto/ecdh form
		if x == nil {
			return nil, info, errors.New("EC public key is not a point on its curve")
		}
		return &ecdsa.PublicKey{Curve: nc.curve, X: x, Y: y}, info, nil
	}
	return nil, info, fmt.Errorf("%w: %s", ErrUnsupportedKey, oid)
}

// MarshalPublicKey encodes a public key as a SubjectPublicKeyInfo.
func MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	if k, ok := pub.(*ecdsa.PublicKey); ok {
		nc := curveOf(k.Curve)
		if nc == nil {
			return nil, fmt.Errorf("%w: curve %s", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		if !nc.nist {
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidPublicKeyECDSA)
					b.AddASN1ObjectIdentifier(nc.oid)
				})
				b.AddASN1BitString(elliptic.Marshal(k.Curve, k.X, k.Y)) //nolint:staticcheck // custom curves have no crypto/ecdh form
			})
			return b.Bytes()
		}
	}
	return x509.MarshalPKIXPublicKey(pub)
}

// MarshalPrivateKey encodes a private key as PKCS#8 DER; brainpool keys
// are written with an ECPrivateKey (RFC 5915) inside, as OpenSSL does.
func MarshalPrivateKey(key crypto.Signer) ([]byte, error) {
	if k, ok := key.(*ecdsa.PrivateKey); ok {
		nc := curveOf(k.Curve)
		if nc == nil {
			return nil, fmt.Errorf("%w: curve %s", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		if !nc.nist {
			size := (k.Curve.Params().BitSize + 7) / 8
			var ec cryptobyte.Builder
			ec.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1OctetString(k.D.FillBytes(make([]byte, size)))
				b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1BitString(elliptic.Marshal(k.Curve, k.X, k.Y)) //nolint:staticcheck
				})
			})
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(0)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidPublicKeyECDSA)
					b.AddASN1ObjectIdentifier(nc.oid)
				})
				b.AddASN1OctetString(ec.BytesOrPanic())
			})
			return b.Bytes()
		}
	}
	return x509.MarshalPKCS8PrivateKey(key)
}

// parsePrivateKey reads PKCS#8, SEC1 (EC PRIVATE KEY) or PKCS#1 (RSA
// PRIVATE KEY) DER, brainpool curves included.
func parsePrivateKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, k)
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	// PKCS#8 or SEC1 on a curve crypto/x509 does not know.
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	var v int64
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&v) {
		return nil, errors.New("the key is not PKCS#8, SEC1 or PKCS#1 DER")
	}
	if v == 0 { // PKCS#8
		var alg cryptobyte.String
		var a, c asn1.ObjectIdentifier
		var inner []byte
		if !seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&a) {
			return nil, errors.New("malformed PKCS#8 key")
		}
		if a.Equal(oidPublicKeyRSAPSS) {
			// An RSA key restricted to PSS (openssl genpkey -algorithm
			// RSA-PSS): the inner key is PKCS#1.
			if !seq.ReadASN1Bytes(&inner, cbasn1.OCTET_STRING) {
				return nil, errors.New("malformed PKCS#8 key")
			}
			return x509.ParsePKCS1PrivateKey(inner)
		}
		if !a.Equal(oidPublicKeyECDSA) || !alg.ReadASN1ObjectIdentifier(&c) || !seq.ReadASN1Bytes(&inner, cbasn1.OCTET_STRING) {
			return nil, fmt.Errorf("%w in PKCS#8", ErrUnsupportedKey)
		}
		return parseSEC1(inner, c)
	}
	return parseSEC1(der, nil)
}

func parseSEC1(der []byte, curveOID asn1.ObjectIdentifier) (crypto.Signer, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	var v int64
	var d []byte
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&v) || v != 1 || !seq.ReadASN1Bytes(&d, cbasn1.OCTET_STRING) {
		return nil, errors.New("malformed EC private key")
	}
	if seq.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var p cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !seq.ReadASN1(&p, cbasn1.Tag(0).Constructed().ContextSpecific()) || !p.ReadASN1ObjectIdentifier(&oid) {
			return nil, errors.New("EC private key with explicit parameters is not supported")
		}
		curveOID = oid
	}
	nc := curveByOID(curveOID)
	if nc == nil {
		return nil, fmt.Errorf("%w: curve %v", ErrUnsupportedKey, curveOID)
	}
	k := &ecdsa.PrivateKey{D: new(big.Int).SetBytes(d)}
	k.Curve = nc.curve
	if k.D.Sign() <= 0 || k.D.Cmp(nc.curve.Params().N) >= 0 {
		return nil, errors.New("EC private key out of range")
	}
	k.X, k.Y = nc.curve.ScalarBaseMult(d) //nolint:staticcheck // custom curves
	return k, nil
}

// KeyFileError reports a key file that must not be used.
type KeyFileError struct {
	Path   string
	Reason string
}

func (e *KeyFileError) Error() string { return "key file " + e.Path + ": " + e.Reason }

// LoadSigner reads a private key from a PEM file (PKCS#8 "PRIVATE KEY",
// SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"). A file readable or
// writable by group or others (mode & 0o077 != 0) is refused: a Document
// Signer key must stay private.
func LoadSigner(path string) (crypto.Signer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if m := st.Mode().Perm(); m&0o077 != 0 {
		return nil, &KeyFileError{Path: path, Reason: fmt.Sprintf("permissions %04o let group or others read it; run 'chmod 600 %s'", m, path)}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, &KeyFileError{Path: path, Reason: "no PEM block found"}
	}
	k, err := parsePrivateKey(blk.Bytes)
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: err.Error()}
	}
	return k, nil
}

// LoadCertificates reads every certificate of a file: PEM (several
// CERTIFICATE blocks) or a single DER certificate.
func LoadCertificates(path string) ([]*Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseCertificates(b)
}

// ErrNotOneCertificate is returned by LoadCertificate and
// ParseCertificatePEMOrDER for input holding no certificate or several.
var ErrNotOneCertificate = errors.New("expected exactly one certificate")

// LoadCertificate reads a file holding exactly one certificate, PEM (a
// CERTIFICATE block) or DER.
func LoadCertificate(path string) (*Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseCertificatePEMOrDER(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseCertificatePEMOrDER reads exactly one certificate, PEM or DER.
func ParseCertificatePEMOrDER(b []byte) (*Certificate, error) {
	certs, err := ParseCertificates(b)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%w, found %d", ErrNotOneCertificate, len(certs))
	}
	return certs[0], nil
}

// ParseCertificates reads PEM (several blocks) or one DER certificate.
func ParseCertificates(b []byte) ([]*Certificate, error) {
	out, err := parsePEMOrDER(b, "CERTIFICATE", ParseCertificate)
	if err != nil {
		return nil, fmt.Errorf("neither PEM certificates nor a DER certificate: %w", err)
	}
	return out, nil
}

// parsePEMOrDER reads every PEM block of type typ, or, when there is none,
// the whole input as one DER object.
func parsePEMOrDER[T any](b []byte, typ string, parse func([]byte) (T, error)) ([]T, error) {
	var out []T
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != typ {
			continue
		}
		v, err := parse(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) > 0 {
		return out, nil
	}
	v, err := parse(b)
	if err != nil {
		return nil, err
	}
	return []T{v}, nil
}

// PEM helpers for writing.
func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
func crlPEM(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}) }

// oidPrimeField is prime-field (X9.62, RFC 3279 §2.3.5).
var oidPrimeField = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}

// curveA returns the coefficient a of a supported curve: -3 for the NIST
// curves (FIPS 186-4 §D.1.2), the curve's own for brainpool.
func curveA(c elliptic.Curve) *big.Int {
	if a, ok := c.(interface{ A() *big.Int }); ok {
		return a.A()
	}
	p := c.Params().P
	return new(big.Int).Sub(p, big.NewInt(3))
}

// curveFromExplicit reads ECParameters (RFC 3279 §2.3.5, X9.62):
//
//	ECParameters ::= SEQUENCE { version INTEGER { ecpVer1(1) }, fieldID
//	  FieldID, curve Curve, base ECPoint, order INTEGER, cofactor INTEGER
//	  OPTIONAL }
//	Curve ::= SEQUENCE { a FieldElement, b FieldElement, seed BIT STRING
//	  OPTIONAL }
//
// and returns the supported curve with the same prime field, a, b,
// generator and order (cofactor 1 when present): explicit parameters of
// any other curve are refused, so that a key cannot bring its own
// (weak) group.
func curveFromExplicit(s *cryptobyte.String) (*namedCurve, error) {
	bad := errors.New("malformed explicit EC parameters")
	var ps, field, curve cryptobyte.String
	var ver int64
	var fieldType asn1.ObjectIdentifier
	var base, a, b []byte
	p, n := new(big.Int), new(big.Int)
	if !s.ReadASN1(&ps, cbasn1.SEQUENCE) || !ps.ReadASN1Integer(&ver) || !ps.ReadASN1(&field, cbasn1.SEQUENCE) ||
		!field.ReadASN1ObjectIdentifier(&fieldType) || !ps.ReadASN1(&curve, cbasn1.SEQUENCE) ||
		!ps.ReadASN1Bytes(&base, cbasn1.OCTET_STRING) || !ps.ReadASN1Integer(n) {
		return nil, bad
	}
	if ver != 1 || !fieldType.Equal(oidPrimeField) {
		return nil, fmt.Errorf("%w: explicit EC parameters version %d, field %s", ErrUnsupportedKey, ver, fieldType)
	}
	if !field.ReadASN1Integer(p) || !field.Empty() || !curve.ReadASN1Bytes(&a, cbasn1.OCTET_STRING) || !curve.ReadASN1Bytes(&b, cbasn1.OCTET_STRING) {
		return nil, bad
	}
	if curve.PeekASN1Tag(cbasn1.BIT_STRING) {
		var seed asn1.BitString
		if !curve.ReadASN1BitString(&seed) {
			return nil, bad
		}
	}
	if !curve.Empty() {
		return nil, bad
	}
	if !ps.Empty() {
		h := new(big.Int)
		if !ps.ReadASN1Integer(h) || !ps.Empty() {
			return nil, bad
		}
		if h.Cmp(big.NewInt(1)) != 0 {
			return nil, fmt.Errorf("%w: explicit EC parameters with cofactor %s", ErrUnsupportedKey, h)
		}
	}
	ai, bi := new(big.Int).SetBytes(a), new(big.Int).SetBytes(b)
	for i := range pkiCurves {
		cp := pkiCurves[i].curve.Params()
		size := (cp.BitSize + 7) / 8
		if cp.P.Cmp(p) != 0 || cp.N.Cmp(n) != 0 || cp.B.Cmp(bi) != 0 || curveA(pkiCurves[i].curve).Cmp(ai) != 0 {
			continue
		}
		if len(base) != 1+2*size || base[0] != 4 {
			return nil, fmt.Errorf("%w: explicit EC parameters with a compressed or malformed generator", ErrUnsupportedKey)
		}
		if cp.Gx.Cmp(new(big.Int).SetBytes(base[1:1+size])) == 0 && cp.Gy.Cmp(new(big.Int).SetBytes(base[1+size:])) == 0 {
			return &namedCurve{oid: pkiCurves[i].oid, curve: pkiCurves[i].curve}, nil
		}
	}
	return nil, fmt.Errorf("%w: explicit EC parameters of an unknown curve", ErrUnsupportedKey)
}

// MarshalPublicKeyExplicit encodes an EC public key as a
// SubjectPublicKeyInfo with explicit domain parameters (RFC 3279 §2.3.5:
// version 1, prime field, a and b as field-size octet strings without
// seed, uncompressed generator, order, cofactor), the form Viet Nam's
// CSCA uses.
func MarshalPublicKeyExplicit(pub *ecdsa.PublicKey) ([]byte, error) {
	if pub == nil || curveOf(pub.Curve) == nil {
		return nil, fmt.Errorf("%w: not a supported EC key", ErrUnsupportedKey)
	}
	cp := pub.Curve.Params()
	size := (cp.BitSize + 7) / 8
	fe := func(x *big.Int) []byte { return new(big.Int).Mod(x, cp.P).FillBytes(make([]byte, size)) }
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPublicKeyECDSA)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidPrimeField)
					b.AddASN1BigInt(cp.P)
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(fe(curveA(pub.Curve)))
					b.AddASN1OctetString(fe(cp.B))
				})
				b.AddASN1OctetString(append(append([]byte{4}, fe(cp.Gx)...), fe(cp.Gy)...))
				b.AddASN1BigInt(cp.N)
				b.AddASN1Int64(1)
			})
		})
		b.AddASN1BitString(append(append([]byte{4}, fe(pub.X)...), fe(pub.Y)...))
	})
	return b.Bytes()
}
