package chip

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/cccd-vn/cccd/citizen"
)

// CardSpec is what goes onto one CCCD chip: the citizen record and photo,
// the public keys of the chip's Active Authentication key (DG15), the
// access control it offers, and the Document Signer that signs EF.SOD.
type CardSpec struct {
	Record citizen.Record
	Photo  []byte // JPEG or JPEG 2000
	// AAPublicKey goes into DG15; nil leaves Active Authentication out.
	AAPublicKey crypto.PublicKey
	// CAPublicKey goes into DG14 (Chip Authentication, ECDH with AES-128
	// secure messaging); nil leaves Chip Authentication out.
	CAPublicKey *ecdsa.PublicKey
	// PACE lists the PACE variants EF.CardAccess offers; nil offers the
	// CCCD's own (ECDH-GM-AES-128 on brainpoolP256r1); NoPACE writes no
	// EF.CardAccess (a BAC-only card).
	PACE   []PACEParams
	NoPACE bool
	// Hash is the data-group hash algorithm (SHA-256 when zero).
	Hash crypto.Hash
	Sign SODSignOptions
}

// Card is a chip's content ready to be written: every file by identifier
// and the secrets that open it.
type Card struct {
	Files map[uint16][]byte
	BAC   BACKey
	CAN   string
	Data  *CCCDData
}

// DefaultCCCDPACE is the PACE the CCCD chip reportedly offers.
var DefaultCCCDPACE = []PACEParams{{Protocol: OIDPACEECDHGMAES128, ParameterID: 13}}

// BuildCard encodes every file of a CCCD chip from a spec — EF.COM, DG1,
// DG2, DG13, DG15 (with AA), DG14 (AA algorithm info for EC keys),
// EF.CardAccess (with PACE), EF.SOD signed — and derives the BAC key
// (document number = last 9 digits of the ID number) and the CAN (its
// last 6 digits, or the record's own CAN).
func BuildCard(spec CardSpec) (*Card, error) {
	data, err := NewCCCDData(spec.Record)
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
	if len(spec.Photo) == 0 {
		return nil, errors.New("photo: missing")
	}
	sex, _ := citizen.ParseSex(spec.Record.Sex)
	gender := byte(GenderUnspecified)
	switch sex {
	case citizen.Male:
		gender = 0x01
	case citizen.Female:
		gender = 0x02
	}
	img, err := NewFaceImageFromPhoto(spec.Photo, gender)
	if err != nil {
		return nil, fmt.Errorf("photo: %w", err)
	}
	dg2 := &DG2{Faces: []FaceTemplate{NewFaceTemplate(&FaceRecord{Images: []FaceImage{*img}})}}
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
	var infos SecurityInfos
	if spec.CAPublicKey != nil {
		pk, err := NewChipAuthenticationPublicKeyInfo(spec.CAPublicKey, nil)
		if err != nil {
			return nil, err
		}
		infos = append(infos, SecurityInfo{Kind: SecurityInfoChipAuthentication, Protocol: OIDCAECDHAES128, Version: 1, ParameterID: -1}, pk)
	}
	if _, ok := spec.AAPublicKey.(*ecdsa.PublicKey); ok {
		// ECDSA AA names its signature algorithm (ecdsa-with-SHA256) in
		// DG14 (§6.1).
		infos = append(infos, SecurityInfo{Kind: SecurityInfoActiveAuthentication, Protocol: OIDActiveAuthentication, Version: 1, ParameterID: -1, SignatureAlgorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}})
	}
	if len(infos) > 0 {
		if dgs[14], err = (&DG14{Infos: infos}).Encode(); err != nil {
			return nil, err
		}
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
	files := map[uint16][]byte{0x011E: lds.COM, 0x011D: sod}
	for n, b := range dgs {
		files[DGFileID(n)] = b
	}
	if !spec.NoPACE {
		pace := spec.PACE
		if pace == nil {
			pace = DefaultCCCDPACE
		}
		var infos SecurityInfos
		for _, p := range pace {
			infos = append(infos, NewPACEInfo(p.Protocol, 2, p.ParameterID))
		}
		ca, err := (&CardAccess{Infos: infos}).Encode()
		if err != nil {
			return nil, err
		}
		files[0x011C] = ca
	}
	can := spec.Record.CAN
	if can == "" && len(spec.Record.IDNumber) == 12 {
		can = spec.Record.IDNumber[6:]
	}
	m := data.MRZ
	return &Card{
		Files: files,
		BAC:   BACKey{DocumentNumber: m.DocumentNumber, DateOfBirth: m.DateOfBirth, DateOfExpiry: m.DateOfExpiry},
		CAN:   can,
		Data:  data,
	}, nil
}
