package lds

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/cccd-vn/cccd/internal/brainpool"
	"github.com/cccd-vn/cccd/pki"
)

func TestBuildDG14AndDG15(t *testing.T) {
	for _, c := range []elliptic.Curve{elliptic.P256(), brainpool.P256r1()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := NewChipAuthenticationPublicKeyInfo(&k.PublicKey, big.NewInt(1))
		if err != nil {
			t.Fatal(err)
		}
		ca := SecurityInfo{Kind: SecurityInfoChipAuthentication, Protocol: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}, Version: 1, KeyID: big.NewInt(1)}
		d := &DG14{Infos: SecurityInfos{ca, pk}}
		b, err := d.Encode()
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParseDG14(b)
		if err != nil {
			t.Fatal(err)
		}
		got := p.Infos.Of(SecurityInfoChipAuthenticationPublicKey)
		if len(got) != 1 || got[0].KeyID.Int64() != 1 {
			t.Fatalf("%+v", p.Infos)
		}
		back, err := pki.ParsePublicKey(got[0].SubjectPublicKeyInfo)
		if err != nil || !k.PublicKey.Equal(back) {
			t.Errorf("%s: key does not round-trip: %v", c.Params().Name, err)
		}
		spk, err := ParseSubjectPublicKey(got[0].SubjectPublicKeyInfo)
		if err != nil || spk.NamedCurve == nil {
			t.Errorf("named curve: %v", err)
		}
		// The same key as an AA key in DG15.
		d15, err := NewDG15(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		b15, _ := d15.Encode()
		p15, err := ParseDG15(b15)
		if err != nil {
			t.Fatal(err)
		}
		if ck, err := p15.CryptoPublicKey(); err != nil || !k.PublicKey.Equal(ck) {
			t.Errorf("DG15 EC: %v", err)
		}
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	d15, err := NewDG15(&rk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if ck, err := d15.CryptoPublicKey(); err != nil || !rk.PublicKey.Equal(ck) {
		t.Errorf("DG15 RSA: %v", err)
	}
	if _, err := NewChipAuthenticationPublicKeyInfo(&rk.PublicKey, nil); err == nil {
		t.Error("RSA CA key accepted")
	}
}
