package lds

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/cccd-vn/cccd/pki"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SecurityInfoKind classifies a SecurityInfo by its protocol OID (ICAO
// 9303-11 §9.2, BSI TR-03110-3 A.1).
type SecurityInfoKind int

// The SecurityInfo kinds this package decodes. Anything else is kept as
// SecurityInfoUnknown with its bytes.
const (
	SecurityInfoUnknown              SecurityInfoKind = iota
	SecurityInfoPACE                                  // PACEInfo
	SecurityInfoPACEDomainParameters                  // PACEDomainParameterInfo
	SecurityInfoChipAuthentication                    // ChipAuthenticationInfo
	SecurityInfoChipAuthenticationDomainParameters
	SecurityInfoChipAuthenticationPublicKey // ChipAuthenticationPublicKeyInfo
	SecurityInfoTerminalAuthentication      // TerminalAuthenticationInfo
	SecurityInfoActiveAuthentication        // ActiveAuthenticationInfo
)

var sinfoKindNames = map[SecurityInfoKind]string{
	SecurityInfoUnknown: "unknown", SecurityInfoPACE: "PACEInfo", SecurityInfoPACEDomainParameters: "PACEDomainParameterInfo",
	SecurityInfoChipAuthentication: "ChipAuthenticationInfo", SecurityInfoChipAuthenticationDomainParameters: "ChipAuthenticationDomainParameterInfo",
	SecurityInfoChipAuthenticationPublicKey: "ChipAuthenticationPublicKeyInfo", SecurityInfoTerminalAuthentication: "TerminalAuthenticationInfo",
	SecurityInfoActiveAuthentication: "ActiveAuthenticationInfo",
}

func (k SecurityInfoKind) String() string { return sinfoKindNames[k] }

// ClassifySecurityInfo returns the kind a protocol OID announces: id-PACE-x-y
// is PACEInfo and id-PACE-x a domain-parameter info; likewise for id-CA;
// id-PK-* is a CA public key; id-TA itself a TerminalAuthenticationInfo.
func ClassifySecurityInfo(oid asn1.ObjectIdentifier) SecurityInfoKind {
	switch {
	case oid.Equal(OIDActiveAuthentication):
		return SecurityInfoActiveAuthentication
	case oid.Equal(sinfoArcTA):
		return SecurityInfoTerminalAuthentication
	case sinfoUnder(oid, sinfoArcPK) && len(oid) == len(sinfoArcPK)+1:
		return SecurityInfoChipAuthenticationPublicKey
	case sinfoUnder(oid, sinfoArcPACE) && len(oid) == len(sinfoArcPACE)+2:
		return SecurityInfoPACE
	case sinfoUnder(oid, sinfoArcPACE) && len(oid) == len(sinfoArcPACE)+1:
		return SecurityInfoPACEDomainParameters
	case sinfoUnder(oid, sinfoArcCA) && len(oid) == len(sinfoArcCA)+2:
		return SecurityInfoChipAuthentication
	case sinfoUnder(oid, sinfoArcCA) && len(oid) == len(sinfoArcCA)+1:
		return SecurityInfoChipAuthenticationDomainParameters
	}
	return SecurityInfoUnknown
}

// SecurityInfo is one element of a SecurityInfos set (ICAO 9303-11 §9.2).
// Which fields carry meaning depends on Kind:
//
//   - PACEInfo: Version, ParameterID
//   - PACEDomainParameterInfo: DomainParameter, ParameterID
//   - ChipAuthenticationInfo: Version, KeyID
//   - ChipAuthenticationDomainParameterInfo: DomainParameter, KeyID
//   - ChipAuthenticationPublicKeyInfo: SubjectPublicKeyInfo, KeyID
//   - TerminalAuthenticationInfo: Version, Rest (efCVCA, if any)
//   - ActiveAuthenticationInfo: Version, SignatureAlgorithm
//
// Unknown infos keep their whole encoding in Raw.
type SecurityInfo struct {
	Kind     SecurityInfoKind
	Protocol asn1.ObjectIdentifier

	Version     int
	ParameterID int // -1 when absent
	KeyID       *big.Int
	// DomainParameter is the AlgorithmIdentifier DER of domain parameters.
	DomainParameter []byte
	// SubjectPublicKeyInfo is the DER of the chip's CA public key.
	SubjectPublicKeyInfo []byte
	// SignatureAlgorithm is the AA signature algorithm (ECDSA plain
	// signatures name one; RSA AA leaves it out).
	SignatureAlgorithm asn1.ObjectIdentifier
	// Rest holds DER elements after the decoded ones, kept verbatim.
	Rest []byte
	// Raw is the element's encoding as read (for unknown infos, what
	// Encode writes).
	Raw []byte
}

// NewPACEInfo returns a PACEInfo; parameterID -1 leaves it out.
func NewPACEInfo(protocol asn1.ObjectIdentifier, version, parameterID int) SecurityInfo {
	return SecurityInfo{Kind: SecurityInfoPACE, Protocol: protocol, Version: version, ParameterID: parameterID}
}

// SecurityInfos is a SET OF SecurityInfo as held by EF.CardAccess, DG14
// and EF.CardSecurity. Encode keeps the slice order (the DER set order is
// the caller's business; real files are sorted by encoding).
type SecurityInfos []SecurityInfo

// ParseSecurityInfos parses a DER SET OF SecurityInfo.
func ParseSecurityInfos(b []byte) (SecurityInfos, error) {
	s := cryptobyte.String(b)
	var set cryptobyte.String
	if !s.ReadASN1(&set, cbasn1.SET) || !s.Empty() {
		return nil, ldsErr("SecurityInfos", "not a single SET")
	}
	var out SecurityInfos
	for !set.Empty() {
		var elem cryptobyte.String
		if !set.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
			return nil, ldsErr("SecurityInfos", "element is not a SEQUENCE")
		}
		si, err := sinfoParse(elem)
		if err != nil {
			return nil, err
		}
		out = append(out, si)
	}
	return out, nil
}

func sinfoParse(elem []byte) (SecurityInfo, error) {
	si := SecurityInfo{Raw: append([]byte{}, elem...), ParameterID: -1}
	s := cryptobyte.String(elem)
	var body cryptobyte.String
	s.ReadASN1(&body, cbasn1.SEQUENCE)
	if !body.ReadASN1ObjectIdentifier(&si.Protocol) {
		return si, ldsErr("SecurityInfos", "element does not start with a protocol OID")
	}
	si.Kind = ClassifySecurityInfo(si.Protocol)
	bad := func(what string) (SecurityInfo, error) {
		return si, ldsErr("SecurityInfos", fmt.Sprintf("%s %s: %s", si.Kind, si.Protocol, what))
	}
	readInt := func(dst *int) bool {
		var v int64
		if !body.ReadASN1Integer(&v) || v < 0 || v > 1<<31-1 {
			return false
		}
		*dst = int(v)
		return true
	}
	readOptInt := func(dst *int) bool {
		if body.PeekASN1Tag(cbasn1.INTEGER) {
			return readInt(dst)
		}
		return true
	}
	readKeyID := func() bool {
		if body.PeekASN1Tag(cbasn1.INTEGER) {
			si.KeyID = new(big.Int)
			return body.ReadASN1Integer(si.KeyID)
		}
		return true
	}
	readElem := func(dst *[]byte, tag cbasn1.Tag) bool {
		var e cryptobyte.String
		if !body.ReadASN1Element(&e, tag) {
			return false
		}
		*dst = append([]byte{}, e...)
		return true
	}
	switch si.Kind {
	case SecurityInfoPACE:
		if !readInt(&si.Version) || !readOptInt(&si.ParameterID) {
			return bad("bad version or parameterId")
		}
	case SecurityInfoPACEDomainParameters:
		if !readElem(&si.DomainParameter, cbasn1.SEQUENCE) || !readOptInt(&si.ParameterID) {
			return bad("bad domain parameters")
		}
	case SecurityInfoChipAuthentication:
		if !readInt(&si.Version) || !readKeyID() {
			return bad("bad version or keyId")
		}
	case SecurityInfoChipAuthenticationDomainParameters:
		if !readElem(&si.DomainParameter, cbasn1.SEQUENCE) || !readKeyID() {
			return bad("bad domain parameters")
		}
	case SecurityInfoChipAuthenticationPublicKey:
		if !readElem(&si.SubjectPublicKeyInfo, cbasn1.SEQUENCE) || !readKeyID() {
			return bad("bad public key")
		}
	case SecurityInfoTerminalAuthentication:
		if !readInt(&si.Version) {
			return bad("bad version")
		}
	case SecurityInfoActiveAuthentication:
		if !readInt(&si.Version) {
			return bad("bad version")
		}
		if body.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) && !body.ReadASN1ObjectIdentifier(&si.SignatureAlgorithm) {
			return bad("bad signature algorithm")
		}
	default:
		return si, nil
	}
	if !body.Empty() {
		si.Rest = append([]byte{}, body...)
	}
	return si, nil
}

// Encode returns the DER of one SecurityInfo.
func (si *SecurityInfo) Encode() ([]byte, error) {
	if si.Kind == SecurityInfoUnknown {
		if len(si.Raw) == 0 {
			return nil, ldsErr("SecurityInfos", "unknown SecurityInfo without its bytes")
		}
		return si.Raw, nil
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(si.Protocol)
		switch si.Kind {
		case SecurityInfoPACE, SecurityInfoChipAuthentication, SecurityInfoTerminalAuthentication, SecurityInfoActiveAuthentication:
			b.AddASN1Int64(int64(si.Version))
		case SecurityInfoPACEDomainParameters, SecurityInfoChipAuthenticationDomainParameters:
			b.AddBytes(si.DomainParameter)
		case SecurityInfoChipAuthenticationPublicKey:
			b.AddBytes(si.SubjectPublicKeyInfo)
		}
		switch si.Kind {
		case SecurityInfoPACE, SecurityInfoPACEDomainParameters:
			if si.ParameterID >= 0 {
				b.AddASN1Int64(int64(si.ParameterID))
			}
		case SecurityInfoChipAuthentication, SecurityInfoChipAuthenticationDomainParameters, SecurityInfoChipAuthenticationPublicKey:
			if si.KeyID != nil {
				b.AddASN1BigInt(si.KeyID)
			}
		case SecurityInfoActiveAuthentication:
			if si.SignatureAlgorithm != nil {
				b.AddASN1ObjectIdentifier(si.SignatureAlgorithm)
			}
		}
		b.AddBytes(si.Rest)
	})
	return b.Bytes()
}

// Encode returns the DER SET OF SecurityInfo.
func (ss SecurityInfos) Encode() ([]byte, error) {
	var body []byte
	for i := range ss {
		e, err := ss[i].Encode()
		if err != nil {
			return nil, err
		}
		body = append(body, e...)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(body) })
	return b.Bytes()
}

// Of returns the infos of one kind, in order.
func (ss SecurityInfos) Of(k SecurityInfoKind) []SecurityInfo {
	var out []SecurityInfo
	for _, s := range ss {
		if s.Kind == k {
			out = append(out, s)
		}
	}
	return out
}

// CardAccess is EF.CardAccess (file 011C): a bare SecurityInfos set with
// the PACE parameters the chip supports (ICAO 9303-11 §9.2.1).
type CardAccess struct {
	Infos SecurityInfos
}

// ParseCardAccess parses EF.CardAccess.
func ParseCardAccess(b []byte) (*CardAccess, error) {
	ss, err := ParseSecurityInfos(b)
	if err != nil {
		return nil, ldsErr("EF.CardAccess", err.Error())
	}
	return &CardAccess{Infos: ss}, nil
}

// Encode returns the EF.CardAccess bytes.
func (c *CardAccess) Encode() ([]byte, error) { return c.Infos.Encode() }

// DG14 is data group 14 (tag 6E): the SecurityInfos for Chip
// Authentication, PACE, Terminal and Active Authentication (ICAO 9303-10
// §4.7.14).
type DG14 struct {
	Infos SecurityInfos
}

// ParseDG14 parses DG14.
func ParseDG14(b []byte) (*DG14, error) {
	v, err := ldsUnwrap(b, 0x6E, "DG14")
	if err != nil {
		return nil, err
	}
	ss, err := ParseSecurityInfos(v)
	if err != nil {
		return nil, ldsErr("DG14", err.Error())
	}
	return &DG14{Infos: ss}, nil
}

// Encode returns the DG14 file bytes.
func (d *DG14) Encode() ([]byte, error) {
	v, err := d.Infos.Encode()
	if err != nil {
		return nil, err
	}
	return ldsAppendTLV(nil, 0x6E, v), nil
}

// DG15 is data group 15 (tag 6F): the Active Authentication public key as a
// SubjectPublicKeyInfo, RSA or EC (ICAO 9303-11 §6.1).
type DG15 struct {
	SubjectPublicKeyInfo []byte
}

// ParseDG15 parses DG15 and checks that it holds one SubjectPublicKeyInfo.
func ParseDG15(b []byte) (*DG15, error) {
	v, err := ldsUnwrap(b, 0x6F, "DG15")
	if err != nil {
		return nil, err
	}
	s := cryptobyte.String(v)
	var spki cryptobyte.String
	if !s.ReadASN1Element(&spki, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, ldsErr("DG15", "expected one SubjectPublicKeyInfo")
	}
	if _, err := ParseSubjectPublicKey(spki); err != nil {
		return nil, ldsErr("DG15", err.Error())
	}
	return &DG15{SubjectPublicKeyInfo: append([]byte{}, spki...)}, nil
}

// Encode returns the DG15 file bytes.
func (d *DG15) Encode() ([]byte, error) {
	return ldsAppendTLV(nil, 0x6F, d.SubjectPublicKeyInfo), nil
}

// PublicKey returns the decoded key fields.
func (d *DG15) PublicKey() (*SubjectPublicKey, error) {
	return ParseSubjectPublicKey(d.SubjectPublicKeyInfo)
}

// CryptoPublicKey returns the key as *rsa.PublicKey or *ecdsa.PublicKey
// (NIST or brainpool curve, named or explicit parameters).
func (d *DG15) CryptoPublicKey() (crypto.PublicKey, error) {
	k, err := pki.ParsePublicKey(d.SubjectPublicKeyInfo)
	if err != nil {
		return nil, ldsErr("DG15", err.Error())
	}
	return k, nil
}

// Object identifiers of public-key algorithms and EC parameters.
var (
	sinfoOIDRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	sinfoOIDEC         = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	sinfoOIDDH         = asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
	sinfoOIDPrimeField = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	sinfoOIDRSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
)

// SubjectPublicKey is a decoded SubjectPublicKeyInfo: RSA (N, E) or EC (a
// named curve or explicit prime-field parameters, and the encoded point).
// Other algorithms (DH) keep only Algorithm and the raw key bits.
type SubjectPublicKey struct {
	Algorithm asn1.ObjectIdentifier
	// RSA
	N *big.Int
	E int
	// EC: NamedCurve is the curve OID if named, or if explicit parameters
	// match a known curve (ExplicitCurveOID); Params holds explicit parameters.
	NamedCurve asn1.ObjectIdentifier
	Params     *ExplicitECParameters
	Point      []byte
	// KeyBits is the subjectPublicKey BIT STRING content.
	KeyBits []byte
}

// ExplicitECParameters are explicit prime-field curve parameters (RFC 3279
// §2.3.5, as in real DG14 files).
type ExplicitECParameters struct {
	P, A, B, Gx, Gy, N *big.Int
	H                  int
}

// ParseSubjectPublicKey decodes a SubjectPublicKeyInfo.
func ParseSubjectPublicKey(spki []byte) (*SubjectPublicKey, error) {
	s := cryptobyte.String(spki)
	var seq, alg cryptobyte.String
	var bits asn1.BitString
	pk := &SubjectPublicKey{}
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&pk.Algorithm) || !seq.ReadASN1BitString(&bits) || !seq.Empty() || bits.BitLength%8 != 0 {
		return nil, fmt.Errorf("malformed SubjectPublicKeyInfo")
	}
	pk.KeyBits = bits.Bytes
	switch {
	case pk.Algorithm.Equal(sinfoOIDRSA) || pk.Algorithm.Equal(sinfoOIDRSAPSS):
		k := cryptobyte.String(bits.Bytes)
		var rs cryptobyte.String
		pk.N = new(big.Int)
		var e int64
		if !k.ReadASN1(&rs, cbasn1.SEQUENCE) || !rs.ReadASN1Integer(pk.N) || !rs.ReadASN1Integer(&e) || e < 3 || e > 1<<31-1 || pk.N.Sign() <= 0 {
			return nil, fmt.Errorf("malformed RSA public key")
		}
		pk.E = int(e)
	case pk.Algorithm.Equal(sinfoOIDEC):
		pk.Point = bits.Bytes
		switch {
		case alg.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER):
			var c asn1.ObjectIdentifier
			alg.ReadASN1ObjectIdentifier(&c)
			pk.NamedCurve = c
		case alg.PeekASN1Tag(cbasn1.SEQUENCE):
			p, err := sinfoParseECParams(&alg)
			if err != nil {
				return nil, err
			}
			pk.Params = p
			pk.NamedCurve = ExplicitCurveOID(p)
		default:
			return nil, fmt.Errorf("EC public key without curve parameters")
		}
		if len(pk.Point) == 0 || pk.Point[0] != 0x04 {
			return nil, fmt.Errorf("EC public key point is not uncompressed")
		}
	}
	return pk, nil
}

func sinfoParseECParams(alg *cryptobyte.String) (*ExplicitECParameters, error) {
	var ps, field, curve cryptobyte.String
	var fieldType asn1.ObjectIdentifier
	var ver int64
	var a, b, base []byte
	p := &ExplicitECParameters{P: new(big.Int), N: new(big.Int)}
	if !alg.ReadASN1(&ps, cbasn1.SEQUENCE) || !ps.ReadASN1Integer(&ver) ||
		!ps.ReadASN1(&field, cbasn1.SEQUENCE) || !field.ReadASN1ObjectIdentifier(&fieldType) || !field.ReadASN1Integer(p.P) ||
		!ps.ReadASN1(&curve, cbasn1.SEQUENCE) || !curve.ReadASN1Bytes(&a, cbasn1.OCTET_STRING) || !curve.ReadASN1Bytes(&b, cbasn1.OCTET_STRING) ||
		!ps.ReadASN1Bytes(&base, cbasn1.OCTET_STRING) || !ps.ReadASN1Integer(p.N) {
		return nil, fmt.Errorf("malformed explicit EC parameters")
	}
	if !fieldType.Equal(sinfoOIDPrimeField) {
		return nil, fmt.Errorf("EC parameters over a field other than a prime field")
	}
	if ps.PeekASN1Tag(cbasn1.INTEGER) {
		var h int64
		if !ps.ReadASN1Integer(&h) || h < 1 || h > 1<<16 {
			return nil, fmt.Errorf("malformed EC cofactor")
		}
		p.H = int(h)
	}
	l := (p.P.BitLen() + 7) / 8
	if len(base) != 1+2*l || base[0] != 4 {
		return nil, fmt.Errorf("EC base point is not an uncompressed point of the field size")
	}
	p.A, p.B = new(big.Int).SetBytes(a), new(big.Int).SetBytes(b)
	p.Gx, p.Gy = new(big.Int).SetBytes(base[1:1+l]), new(big.Int).SetBytes(base[1+l:])
	return p, nil
}

// ldsKnownCurves lists the curves recognised in explicit parameters, by
// OID and prime, a, generator x (RFC 5639 §3, FIPS 186-4 D.1.2).
var ldsKnownCurves = []struct {
	oid      asn1.ObjectIdentifier
	p, a, gx string
}{
	{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7},
		"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
		"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
		"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262"},
	{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11},
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
		"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
		"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E"},
	{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13},
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
		"7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
		"81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822"},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7},
		"FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
		"FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
		"6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"},
}

// ExplicitCurveOID returns the OID of the curve whose prime, a and generator
// match the explicit parameters, or nil.
func ExplicitCurveOID(p *ExplicitECParameters) asn1.ObjectIdentifier {
	for _, c := range ldsKnownCurves {
		pp, _ := new(big.Int).SetString(c.p, 16)
		a, _ := new(big.Int).SetString(c.a, 16)
		gx, _ := new(big.Int).SetString(c.gx, 16)
		if pp.Cmp(p.P) == 0 && a.Cmp(p.A) == 0 && gx.Cmp(p.Gx) == 0 {
			return c.oid
		}
	}
	return nil
}

// sinfoEqual is used by tests and the SOD code to compare encodings.
func sinfoEqual(a, b []byte) bool { return bytes.Equal(a, b) }
