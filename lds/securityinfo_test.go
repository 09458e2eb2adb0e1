package lds

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/pki"
)

// ldsCCCDCardAccess is the EF.CardAccess several readers hard-code for the
// CCCD (shared/cccd-reference.md).
const ldsCCCDCardAccess = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"

func TestCardAccessExamples(t *testing.T) {
	v := loadLDSVectors(t)
	type want struct {
		kinds []SecurityInfoKind
		param int
	}
	items := append(v.CardAccess.Items, struct{ Name, Hex string }{"CCCD", ldsCCCDCardAccess})
	wants := map[string]want{
		"CCCD": {[]SecurityInfoKind{SecurityInfoTerminalAuthentication, SecurityInfoChipAuthentication, SecurityInfoPACE}, 13},
	}
	for _, it := range items {
		t.Run(it.Name, func(t *testing.T) {
			b := ldsUnhex(t, it.Hex)
			ca, err := ParseCardAccess(b)
			if err != nil {
				t.Fatal(err)
			}
			out, err := ca.Encode()
			if err != nil || !bytes.Equal(out, b) {
				t.Fatalf("round trip % X, %v", out, err)
			}
			pace := ca.Infos.Of(SecurityInfoPACE)
			if len(pace) == 0 {
				t.Fatal("no PACEInfo")
			}
			if pace[0].Version != 2 || !sinfoUnder(pace[0].Protocol, sinfoArcPACE) {
				t.Errorf("PACEInfo %+v", pace[0])
			}
			if w, ok := wants[it.Name]; ok {
				for i, k := range w.kinds {
					if ca.Infos[i].Kind != k {
						t.Errorf("info %d is %v, want %v", i, ca.Infos[i].Kind, k)
					}
				}
				if pace[0].ParameterID != w.param || pace[0].Protocol.String() != "0.4.0.127.0.7.2.2.4.2.2" {
					t.Errorf("PACE %v param %d", pace[0].Protocol, pace[0].ParameterID)
				}
			}
		})
	}
	// Built from fields, the CCCD file comes out identical.
	built := CardAccess{Infos: SecurityInfos{
		{Kind: SecurityInfoTerminalAuthentication, Protocol: OIDTerminalAuthentication, Version: 1},
		{Kind: SecurityInfoChipAuthentication, Protocol: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}, Version: 1},
		NewPACEInfo(asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}, 2, 13),
	}}
	if out, _ := built.Encode(); hex.EncodeToString(out) != ldsCCCDCardAccess {
		t.Errorf("built CCCD CardAccess %x", out)
	}
}

func TestDG14RealAT(t *testing.T) {
	v := loadLDSVectors(t)
	b := ldsUnhex(t, v.CA.DG14)
	d, err := ParseDG14(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.Encode()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("round trip differs: %v", err)
	}
	kinds := []SecurityInfoKind{SecurityInfoTerminalAuthentication, SecurityInfoChipAuthentication, SecurityInfoPACE, SecurityInfoChipAuthenticationPublicKey}
	if len(d.Infos) != len(kinds) {
		t.Fatalf("%d infos", len(d.Infos))
	}
	for i, k := range kinds {
		if d.Infos[i].Kind != k {
			t.Errorf("info %d: %v, want %v", i, d.Infos[i].Kind, k)
		}
	}
	pk := d.Infos[3]
	if !pk.Protocol.Equal(OIDChipAuthenticationPublicKeyECDH) {
		t.Errorf("protocol %v", pk.Protocol)
	}
	k, err := ParseSubjectPublicKey(pk.SubjectPublicKeyInfo)
	if err != nil {
		t.Fatal(err)
	}
	if k.Params == nil || k.NamedCurve.String() != "1.3.36.3.3.2.8.1.1.7" || k.Params.H != 1 {
		t.Errorf("explicit params not recognised as brainpoolP256r1: %v", k.NamedCurve)
	}
	if !strings.EqualFold(hex.EncodeToString(k.Point), v.CA.ChipCAKey) {
		t.Error("CA public point differs")
	}
	// The explicit parameters resolve to the brainpool curve as a usable
	// crypto key.
	ck, err := pki.ParsePublicKey(pk.SubjectPublicKeyInfo)
	if err != nil {
		t.Fatal(err)
	}
	ek, ok := ck.(*ecdsa.PublicKey)
	if !ok || ek.Curve.Params().Name != "brainpoolP256r1" || !strings.EqualFold(ek.X.Text(16), strings.TrimLeft(v.CA.ChipCAKey[2:66], "0")) {
		t.Errorf("crypto key %T", ck)
	}
}

func TestDG15RSA(t *testing.T) {
	v := loadLDSVectors(t)
	b := ldsUnhex(t, v.AA.DG15)
	d, err := ParseDG15(b)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := d.Encode(); !bytes.Equal(out, b) {
		t.Fatal("round trip differs")
	}
	k, err := d.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if k.N.BitLen() != 1792 || k.E != 65537 {
		t.Errorf("RSA %d bits e=%d", k.N.BitLen(), k.E)
	}
	ck, err := d.CryptoPublicKey()
	if rk, ok := ck.(*rsa.PublicKey); err != nil || !ok || rk.N.Cmp(k.N) != 0 {
		t.Errorf("CryptoPublicKey %T %v", ck, err)
	}
	for _, bad := range []string{"6F00", "6F023000", "6E0130", "6F0330010500"} {
		if _, err := ParseDG15(ldsUnhex(t, bad)); err == nil {
			t.Errorf("ParseDG15(%s) accepted", bad)
		}
	}
}

func TestSecurityInfosUnknownAndAA(t *testing.T) {
	aa := SecurityInfo{Kind: SecurityInfoActiveAuthentication, Protocol: OIDActiveAuthentication, Version: 1,
		SignatureAlgorithm: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}}
	unknownDER := ldsUnhex(t, "300E060904007F000702020602160141") // unknown arc, kept verbatim
	unk, err := sinfoParse(unknownDER)
	if err != nil {
		t.Fatal(err)
	}
	ss := SecurityInfos{aa, unk}
	b, err := ss.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseSecurityInfos(b)
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Kind != SecurityInfoActiveAuthentication || !p[0].SignatureAlgorithm.Equal(aa.SignatureAlgorithm) || p[1].Kind != SecurityInfoUnknown || !bytes.Equal(p[1].Raw, unknownDER) {
		t.Errorf("%+v", p)
	}
	for _, bad := range []string{"", "3100", "31023000", "3103020101", "310F300D060804007F00070202020201"} {
		if _, err := ParseSecurityInfos(ldsUnhex(t, bad)); err == nil && bad != "3100" {
			t.Errorf("ParseSecurityInfos(%s) accepted", bad)
		}
	}
}

func FuzzParseSecurityInfos(f *testing.F) {
	f.Add(ldsUnhex(f, ldsCCCDCardAccess))
	f.Add(ldsUnhex(f, "31283012060a04007f0007020204020202010202010d3012060a04007f0007020204060202010202010d"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ss, err := ParseSecurityInfos(b)
		if err != nil {
			return
		}
		out, err := ss.Encode()
		if err != nil {
			return
		}
		if _, err := ParseSecurityInfos(out); err != nil {
			t.Fatalf("re-encoded SecurityInfos do not parse: %v", err)
		}
		for _, s := range ss {
			if s.SubjectPublicKeyInfo != nil {
				_, _ = ParseSubjectPublicKey(s.SubjectPublicKeyInfo)
			}
		}
	})
}

func FuzzParseDG14(f *testing.F) {
	f.Add(ldsUnhex(f, "6E"+"36"+ldsCCCDCardAccess))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseDG14(b); err == nil {
			if out, err := d.Encode(); err == nil {
				if _, err := ParseDG14(out); err != nil {
					t.Fatalf("re-encoded DG14 does not parse: %v", err)
				}
			}
		}
		if d, err := ParseDG15(b); err == nil {
			_, _ = d.PublicKey()
		}
	})
}

func TestDomainParameterInfos(t *testing.T) {
	// PACEDomainParameterInfo (id-PACE-ECDH-GM, standardized brainpool
	// parameters as an AlgorithmIdentifier) and
	// ChipAuthenticationDomainParameterInfo with a key id.
	alg := "301406072A8648CE3D020106092B2403030208010107"
	infos := SecurityInfos{
		{Kind: SecurityInfoPACEDomainParameters, Protocol: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2}, DomainParameter: ldsUnhex(t, alg), ParameterID: 10},
		{Kind: SecurityInfoChipAuthenticationDomainParameters, Protocol: asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2}, DomainParameter: ldsUnhex(t, alg), KeyID: big.NewInt(1)},
	}
	b, err := infos.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseSecurityInfos(b)
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Kind != SecurityInfoPACEDomainParameters || p[0].ParameterID != 10 || !bytes.Equal(p[0].DomainParameter, ldsUnhex(t, alg)) ||
		p[1].Kind != SecurityInfoChipAuthenticationDomainParameters || p[1].KeyID.Int64() != 1 {
		t.Errorf("%+v", p)
	}
	out, _ := p.Encode()
	if !bytes.Equal(out, b) {
		t.Error("round trip differs")
	}
	if ClassifySecurityInfo(asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2}).String() != "PACEDomainParameterInfo" {
		t.Error("classification name")
	}
}
