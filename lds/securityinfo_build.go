package lds

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"fmt"
	"math/big"

	"github.com/cccd-vn/cccd/pki"
)

// NewChipAuthenticationPublicKeyInfo wraps a chip's static EC key for DG14
// (ICAO 9303-11 §9.2.6): protocol id-PK-ECDH, the key as a
// SubjectPublicKeyInfo on its named curve (NIST or brainpool), and keyID
// when the chip holds several keys (nil leaves it out).
func NewChipAuthenticationPublicKeyInfo(pub crypto.PublicKey, keyID *big.Int) (SecurityInfo, error) {
	switch k := pub.(type) {
	case *ecdh.PublicKey:
		// Convert to the ecdsa form pki can marshal.
		ek, err := ecdsaFromECDH(k)
		if err != nil {
			return SecurityInfo{}, err
		}
		pub = ek
	case *ecdsa.PublicKey:
	default:
		return SecurityInfo{}, fmt.Errorf("DG14: chip authentication key of type %T is not supported (EC only)", pub)
	}
	spki, err := pki.MarshalPublicKey(pub)
	if err != nil {
		return SecurityInfo{}, fmt.Errorf("DG14: %w", err)
	}
	return SecurityInfo{Kind: SecurityInfoChipAuthenticationPublicKey, Protocol: OIDChipAuthenticationPublicKeyECDH,
		SubjectPublicKeyInfo: spki, KeyID: keyID, ParameterID: -1}, nil
}

func ecdsaFromECDH(k *ecdh.PublicKey) (*ecdsa.PublicKey, error) {
	spki, err := pki.MarshalPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("DG14: %w", err)
	}
	p, err := pki.ParsePublicKey(spki)
	if err != nil {
		return nil, fmt.Errorf("DG14: %w", err)
	}
	ek, ok := p.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("DG14: chip authentication key is not an EC key")
	}
	return ek, nil
}

// NewDG15 wraps an Active Authentication public key (RSA or EC, NIST or
// brainpool) as DG15.
func NewDG15(pub crypto.PublicKey) (*DG15, error) {
	spki, err := pki.MarshalPublicKey(pub)
	if err != nil {
		return nil, ldsErr("DG15", err.Error())
	}
	return &DG15{SubjectPublicKeyInfo: spki}, nil
}
