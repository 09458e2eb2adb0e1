package pki

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/internal/brainpool"
	"github.com/cccd-vn/cccd/internal/cms"
)

// The real-world files of testdata/realworld at the module root (copied
// from shared/realworld; see its README.md).
const realworld = "../testdata/realworld"

func readRealWorld(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realworld, name))
	if err != nil {
		t.Fatalf("real-world data: %v", err)
	}
	return b
}

// mlDate is a day on which the German master list (2026-05-28) and its
// signer (valid 2024-10-17 to 2028-10-17) are current.
var mlDate = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func germanList(t testing.TB) *MasterList {
	t.Helper()
	ml, err := ParseMasterList(readRealWorld(t, "DE_ML_2026-05-28.ml"))
	if err != nil {
		t.Fatal(err)
	}
	return ml
}

func TestGermanMasterList(t *testing.T) {
	ml := germanList(t)
	t.Log(ml.Summary())
	if n := len(ml.Certificates); n < 580 || n+len(ml.Skipped) != 588 {
		t.Errorf("loaded %d, skipped %d", n, len(ml.Skipped))
	}
	// The skipped ones are named with index, subject and reason: the
	// Belgian link certificate without BasicConstraints, and CSCAs whose
	// BasicConstraints say cA FALSE.
	skipped := map[int]SkippedCert{}
	for _, s := range ml.Skipped {
		skipped[s.Index] = s
		if s.Subject == "" || s.Reason == "" || !errors.Is(s.Err, ErrNotCSCA) {
			t.Errorf("skipped entry without detail: %+v", s)
		}
	}
	if s, ok := skipped[223]; !ok || !strings.Contains(s.Subject, "Belgium Country Signing CA 03") || !strings.Contains(s.Reason, "no BasicConstraints") {
		t.Errorf("index 223: %+v", s)
	}
	if s, ok := skipped[376]; !ok || !strings.Contains(s.Subject, "Passport CSCA Turkey") || !strings.Contains(s.Reason, "cA FALSE") {
		t.Errorf("index 376: %+v", s)
	}
	// Viet Nam's CSCA is loaded, byte for byte the published one.
	vn := mustParse(t, readRealWorld(t, "VN_CSCA_ePassport_2022.der"))
	found := false
	for _, c := range ml.Certificates {
		found = found || c.Equal(vn)
	}
	counts := ml.CountByCountry()
	if !found || counts["VN"] != 1 || counts["DE"] < 5 {
		t.Errorf("VN found %v, counts VN %d DE %d", found, counts["VN"], counts["DE"])
	}
	if !strings.HasPrefix(ml.Summary(), "loaded 580 CSCAs: AD 5, AE 5,") || !strings.Contains(ml.Summary(), "VN 1") || !strings.Contains(ml.Summary(), "skipped 8: index 223 (") {
		t.Errorf("summary %q", ml.Summary())
	}
	// The leniencies the list needs: Ukraine's cA as BER, Estonia's RSA
	// keys without NULL parameters, Viet Nam's explicit parameters.
	var ber, noNull, explicit int
	for _, c := range ml.Certificates {
		if hasNote(c, "BER") {
			ber++
		}
		if hasNote(c, "without NULL") {
			noNull++
		}
		if c.ExplicitECParameters {
			explicit++
		}
		if len(c.UnhandledCritical) != 0 || c.PublicKey == nil {
			t.Errorf("loaded but unusable: %s", c.Subject)
		}
	}
	t.Logf("BER booleans %d, RSA without NULL %d, explicit EC parameters %d", ber, noNull, explicit)
	if ber < 1 || noNull < 2 || explicit < 1 {
		t.Errorf("BER %d, RSA without NULL %d, explicit %d", ber, noNull, explicit)
	}
	if ml.Signer == nil || ml.SignerMatch != SignerIdentified || !strings.Contains(ml.Signer.Subject.CommonName, "Master List Signer") {
		t.Fatalf("signer %v (%v)", ml.Signer, ml.SignerMatch)
	}
}

func TestGermanMasterListTrust(t *testing.T) {
	ml := germanList(t)
	root := mustParse(t, readRealWorld(t, "DE_ROOT_CSCA.cer"))
	if err := ml.VerifyAgainst([]*Certificate{root}, mlDate); err != nil {
		t.Fatalf("against DE_ROOT_CSCA: %v", err)
	}
	// Refused without the German CSCA (even though the list holds it) and
	// with an unrelated one; the error names the CSCA to add.
	vn := mustParse(t, readRealWorld(t, "VN_CSCA_ePassport_2022.der"))
	for name, trusted := range map[string][]*Certificate{"none": nil, "VN": {vn}} {
		err := ml.VerifyAgainst(trusted, mlDate)
		var ue *UnknownIssuerError
		if !errors.Is(err, ErrMasterListUntrusted) || !errors.Is(err, ErrNoTrustedIssuer) || !errors.As(err, &ue) {
			t.Fatalf("%s: %v", name, err)
		}
		if ue.Issuer != "CN=csca-germany,OU=bsi,O=bund,C=DE" || hex.EncodeToString(ue.AuthorityKeyID) != "e8a62993eae208aa203e49d7649bbae1ba3560cb" ||
			!strings.Contains(err.Error(), "E8A62993EAE208AA203E49D7649BBAE1BA3560CB") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Outside the signer's validity: refused.
	var ve *ValidityError
	if err := ml.VerifyAgainst([]*Certificate{root}, time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.As(err, &ve) {
		t.Errorf("in 2029: %v", err)
	}
	// The old CSCA of 2021 (sod-DE/csca.cer) with the link certificate
	// that certifies the 2024 key under it (index 151 of the list): the
	// signer, issued under the 2024 key, chains through the link.
	old := mustParse(t, readRealWorld(t, "sod-DE/csca.cer"))
	var link *Certificate
	for _, c := range ml.Certificates {
		if bytes.Equal(c.SubjectKeyID, root.SubjectKeyID) && bytes.Equal(c.AuthorityKeyID, old.SubjectKeyID) {
			link = c
		}
	}
	if link == nil {
		t.Fatal("no link certificate 2021 -> 2024 in the list")
	}
	if issuer, ok := IsLinkCertificate(link, []*Certificate{old}); !ok || !issuer.Equal(old) {
		t.Error("link certificate not recognised")
	}
	if err := ml.VerifyAgainst([]*Certificate{old}, mlDate); !errors.Is(err, ErrNoTrustedIssuer) {
		t.Errorf("old CSCA without the link: %v", err)
	}
	if err := ml.VerifyAgainst([]*Certificate{old, link}, mlDate); err != nil {
		t.Errorf("old CSCA with the link: %v", err)
	}
	chain, err := VerifyChain(ml.Signer, []*Certificate{old, link}, mlDate)
	if err != nil || len(chain) != 3 || !chain[1].Equal(link) || !chain[2].Equal(old) {
		t.Errorf("chain through the link: %v", err)
	}
	// The deprecated Verify still accepts a self-contained list.
	if err := ml.Verify(ml.Certificates); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestVietnamCSCA(t *testing.T) {
	c := mustParse(t, readRealWorld(t, "VN_CSCA_ePassport_2022.der"))
	k, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || k.Curve != brainpool.P512r1() || !c.ExplicitECParameters {
		t.Fatalf("key %T explicit %v (%v)", c.PublicKey, c.ExplicitECParameters, c.PublicKeyError)
	}
	if !c.SignatureAlgorithm.Algorithm.Equal([]int{1, 2, 840, 10045, 4, 3, 4}) {
		t.Errorf("signature algorithm %v", c.SignatureAlgorithm.Algorithm)
	}
	// Its key verifies its own signature (ecdsa-with-SHA512).
	if err := c.CheckSignatureFrom(c); err != nil || !IsSelfSigned(c) {
		t.Fatalf("self-signature: %v", err)
	}
	if err := CheckCSCA(c); err != nil {
		t.Fatal(err)
	}
	if CountryOf(c) != "VN" || c.Subject.CommonName != "CSCA ePassport Vietnam" || c.MaxPathLen != 0 {
		t.Errorf("%s", c.Subject)
	}
	if chain, err := VerifyChain(c, []*Certificate{c}, mlDate); err != nil || len(chain) != 1 {
		t.Errorf("self chain: %v", err)
	}
}

// TestGermanSOD checks a real German EF.SOD: it parses, its Document
// Signer is found, its signature verifies and the DS chains to its CSCA.
func TestGermanSOD(t *testing.T) {
	b := readRealWorld(t, "sod-DE/EF.SOD.bin")
	csca := mustParse(t, readRealWorld(t, "sod-DE/csca.cer"))
	// EF.SOD is [APPLICATION 23] { ContentInfo } (ICAO 9303-10 §4.6.2).
	if b[0] != 0x77 {
		t.Fatalf("tag %X", b[0])
	}
	sd, err := cms.Parse(b[4:])
	if err != nil {
		t.Fatal(err)
	}
	if sd.Kind() != cms.ContentLDSSecurityObject || len(sd.SignerInfos) != 1 {
		t.Fatalf("kind %v", sd.Kind())
	}
	var embedded []*Certificate
	for _, raw := range sd.Certificates {
		embedded = append(embedded, mustParse(t, raw))
	}
	si := &sd.SignerInfos[0]
	ds, how := FindSignerCertificate(si, embedded, nil)
	if ds == nil || how != SignerIdentified || !strings.Contains(ds.Subject.CommonName, "Document Signer") {
		t.Fatalf("DS %v (%v)", ds, how)
	}
	md, err := si.MessageDigest()
	if err != nil {
		t.Fatal(err)
	}
	h, err := si.DigestHash()
	if err != nil {
		t.Fatal(err)
	}
	d := h.New()
	d.Write(sd.Content)
	if !bytes.Equal(d.Sum(nil), md) {
		t.Fatal("message digest")
	}
	if err := si.VerifySignature(ds.PublicKey, sd.Content); err != nil {
		t.Fatalf("signature: %v", err)
	}
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	chain, err := VerifyChain(ds, []*Certificate{csca}, at)
	if err != nil || len(chain) != 2 || !chain[1].Equal(csca) {
		t.Fatalf("chain: %v", err)
	}
	if ca, err := FindIssuer(ds, []*Certificate{csca}); err != nil || !ca.Equal(csca) {
		t.Errorf("FindIssuer: %v", err)
	}
	// Not to the 2024 CSCA (another key with the same name).
	root := mustParse(t, readRealWorld(t, "DE_ROOT_CSCA.cer"))
	if _, err := VerifyChain(ds, []*Certificate{root}, at); !errors.Is(err, ErrNoTrustedIssuer) {
		t.Errorf("chain to the 2024 CSCA: %v", err)
	}
	// A store holding the German master list's CSCAs also works: it holds
	// the 2021 CSCA among link certificates of the same name.
	ml := germanList(t)
	if chain, err := VerifyChain(ds, ml.Certificates, at); err != nil || !bytes.Equal(chain[len(chain)-1].SubjectKeyID, csca.SubjectKeyID) {
		t.Errorf("chain in the master list's CSCAs: %v", err)
	}
	// Before the DS's validity: the chain comes with a *ValidityError.
	var ve *ValidityError
	if chain, err := VerifyChain(ds, []*Certificate{csca}, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.As(err, &ve) || len(chain) != 2 {
		t.Errorf("before validity: %v", err)
	}
	// The signature does not verify with the CSCA's key.
	if err := si.VerifySignature(csca.PublicKey, sd.Content); !errors.Is(err, cms.ErrSignature) {
		t.Errorf("CSCA key: %v", err)
	}
}
