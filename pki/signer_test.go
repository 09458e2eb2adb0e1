package pki

import (
	"crypto"
	"math/big"
	"testing"

	"github.com/cccd-vn/cccd/internal/cms"
)

// A SignedData whose SignerInfo names no certificate it carries (a wrong
// serial number), with eContentType id-data: the single embedded
// certificate is offered as the signer, and only its signature decides.
func TestFindSignerCertificateFallback(t *testing.T) {
	p := fuzzPKI
	b, err := cms.Sign(cms.SignOptions{ContentType: cms.OIDData, Content: []byte("lds"), Certificate: p.DS.Raw,
		Issuer: p.DS.RawIssuer, SerialNumber: big.NewInt(1), Signer: p.DSKey, Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Kind() != cms.ContentData {
		t.Errorf("kind %v", sd.Kind())
	}
	si := &sd.SignerInfos[0]
	embedded := []*Certificate{mustParse(t, sd.Certificates[0])}
	c, how := FindSignerCertificate(si, embedded, nil)
	if how != SignerSingleCertificate || !c.Equal(p.DS) {
		t.Fatalf("%v %v", c, how)
	}
	if err := si.VerifySignature(c.PublicKey, sd.Content); err != nil {
		t.Error(err)
	}
	// The fallback is only a candidate: a wrong single certificate is
	// offered, and its key does not verify the signature.
	c, how = FindSignerCertificate(si, []*Certificate{p.CSCA}, []*Certificate{p.CSCA})
	if how != SignerSingleCertificate || !c.Equal(p.CSCA) {
		t.Errorf("fallback to the CSCA: %v", how)
	}
	if err := si.VerifySignature(c.PublicKey, sd.Content); err == nil {
		t.Error("the CSCA's key verifies the DS's signature")
	}
	// Two embedded certificates and no match: nothing.
	if c, how := FindSignerCertificate(si, []*Certificate{p.CSCA, p.DS}, nil); c != nil || how != SignerNotFound {
		t.Errorf("two certificates: %v", how)
	}
	b2, _ := cms.Sign(cms.SignOptions{ContentType: cms.OIDLDSSecurityObject, Content: []byte("lds"), Certificate: p.DS.Raw,
		Issuer: p.DS.RawIssuer, SerialNumber: p.DS.SerialNumber, Signer: p.DSKey, Hash: crypto.SHA256})
	sd2, _ := cms.Parse(b2)
	if c, how := FindSignerCertificate(&sd2.SignerInfos[0], []*Certificate{p.CSCA, p.DS}, nil); how != SignerIdentified || !c.Equal(p.DS) || sd2.Kind() != cms.ContentLDSSecurityObject {
		t.Errorf("identified: %v", how)
	}
}
