package lds

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"

	"github.com/cccd-vn/cccd/citizen"
)

// DocumentSpec is what goes onto one CCCD chip: the validated holder and photo,
// the public keys of the chip's Active Authentication key (DG15), the
// access control it offers, and the Document Signer that signs EF.SOD.
type DocumentSpec struct {
	Holder *citizen.Holder
	// Photo is the face image (JPEG or JPEG 2000) with its size, as
	// NewFaceImageFromPhoto reads it.
	Photo *FaceImage
	// AAPublicKey goes into DG15; nil leaves Active Authentication out.
	AAPublicKey crypto.PublicKey
	// CAPublicKey goes into DG14 (Chip Authentication, ECDH with AES-128
	// secure messaging); nil leaves Chip Authentication out.
	CAPublicKey *ecdsa.PublicKey
	// PACE lists the PACEInfos EF.CardAccess offers; nil offers the
	// CCCD's own (DefaultCCCDPACE); NoPACE writes no EF.CardAccess (a
	// BAC-only card).
	PACE   []SecurityInfo
	NoPACE bool
	// DG2Format is the face's encoding: Face19794 (ISO/IEC 19794-5, what
	// the CCCD carries; the default) or Face39794 (ISO/IEC 39794-5).
	DG2Format FaceEncoding
	// Profile is the layout: ProfileCCCD (the default) as real CCCDs
	// are, or ProfileICAO for a plain ICAO 9303 chip.
	Profile Profile
	// DG3 is the fingerprint data group's file (a DG3 built by the
	// caller), written in either profile; nil writes, in the cccd
	// profile, a DG3 without finger images — present and protected, as
	// on real cards — and none in the icao profile.
	DG3 []byte
	// DG4 is the iris data group's file (a DG4 built by the caller), an
	// optional slot kept behind terminal authentication like DG3; nil
	// writes none.
	DG4 []byte
	// Hash is the data-group hash algorithm (SHA-256 when zero).
	Hash crypto.Hash
	Sign SODSignOptions
}

// Profile is how a document's files are laid out.
type Profile string

const (
	// ProfileCCCD lays the files out as real CCCDs are
	// (shared/realworld/README.md): EF.CardAccess with
	// TerminalAuthenticationInfo, ChipAuthenticationInfo and PACEInfo;
	// the same infos repeated in DG14, so that passive authentication
	// covers them (ICAO 9303-11 §9.2.1); EF.COM listing DG3; a DG3 the
	// chip keeps behind terminal authentication; DG13 field 16 filled.
	ProfileCCCD Profile = "cccd"
	// ProfileICAO is a plain ICAO 9303 chip: EF.CardAccess with PACEInfo
	// only, DG3 only with fingerprints (and then a TerminalAuthenticationInfo
	// in DG14), DG13 field 16 empty.
	ProfileICAO Profile = "icao"
)

// caProtocolFor is the chip authentication protocol of a CA key: ECDH with
// the AES key length that matches the curve's strength (BSI TR-03111 §5).
func caProtocolFor(pub *ecdsa.PublicKey) asn1.ObjectIdentifier {
	switch bits := pub.Curve.Params().BitSize; {
	case bits > 384:
		return OIDCAECDHAES256
	case bits > 256:
		return OIDCAECDHAES192
	}
	return OIDCAECDHAES128
}

// emptyDG3 is a DG3 with a biometric information group of no templates
// (ICAO 9303-10 §4.7.3): present, listed and signed, and kept behind
// terminal authentication by the chip. (Its lengths were one short until
// the DG3 codec came: 63 05 7F61 02 left the count's value outside.)
var emptyDG3 = []byte{0x63, 0x06, 0x7F, 0x61, 0x03, 0x02, 0x01, 0x00}

// Document is a chip's content ready to be written: every file by
// identifier and the secret that opens it (the MRZ fields and the CAN).
type Document struct {
	Files  map[uint16][]byte
	Secret Secret
	Data   *CCCDData
}

// DefaultCCCDPACE is the PACE the CCCD chip offers: ECDH Generic Mapping
// with AES-128 on brainpoolP256r1 (standardized domain parameters 13),
// PACEInfo version 2 (9303-11 §9.2.1).
var DefaultCCCDPACE = []SecurityInfo{NewPACEInfo(OIDPACEECDHGMAES128, 2, 13)}

// BuildDocument encodes every file of a CCCD chip from a spec — EF.COM, DG1,
// DG2, DG13, DG15 (with AA), DG14 (AA algorithm info for EC keys),
// EF.CardAccess (with PACE), EF.SOD signed — and the secret that opens it:
// the MRZ fields (document number = last 9 digits of the ID number) and the
// CAN (its last 6 digits, or the record's own CAN).
func BuildDocument(spec DocumentSpec) (*Document, error) {
	data, err := newCCCDData(spec.Holder, spec.Profile != ProfileICAO)
	if err != nil {
		return nil, err
	}
	dgs := map[int][]byte{}
	if dgs[1], err = data.DG1.Encode(); err != nil {
		return nil, err
	}
	if dgs[13], err = data.DG13.Encode(); err != nil {
		return nil, err
	}
	if spec.Photo == nil || len(spec.Photo.Image) == 0 {
		return nil, errors.New("photo: missing")
	}
	img := *spec.Photo
	switch spec.Holder.Sex {
	case citizen.Male:
		img.Gender = GenderMale
	case citizen.Female:
		img.Gender = GenderFemale
	default:
		img.Gender = GenderUnspecified
	}
	face, err := NewFaceTemplateAs(&img, spec.DG2Format)
	if err != nil {
		return nil, err
	}
	dg2 := &DG2{Faces: []FaceTemplate{face}}
	if dgs[2], err = dg2.Encode(); err != nil {
		return nil, err
	}
	if spec.AAPublicKey != nil {
		dg15, err := NewDG15(spec.AAPublicKey)
		if err != nil {
			return nil, err
		}
		if dgs[15], err = dg15.Encode(); err != nil {
			return nil, err
		}
	}
	cccd := spec.Profile != ProfileICAO
	// EF.CardAccess: in the cccd profile TerminalAuthenticationInfo,
	// ChipAuthenticationInfo and PACEInfo, in that order (the 54 bytes of
	// the real card's EF.CardAccess when the CA key is a 256-bit one).
	var access SecurityInfos
	var caInfo *SecurityInfo
	if spec.CAPublicKey != nil {
		caInfo = &SecurityInfo{Kind: SecurityInfoChipAuthentication, Protocol: caProtocolFor(spec.CAPublicKey), Version: 1, ParameterID: -1}
	}
	if !spec.NoPACE {
		pace := spec.PACE
		if pace == nil {
			pace = DefaultCCCDPACE
		}
		if cccd {
			access = append(access, SecurityInfo{Kind: SecurityInfoTerminalAuthentication, Protocol: OIDTerminalAuthentication, Version: 1, ParameterID: -1})
			if caInfo != nil {
				access = append(access, *caInfo)
			}
		}
		access = append(access, pace...)
	}
	var infos SecurityInfos
	if cccd {
		// DG14 repeats EF.CardAccess, so that the PACE the chip offers is
		// signed (ICAO 9303-11 §9.2.1; gmrtd checks it).
		infos = append(infos, access...)
	}
	if spec.CAPublicKey != nil {
		pk, err := NewChipAuthenticationPublicKeyInfo(spec.CAPublicKey, nil)
		if err != nil {
			return nil, err
		}
		if !cccd || spec.NoPACE {
			infos = append(infos, *caInfo)
		}
		infos = append(infos, pk)
	}
	if _, ok := spec.AAPublicKey.(*ecdsa.PublicKey); ok {
		// ECDSA AA names its signature algorithm (ecdsa-with-SHA256) in
		// DG14 (§6.1).
		infos = append(infos, SecurityInfo{Kind: SecurityInfoActiveAuthentication, Protocol: OIDActiveAuthentication, Version: 1, ParameterID: -1, SignatureAlgorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}})
	}
	if !cccd && (spec.DG3 != nil || spec.DG4 != nil) {
		// A plain ICAO chip with fingerprints or iris protects them with
		// EAC and says so in DG14 (BSI TR-03110-3 A.1.1: a chip that
		// supports terminal authentication has a TerminalAuthenticationInfo).
		infos = append(infos, SecurityInfo{Kind: SecurityInfoTerminalAuthentication, Protocol: OIDTerminalAuthentication, Version: 1, ParameterID: -1})
	}
	if len(infos) > 0 {
		if dgs[14], err = (&DG14{Infos: infos}).Encode(); err != nil {
			return nil, err
		}
	}
	// DG3: the caller's (fingerprints) in both profiles; in the cccd
	// profile a DG3 without templates otherwise, as real CCCDs list one.
	dgs[3] = spec.DG3
	if cccd && dgs[3] == nil {
		dgs[3] = emptyDG3
	}
	if dgs[3] == nil {
		delete(dgs, 3)
	}
	if spec.DG4 != nil {
		dgs[4] = spec.DG4
	}
	h := spec.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	lds, err := BuildLDS(dgs, h)
	if err != nil {
		return nil, err
	}
	sod, err := SignSOD(lds.SecurityObject, spec.Sign)
	if err != nil {
		return nil, err
	}
	files := map[uint16][]byte{FIDCOM: lds.COM, FIDSOD: sod}
	for n, b := range dgs {
		files[DGFileID(n)] = b
	}
	if !spec.NoPACE {
		ca, err := (&CardAccess{Infos: access}).Encode()
		if err != nil {
			return nil, err
		}
		files[FIDCardAccess] = ca
	}
	m := data.MRZ
	return &Document{
		Files:  files,
		Secret: Secret{DocumentNumber: m.DocumentNumber, DateOfBirth: m.DateOfBirth, DateOfExpiry: m.DateOfExpiry, CAN: spec.Holder.CAN()},
		Data:   data,
	}, nil
}
