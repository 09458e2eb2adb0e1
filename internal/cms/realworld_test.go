package cms

import (
	"os"
	"testing"
)

// A real German EF.SOD ([APPLICATION 23] around a ContentInfo) parses,
// with the LDS security object as eContentType and its one DS
// certificate embedded. Its signature and chain are checked in package
// pki, which parses certificates.
func TestRealGermanSOD(t *testing.T) {
	b, err := os.ReadFile("../../testdata/realworld/sod-DE/EF.SOD.bin")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 4 || b[0] != 0x77 {
		t.Fatal("not an EF.SOD")
	}
	sd, err := Parse(b[4:])
	if err != nil {
		t.Fatal(err)
	}
	if sd.Kind() != ContentLDSSecurityObject || len(sd.SignerInfos) != 1 || sd.SignerInfos[0].Version != 1 {
		t.Fatalf("kind %v, %d signers", sd.Kind(), len(sd.SignerInfos))
	}
	if _, ok := sd.SingleCertificate(); !ok {
		t.Error("no single certificate")
	}
	if _, err := sd.SignerInfos[0].MessageDigest(); err != nil {
		t.Error(err)
	}
}
