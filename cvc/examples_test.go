package cvc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/internal/brainpool"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Worked examples: published certificates (see vectors_test.go for their
// sources) parse into the fields a reader of the hex finds, encode back to
// the same bytes and, where the issuer key is published too, verify.
func TestWorkedCertificates(t *testing.T) {
	tests := []struct {
		name       string
		hex        string
		car, chr   Reference
		alg        Algorithm
		curve      string // "" when no domain parameters in the key
		chatType   string
		auth       string
		role       Role
		rights     AccessRights
		eff, exp   time.Time
		selfSigned bool // and the signature verifies with its own key
		exts       int
	}{
		{"PersoSim CVCA IS", vecPersoSimCVCAIS, "DEISCVCA00001", "DEISCVCA00001", ECDSASHA256, "brainpoolP256r1",
			OIDInspectionSystem.String(), "E3", RoleCVCA, ReadDG3 | ReadDG4 | 0x20, date(2014, 5, 5), date(2015, 5, 5), true, -1},
		{"PersoSim DETESTeID00004", vecPersoSimDETESTeID00004, "DETESTeID00004", "DETESTeID00004", ECDSASHA256, "brainpoolP256r1",
			OIDAuthenticationTerminal.String(), "FC0F13FFFF", RoleCVCA, 0, date(2012, 5, 11), date(2015, 5, 11), true, -1},
		{"PersoSim DETESTeID00004 stripped", vecPersoSimDETESTeID00004Stripped, "DETESTeID00004", "DETESTeID00004", ECDSASHA256, "",
			OIDAuthenticationTerminal.String(), "FC0F13FFFF", RoleCVCA, 0, date(2012, 5, 11), date(2015, 5, 11), false, -1},
		{"PersoSim with extensions", vecPersoSimWithExtensions, "DETESTeID00004", "DETESTeID00004", ECDSASHA256, "brainpoolP256r1",
			OIDAuthenticationTerminal.String(), "FC0F13FFFF", RoleCVCA, 0, date(2012, 5, 11), date(2015, 5, 11), false, 1},
		{"PersoSim CVCA eID CT", vecPersoSimCVCAeIDCT, "DECVCAeIDCT00001", "DECVCAeIDCT00001", ECDSASHA256, "brainpoolP256r1",
			OIDAuthenticationTerminal.String(), "FE1FFFFFFF", RoleCVCA, 0, date(2013, 4, 7), date(2016, 4, 6), true, -1},
		{"Bouncy Castle CVCA EPASS", vecBCCVCAEPASS, "DECVCAEPASS001", "DECVCAEPASS001", ECDSASHA224, "unsupported",
			OIDInspectionSystem.String(), "C1", RoleCVCA, ReadDG3, date(2007, 4, 1), date(2009, 4, 1), false, -1},
		{"Pico HSM DV", vecPicoDV, "ESPICOHSMCA00002", "ESPICOHSMDV00002", ECDSASHA256, "",
			OIDAuthenticationTerminal.String(), "8000000004", RoleDVDomestic, 0, date(2025, 4, 6), date(2026, 4, 6), false, -1},
		{"Pico HSM device", vecPicoDevice, "ESPICOHSMDV00002", "ESPICOHSMTRJZX1J", ECDSASHA256, "",
			OIDAuthenticationTerminal.String(), "00", RoleTerminal, 0, date(2025, 11, 28), date(2026, 11, 28), false, -1},
		{"Pico HSM terminal", vecPicoTerminal, "ESPICOHSMDV00002", "ESPICOHSMTRLRA4C", ECDSASHA256, "",
			OIDAuthenticationTerminal.String(), "00", RoleTerminal, 0, date(2025, 11, 28), date(2026, 11, 28), false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := mustHex(tt.hex)
			c, err := ParseCertificate(raw)
			if err != nil {
				t.Fatal(err)
			}
			if c.CAR != tt.car || c.CHR != tt.chr {
				t.Errorf("CAR %q CHR %q", c.CAR, c.CHR)
			}
			if c.PublicKey.Algorithm != tt.alg {
				t.Errorf("algorithm %s", c.PublicKey.Algorithm)
			}
			switch curve, err := c.PublicKey.Params.Curve(); {
			case tt.curve == "" && c.PublicKey.Params != nil:
				t.Errorf("unexpected domain parameters")
			case tt.curve == "unsupported" && !errors.Is(err, ErrUnsupported):
				t.Errorf("curve: %v, want ErrUnsupported", err)
			case tt.curve != "" && tt.curve != "unsupported" && (err != nil || curve.Params().Name != tt.curve):
				t.Errorf("curve %v, %v", curve, err)
			}
			if c.CHAT.Type.String() != tt.chatType || !bytes.Equal(c.CHAT.Authorization, mustHex(tt.auth)) {
				t.Errorf("CHAT %s %X", c.CHAT.Type, c.CHAT.Authorization)
			}
			if c.Role() != tt.role || c.CHAT.Rights() != tt.rights {
				t.Errorf("role %s rights %s", c.Role(), c.CHAT.Rights())
			}
			if !c.EffectiveDate.Equal(tt.eff) || !c.ExpirationDate.Equal(tt.exp) {
				t.Errorf("dates %s %s", c.EffectiveDate, c.ExpirationDate)
			}
			if tt.exts >= 0 && len(c.Extensions) != tt.exts || tt.exts < 0 && c.Extensions != nil {
				t.Errorf("extensions %v", c.Extensions)
			}
			if c.IsSelfSigned() != (tt.car == tt.chr) {
				t.Errorf("IsSelfSigned")
			}
			if tt.selfSigned {
				if err := c.CheckSignature(&c.PublicKey, nil); err != nil {
					t.Errorf("self-signature: %v", err)
				}
			}
			enc, err := c.Encode()
			if err != nil || !bytes.Equal(enc, raw) || !bytes.Equal(c.Raw, raw) {
				t.Fatalf("re-encoding differs: %v\n%X\n%X", err, enc, raw)
			}
			if body, err := c.EncodeBody(); err != nil || !bytes.Equal(body, c.RawBody) || !bytes.Contains(raw, body) {
				t.Errorf("body: %v", err)
			}
			if s := c.String(); s == "" {
				t.Error("no description")
			}
		})
	}
}

// The extension of the PersoSim example: one template with an OID and a
// data object 42.
func TestWorkedExtension(t *testing.T) {
	c, err := ParseCertificate(mustHex(vecPersoSimWithExtensions))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Extensions[0]
	if e.OID.String() != "0.4.0.127.0.7.3.1.2.2.1" || !bytes.Equal(e.Data, mustHex("420A00112233445566778899")) {
		t.Errorf("extension %s %X", e.OID, e.Data)
	}
	// The extension was added to a signed body: the signature no longer holds.
	full, _ := ParseCertificate(mustHex(vecPersoSimDETESTeID00004))
	if err := c.CheckSignature(&full.PublicKey, nil); !errors.Is(err, ErrBadSignature) {
		t.Errorf("doctored certificate: %v, want ErrBadSignature", err)
	}
}

// A DV key without domain parameters verifies its terminals' certificates
// with the parameters of the chain's CVCA, brainpoolP256r1 in the German
// test PKI (TR-03110 part 3 §D.3.3).
func TestWorkedInheritedParameters(t *testing.T) {
	dv, err := ParseCertificate(mustHex(vecAusweisAppDV))
	if err != nil {
		t.Fatal(err)
	}
	term, err := ParseCertificate(mustHex(vecAusweisAppTerminal))
	if err != nil {
		t.Fatal(err)
	}
	if dv.CAR != "DETESTeID00007" || dv.CHR != "DEDVtIDGVK300012" || term.CAR != dv.CHR || term.CHR != "DEDEMOPAA00466" {
		t.Fatalf("references %s→%s, %s→%s", dv.CAR, dv.CHR, term.CAR, term.CHR)
	}
	if dv.Role() != RoleDVForeign || term.Role() != RoleTerminal || len(term.Extensions) != 2 {
		t.Errorf("roles %s %s, %d extensions", dv.Role(), term.Role(), len(term.Extensions))
	}
	params, err := DomainParamsFor(brainpool.P256r1())
	if err != nil {
		t.Fatal(err)
	}
	if err := term.CheckSignature(&dv.PublicKey, params); err != nil {
		t.Errorf("terminal certificate: %v", err)
	}
	if err := term.CheckSignature(&dv.PublicKey, nil); !errors.Is(err, ErrNoDomainParameters) {
		t.Errorf("without parameters: %v", err)
	}
	p256, _ := DomainParamsFor(elliptic.P256())
	if err := term.CheckSignature(&dv.PublicKey, p256); err == nil {
		t.Errorf("verified on the wrong curve")
	}
	// The DV certificate issued by DETESTeID00007 does not verify with
	// another CVCA key.
	other, _ := ParseCertificate(mustHex(vecPersoSimDETESTeID00004))
	if err := dv.CheckSignature(&other.PublicKey, nil); !errors.Is(err, ErrBadSignature) {
		t.Errorf("DV under the wrong CVCA: %v", err)
	}
}

// The Pico HSM keys of DV and terminals are on secp256k1, which this
// package does not implement: they parse, and refuse to become keys.
func TestWorkedUnsupportedCurve(t *testing.T) {
	for _, h := range []string{vecPicoDV, vecPicoDevice, vecPicoTerminal} {
		c, err := ParseCertificate(mustHex(h))
		if err != nil {
			t.Fatal(err)
		}
		params, _ := DomainParamsFor(brainpool.P256r1())
		if _, err := c.PublicKey.CryptoPublicKey(params); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: secp256k1 point accepted on brainpoolP256r1: %v", c.CHR, err)
		}
	}
}

func TestWorkedRequests(t *testing.T) {
	t.Run("Pico HSM authenticated request", func(t *testing.T) {
		raw := mustHex(vecPicoRequest)
		r, err := ParseRequest(raw)
		if err != nil {
			t.Fatal(err)
		}
		if r.CAR != "ESPICOHSMTRJZX1J" || r.CHR != "ESPICOHSMTRJZX1J" || r.OuterCAR != "ESPICOHSMTRJZX1J" || !r.Authenticated() {
			t.Errorf("CAR %q CHR %q outer %q", r.CAR, r.CHR, r.OuterCAR)
		}
		if curve, err := r.PublicKey.Params.Curve(); err != nil || curve != brainpool.P256r1() {
			t.Errorf("curve %v %v", curve, err)
		}
		if err := r.CheckInnerSignature(); err != nil {
			t.Errorf("inner: %v", err)
		}
		// The outer signature is the device's, whose certificate the DV
		// issued; its key is on secp256k1 (see TestWorkedUnsupportedCurve).
		dev, _ := ParseCertificate(mustHex(vecPicoDevice))
		if dev.CHR != r.OuterCAR {
			t.Fatalf("device %s", dev.CHR)
		}
		if err := r.CheckOuterSignature(&r.PublicKey, nil); !errors.Is(err, ErrBadSignature) {
			t.Errorf("outer with the wrong key: %v", err)
		}
		if enc, err := r.Encode(); err != nil || !bytes.Equal(enc, raw) {
			t.Errorf("re-encoding: %v", err)
		}
		if inner, err := r.EncodeCertificate(); err != nil || !bytes.Equal(inner, r.RawCertificate) {
			t.Errorf("inner encoding: %v", err)
		}
		if _, err := ParseCertificate(r.RawCertificate); err == nil {
			t.Error("a request (no CHAT, no dates) parsed as a certificate")
		}
	})
	t.Run("Pico HSM P-256 request", func(t *testing.T) {
		raw := mustHex(vecPicoP256Request)
		r, err := ParseRequest(raw)
		if err != nil {
			t.Fatal(err)
		}
		if r.CAR != "UTCA00001" || r.CHR != "ESPICOHSMTR00001" || r.Authenticated() {
			t.Errorf("CAR %q CHR %q", r.CAR, r.CHR)
		}
		if r.CAR.Country() != "UT" || r.CHR.Country() != "ES" || r.CHR.Mnemonic() != "PICOHSMTR" || r.CHR.Sequence() != "00001" {
			t.Errorf("reference parts %q %q %q", r.CHR.Country(), r.CHR.Mnemonic(), r.CHR.Sequence())
		}
		pub, err := r.PublicKey.CryptoPublicKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		if k := pub.(*ecdsa.PublicKey); k.Curve.Params().Name != "P-256" {
			t.Errorf("curve %s", k.Curve.Params().Name)
		}
		if err := r.CheckInnerSignature(); err != nil {
			t.Errorf("inner: %v", err)
		}
		if enc, err := r.Encode(); err != nil || !bytes.Equal(enc, raw) {
			t.Errorf("re-encoding: %v", err)
		}
	})
	t.Run("Pico HSM CAR rewritten", func(t *testing.T) {
		r, err := ParseRequest(mustHex(vecPicoP256Rewritten))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.CheckInnerSignature(); !errors.Is(err, ErrBadSignature) {
			t.Errorf("inner: %v, want ErrBadSignature", err)
		}
	})
}
