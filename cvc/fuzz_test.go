package cvc

import (
	"bytes"
	"crypto/elliptic"
	"testing"

	"github.com/cccd-vn/cccd/internal/brainpool"
)

func fuzzSeeds(f *testing.F) {
	for _, h := range []string{vecPersoSimCVCAIS, vecPersoSimDETESTeID00004, vecPersoSimDETESTeID00004Stripped, vecPersoSimWithExtensions,
		vecPersoSimCVCAeIDCT, vecBCCVCAEPASS, vecPicoDV, vecPicoDevice, vecPicoTerminal, vecPicoRequest, vecPicoP256Request,
		vecPicoP256Rewritten, vecAusweisAppDV, vecAusweisAppTerminal} {
		f.Add(mustHex(h))
	}
	for _, curve := range []elliptic.Curve{brainpool.P256r1(), elliptic.P256()} {
		ch, err := NewTestChain(curve, "VN", testNow)
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range []*Certificate{ch.CVCA, ch.DV, ch.IS} {
			f.Add(c.Raw)
		}
	}
	f.Add([]byte{0x7F, 0x21, 0x00})
	f.Add([]byte{0x67, 0x03, 0x7F, 0x21, 0x00})
}

// FuzzParseCertificate: ParseCertificate never panics, and what it
// accepts encodes back to the same bytes and survives every accessor.
func FuzzParseCertificate(f *testing.F) {
	fuzzSeeds(f)
	params, _ := DomainParamsFor(brainpool.P256r1())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCertificate(b)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("accepted bytes do not re-encode: %v", err)
		}
		if body, err := c.EncodeBody(); err != nil || !bytes.Equal(body, c.RawBody) {
			t.Fatalf("body: %v", err)
		}
		_ = c.String()
		_, _ = c.PublicKey.CryptoPublicKey(params)
		_ = c.CheckSignature(&c.PublicKey, params)
		_, _ = c.PublicKey.Params.Curve()
		_, _ = ValidateChain(c, testNow, []*Certificate{c, c}, ValidateOptions{Require: ReadDG3})
	})
}

// FuzzParseRequest: ParseRequest never panics, and what it accepts
// encodes back to the same bytes.
func FuzzParseRequest(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			return
		}
		enc, err := r.Encode()
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("accepted bytes do not re-encode: %v", err)
		}
		if inner, err := r.EncodeCertificate(); err != nil || !bytes.Equal(inner, r.RawCertificate) {
			t.Fatalf("inner: %v", err)
		}
		_ = r.String()
		_ = r.CheckInnerSignature()
		if r.Authenticated() {
			_ = r.CheckOuterSignature(&r.PublicKey, nil)
		}
	})
}
