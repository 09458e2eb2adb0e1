package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// link certifies the key of to (with to's subject and key identifier)
// under from's key: at a rollover, the new CSCA key signed by the old one
// (ICAO 9303-12 §5.1.1), or the reverse.
func link(t testing.TB, from, to *TestPKI, isCA bool, subject *pkix.Name) *Certificate {
	t.Helper()
	name := to.CSCA.Subject
	if subject != nil {
		name = *subject
	}
	der, err := CreateCertificate(&Template{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: name,
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(10, 0, 0),
		IsCA: isCA, MaxPathLen: 0, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyID: to.CSCA.SubjectKeyID,
	}, from.CSCA, to.CSCAKey.Public(), from.CSCAKey, from.Params)
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, der)
}

func TestLinkCertificates(t *testing.T) {
	old, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := NewTestPKI("ecdsa-p256", testNow) // same CSCA name, new key
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old.CSCA.RawSubject, newer.CSCA.RawSubject) {
		t.Fatal("test PKIs differ in name")
	}
	newWithOld := link(t, old, newer, true, nil)
	oldWithNew := link(t, newer, old, true, nil)

	if issuer, ok := IsLinkCertificate(newWithOld, []*Certificate{old.CSCA}); !ok || !issuer.Equal(old.CSCA) {
		t.Error("link certificate not recognised")
	}
	if _, ok := IsLinkCertificate(newWithOld, []*Certificate{newer.CSCA}); ok {
		t.Error("link recognised under the wrong CSCA")
	}
	if _, ok := IsLinkCertificate(old.CSCA, []*Certificate{old.CSCA}); ok {
		t.Error("self-signed CSCA taken for a link")
	}

	check := func(name string, ds *Certificate, store []*Certificate, want ...*Certificate) {
		t.Helper()
		chain, err := VerifyChain(ds, store, testNow)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if len(chain) != len(want)+1 || !chain[0].Equal(ds) {
			t.Errorf("%s: chain of %d", name, len(chain))
			return
		}
		for i, w := range want {
			if !chain[i+1].Equal(w) {
				t.Errorf("%s: chain[%d] is %s", name, i+1, chain[i+1].Subject)
			}
		}
	}
	// A DS of the new key: through new-with-old to the trusted old CSCA.
	check("new DS, old CSCA + link", newer.DS, []*Certificate{old.CSCA, newWithOld}, newWithOld, old.CSCA)
	// The other way round: a DS of the old key, the store holds the new
	// CSCA and old-with-new.
	check("old DS, new CSCA + reverse link", old.DS, []*Certificate{oldWithNew, newer.CSCA}, oldWithNew, newer.CSCA)
	// The self-signed CSCA is preferred to the link when both are there.
	check("new DS, everything", newer.DS, []*Certificate{newWithOld, old.CSCA, newer.CSCA, oldWithNew}, newer.CSCA)
	if ca, err := FindIssuer(newer.DS, []*Certificate{old.CSCA, newWithOld}); err != nil || !ca.Equal(newWithOld) {
		t.Errorf("FindIssuer through the link: %v", err)
	}
	// A renamed CSCA (new name at rollover) works alike.
	renamed := pkix.Name{Country: []string{"VN"}, Organization: []string{"cccd test PKI"}, CommonName: "CSCA VN TEST 2"}
	renamedLink := link(t, old, newer, true, &renamed)
	dsDER, err := CreateCertificate(&Template{SerialNumber: big.NewInt(77), Subject: pkix.Name{Country: []string{"VN"}, CommonName: "DS under renamed"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(5, 0, 0), MaxPathLen: -1, KeyUsage: x509.KeyUsageDigitalSignature},
		renamedLink, newer.DSKey.Public(), newer.CSCAKey, newer.Params)
	if err != nil {
		t.Fatal(err)
	}
	check("renamed link", mustParse(t, dsDER), []*Certificate{old.CSCA, renamedLink}, renamedLink, old.CSCA)

	// Refused: the link alone (its issuer is not trusted: the error names
	// the old CSCA and its key id) ...
	var ue *UnknownIssuerError
	if _, err := VerifyChain(newer.DS, []*Certificate{newWithOld}, testNow); !errors.As(err, &ue) || !bytes.Equal(ue.AuthorityKeyID, old.CSCA.SubjectKeyID) {
		t.Errorf("link without its issuer: %v", err)
	}
	// ... the old CSCA without the link ...
	if _, err := VerifyChain(newer.DS, []*Certificate{old.CSCA}, testNow); !errors.As(err, &ue) || !bytes.Equal(ue.AuthorityKeyID, newer.CSCA.SubjectKeyID) {
		t.Errorf("old CSCA without the link: %v", err)
	}
	// ... a link that is no CA ...
	notCA := link(t, old, newer, false, nil)
	var ce *ChainError
	if _, err := VerifyChain(newer.DS, []*Certificate{old.CSCA, notCA}, testNow); !errors.As(err, &ce) || !errors.Is(err, ErrNotCSCA) {
		t.Errorf("link with cA FALSE: %v", err)
	}
	if _, ok := IsLinkCertificate(notCA, []*Certificate{old.CSCA}); ok {
		t.Error("non-CA link recognised")
	}
	// ... a link signed by a third key ...
	third, _ := NewTestPKI("ecdsa-p256", testNow)
	forgedDER, _ := CreateCertificate(&Template{SerialNumber: big.NewInt(5), Subject: newer.CSCA.Subject, NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, MaxPathLen: 0, KeyUsage: x509.KeyUsageCertSign, SubjectKeyID: newer.CSCA.SubjectKeyID}, old.CSCA, newer.CSCAKey.Public(), third.CSCAKey, old.Params)
	forged := mustParse(t, forgedDER)
	if _, err := VerifyChain(newer.DS, []*Certificate{old.CSCA, forged}, testNow); err == nil {
		t.Error("forged link accepted")
	}
	// ... and two links certifying each other, with no self-signed CSCA:
	// the search ends, refused.
	if _, err := VerifyChain(newer.DS, []*Certificate{newWithOld, oldWithNew}, testNow); err == nil {
		t.Error("cycle of links accepted")
	}
	// An expired link: the chain comes back with a *ValidityError.
	var ve *ValidityError
	if chain, err := VerifyChain(newer.DS, []*Certificate{old.CSCA, newWithOld}, testNow.AddDate(10, 1, 0)); !errors.As(err, &ve) || len(chain) != 3 {
		t.Errorf("expired: %v", err)
	}
}

func TestCheckCSCA(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCSCA(p.CSCA); err != nil {
		t.Fatal(err)
	}
	mk := func(isCA bool, ku x509.KeyUsage) *Certificate {
		der, err := CreateCertificate(&Template{SerialNumber: big.NewInt(3), Subject: p.CSCA.Subject, NotBefore: testNow, NotAfter: testNow.AddDate(1, 0, 0),
			IsCA: isCA, MaxPathLen: -1, KeyUsage: ku}, nil, p.CSCAKey.Public(), p.CSCAKey, p.Params)
		if err != nil {
			t.Fatal(err)
		}
		return mustParse(t, der)
	}
	for _, tt := range []struct {
		name   string
		c      *Certificate
		reason string
	}{
		{"DS", p.DS, "no BasicConstraints"},
		{"CA without keyCertSign", mk(true, x509.KeyUsageCRLSign), "lacks keyCertSign"},
		{"keyCertSign without CA", mk(false, x509.KeyUsageCertSign), "no BasicConstraints"},
	} {
		var ce *CSCAError
		if err := CheckCSCA(tt.c); !errors.As(err, &ce) || !errors.Is(err, ErrNotCSCA) || !strings.Contains(ce.Reason, tt.reason) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// No KeyUsage at all: RFC 5280 §6.1.4 (n) reads it as unrestricted.
	if err := CheckCSCA(mk(true, 0)); err != nil {
		t.Errorf("CA without KeyUsage: %v", err)
	}
	// An unknown key algorithm.
	noKey := *p.CSCA
	noKey.PublicKey, noKey.PublicKeyError = nil, ErrUnsupportedKey
	if err := CheckCSCA(&noKey); !errors.Is(err, ErrNotCSCA) || !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("no key: %v", err)
	}
}

func TestCRLHygiene(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewTestPKI("ecdsa-p256", testNow)
	mkCRL := func(signer crypto.Signer, revoked []RevokedCertificate, this, next time.Time) *CRL {
		der, err := CreateCRL(p.CSCA, signer, revoked, big.NewInt(3), this, next, p.Params)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCRL(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fresh := mkCRL(p.CSCAKey, nil, testNow.AddDate(0, 0, -1), testNow.AddDate(0, 1, 0))
	stale := mkCRL(p.CSCAKey, nil, testNow.AddDate(0, -2, 0), testNow.AddDate(0, -1, 0))
	future := mkCRL(p.CSCAKey, nil, testNow.AddDate(0, 0, 1), testNow.AddDate(0, 1, 0))
	noNext := mkCRL(p.CSCAKey, nil, testNow.AddDate(0, 0, -1), time.Time{})
	if !noNext.NextUpdate.IsZero() {
		t.Fatal("nextUpdate written")
	}
	if err := fresh.CheckTime(testNow); err != nil {
		t.Error(err)
	}
	for _, tt := range []struct {
		name string
		crl  *CRL
		want error
	}{{"stale", stale, ErrCRLStale}, {"not yet valid", future, ErrCRLNotYetValid}, {"no nextUpdate", noNext, ErrCRLNoNextUpdate}} {
		var ce *CRLError
		if err := tt.crl.CheckTime(testNow); !errors.Is(err, tt.want) || !errors.As(err, &ce) {
			t.Errorf("%s CheckTime: %v", tt.name, err)
		}
		// CheckRevocation: unknown, not good.
		if err := CheckRevocation(p.DS, p.CSCA, []*CRL{tt.crl}, testNow); !errors.Is(err, tt.want) || !errors.As(err, &ce) {
			t.Errorf("%s CheckRevocation: %v", tt.name, err)
		}
	}
	// A fresh CRL beside a stale one decides.
	if err := CheckRevocation(p.DS, p.CSCA, []*CRL{stale, fresh}, testNow); err != nil {
		t.Errorf("stale + fresh: %v", err)
	}
	// A revocation on a stale CRL still counts.
	rev := []RevokedCertificate{{SerialNumber: p.DS.SerialNumber, RevocationTime: testNow.AddDate(0, -3, 0)}}
	staleRev := mkCRL(p.CSCAKey, rev, testNow.AddDate(0, -2, 0), testNow.AddDate(0, -1, 0))
	var re *RevokedError
	if err := CheckRevocation(p.DS, p.CSCA, []*CRL{fresh, staleRev}, testNow); !errors.As(err, &re) {
		t.Errorf("revoked on a stale CRL: %v", err)
	}
	// A CRL signed by another key with the CSCA's name: not used.
	forged := mkCRL(other.CSCAKey, nil, testNow.AddDate(0, 0, -1), testNow.AddDate(0, 1, 0))
	var ce *CRLError
	if err := CheckRevocation(p.DS, p.CSCA, []*CRL{forged}, testNow); !errors.As(err, &ce) {
		t.Errorf("forged CRL: %v", err)
	}

	// VerifyCRLSignedBy: the CRL's own CSCA among others.
	if ca, err := VerifyCRLSignedBy(fresh, []*Certificate{other.CSCA, p.CSCA}); err != nil || !ca.Equal(p.CSCA) {
		t.Errorf("own CSCA: %v", err)
	}
	if _, err := VerifyCRLSignedBy(fresh, []*Certificate{other.CSCA}); !errors.As(err, &ce) {
		t.Errorf("other CSCA: %v", err)
	}
	if _, err := VerifyCRLSignedBy(fresh, nil); !errors.Is(err, ErrCRLIssuerUnknown) {
		t.Errorf("no CSCA: %v", err)
	}
	if _, err := VerifyCRLSignedBy(forged, []*Certificate{p.CSCA}); !errors.As(err, &ce) || errors.Is(err, ErrCRLIssuerUnknown) {
		t.Errorf("forged: %v", err)
	}
	// A CSCA whose KeyUsage lacks cRLSign may not sign CRLs.
	noCRLSignDER, _ := CreateCertificate(&Template{SerialNumber: big.NewInt(8), Subject: p.CSCA.Subject, NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, MaxPathLen: 0, KeyUsage: x509.KeyUsageCertSign, SubjectKeyID: p.CSCA.SubjectKeyID}, nil, p.CSCAKey.Public(), p.CSCAKey, p.Params)
	if _, err := VerifyCRLSignedBy(fresh, []*Certificate{mustParse(t, noCRLSignDER)}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "cRLSign") {
		t.Errorf("no cRLSign: %v", err)
	}
	// A CRL with a critical extension this package does not process
	// (issuingDistributionPoint) is not used.
	idp := crlWithExtension(t, p, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: []byte{0x30, 0}})
	if len(idp.UnhandledCritical) != 1 {
		t.Fatalf("UnhandledCritical %v", idp.UnhandledCritical)
	}
	if _, err := VerifyCRLSignedBy(idp, []*Certificate{p.CSCA}); !errors.Is(err, ErrCRLUnhandledCritical) {
		t.Errorf("critical IDP: %v", err)
	}
	if err := CheckRevocation(p.DS, p.CSCA, []*CRL{idp}, testNow); !errors.Is(err, ErrCRLUnhandledCritical) {
		t.Errorf("critical IDP revocation: %v", err)
	}
}

// crlWithExtension signs a CRL of p carrying ext.
func crlWithExtension(t testing.TB, p *TestPKI, ext pkix.Extension) *CRL {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		p.CRL.SignatureAlgorithm.Marshal(b)
		b.AddBytes(p.CSCA.RawSubject)
		addTime(b, testNow.AddDate(0, 0, -1))
		addTime(b, testNow.AddDate(0, 1, 0))
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { addExtensions(b, []pkix.Extension{ext}) })
	})
	der, err := signTBS(b.BytesOrPanic(), p.CRL.SignatureAlgorithm, p.CSCAKey, p.Params.Hash)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mlSigner issues a master list signer certificate (extended key usage
// id-icao-cscaMasterListSigningKey) under p's CSCA, or a plain one.
func mlSigner(t testing.TB, p *TestPKI, eku bool) (*Certificate, crypto.Signer) {
	t.Helper()
	key, _, err := GenerateKey("ecdsa-p256")
	if err != nil {
		t.Fatal(err)
	}
	var exts []pkix.Extension
	if eku {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(OIDMasterListSigner) })
		exts = append(exts, pkix.Extension{Id: oidExtExtKeyUsage, Critical: true, Value: b.BytesOrPanic()})
	}
	der, err := CreateCertificate(&Template{SerialNumber: big.NewInt(99), Subject: pkix.Name{Country: []string{"VN"}, CommonName: "Master List Signer"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(3, 0, 0), MaxPathLen: -1, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: exts}, p.CSCA, key.Public(), p.CSCAKey, p.Params)
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, der), key
}

func TestMasterListTrustAndSkips(t *testing.T) {
	p, err := NewTestPKI("ecdsa-p256", testNow)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewTestPKIForCountry("ecdsa-p384", "DE", testNow)
	signer, key := mlSigner(t, p, true)
	if len(signer.ExtKeyUsage) != 1 || len(signer.UnhandledCritical) != 0 {
		t.Fatalf("EKU %v, unhandled %v", signer.ExtKeyUsage, signer.UnhandledCritical)
	}
	garbage := &Certificate{Raw: []byte{0x30, 0x03, 0x02, 0x01, 0x01}}
	der, err := BuildMasterList([]*Certificate{p.CSCA, garbage, p.DS, other.CSCA}, signer, key, SigningParams{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	ml, err := ParseMasterList(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(ml.Certificates) != 2 || len(ml.Skipped) != 2 || ml.Skipped[0].Index != 1 || ml.Skipped[1].Index != 2 {
		t.Fatalf("loaded %d, skipped %+v", len(ml.Certificates), ml.Skipped)
	}
	if !errors.Is(ml.Skipped[0].Err, ErrMalformed) || ml.Skipped[1].Subject != p.DS.Subject.String() || !errors.Is(ml.Skipped[1].Err, ErrNotCSCA) {
		t.Errorf("skips %+v", ml.Skipped)
	}
	want := "loaded 2 CSCAs: DE 1, VN 1; skipped 2: index 1 (unreadable subject): "
	if s := ml.Summary(); !strings.HasPrefix(s, want) || !strings.Contains(s, "index 2 (CN=DS VN TEST ECDSA-P256") {
		t.Errorf("summary %q", s)
	}
	// Trusted only through a CSCA the caller gives.
	if err := ml.VerifyAgainst([]*Certificate{p.CSCA}, testNow); err != nil {
		t.Fatalf("trusted CSCA: %v", err)
	}
	var ue *UnknownIssuerError
	for name, trusted := range map[string][]*Certificate{"none": nil, "other": {other.CSCA}} {
		if err := ml.VerifyAgainst(trusted, testNow); !errors.As(err, &ue) || !errors.Is(err, ErrMasterListUntrusted) || !bytes.Equal(ue.AuthorityKeyID, p.CSCA.SubjectKeyID) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The deprecated Verify still lets the list vouch for itself.
	if err := ml.Verify(ml.Certificates); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// A Document Signer (no master list signer EKU) of a trusted CSCA
	// cannot sign a master list.
	dsSigner, dsKey := mlSigner(t, p, false)
	der2, _ := BuildMasterList([]*Certificate{p.CSCA}, dsSigner, dsKey, SigningParams{Hash: crypto.SHA256})
	ml2, _ := ParseMasterList(der2)
	if err := ml2.VerifyAgainst([]*Certificate{p.CSCA}, testNow); !errors.Is(err, ErrMasterListUntrusted) || !strings.Contains(err.Error(), "not a master list signer") {
		t.Errorf("DS as list signer: %v", err)
	}
	// A CSCA signing its own list (the test PKI's) is trusted when it is.
	der3, _ := BuildMasterList([]*Certificate{p.CSCA}, p.CSCA, p.CSCAKey, p.Params)
	ml3, _ := ParseMasterList(der3)
	if err := ml3.VerifyAgainst([]*Certificate{p.CSCA}, testNow); err != nil {
		t.Errorf("CSCA-signed list: %v", err)
	}
	if err := ml3.VerifyAgainst(ml3.Certificates[:0], testNow); err == nil {
		t.Error("CSCA-signed list trusted without the CSCA")
	}
	// Tampered content.
	i := bytes.Index(der, p.CSCA.RawSubject)
	bad := append([]byte{}, der...)
	bad[i+len(p.CSCA.RawSubject)-1] ^= 1
	if mlBad, err := ParseMasterList(bad); err == nil {
		if err := mlBad.VerifyAgainst([]*Certificate{p.CSCA}, testNow); !errors.Is(err, ErrMasterListUntrusted) {
			t.Errorf("tampered: %v", err)
		}
	}
	// Not a master list.
	if _, err := ParseMasterList(p.CSCA.Raw); !errors.Is(err, ErrMalformed) {
		t.Errorf("certificate as master list: %v", err)
	}
}
