package cvc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
)

func TestIDPICC(t *testing.T) {
	// ICAO Doc 9303 specimen passport: document number L898902C, MRZ
	// field "L898902C<" and check digit 3.
	for in, want := range map[string]string{"L898902C": "L898902C<3", "L898902C<": "L898902C<3", "D23145890": "D231458907", "AB1234567890": "AB1234567<"} {
		got, err := IDPICCFromDocumentNumber(in)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
	if _, err := IDPICCFromDocumentNumber("l898902c"); err == nil {
		t.Error("lower case accepted")
	}
	pt := append([]byte{4}, bytes.Repeat([]byte{0xAA}, 32)...)
	pt = append(pt, bytes.Repeat([]byte{0xBB}, 32)...)
	id, err := IDPICCFromPACE(pt)
	if err != nil || !bytes.Equal(id, bytes.Repeat([]byte{0xAA}, 32)) {
		t.Errorf("Comp: %X %v", id, err)
	}
	for _, bad := range [][]byte{nil, {4}, pt[1:], append([]byte{2}, pt[1:33]...)} {
		if _, err := CompressECPoint(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("% X compressed", bad)
		}
	}
}

func TestTASignature(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		is, _ := ecdsa.GenerateKey(curve, rand.Reader)
		eph, _ := ecdsa.GenerateKey(curve, rand.Reader)
		comp, err := CompressECPoint(encodePoint(curve, eph.X, eph.Y))
		if err != nil || len(comp) != 32 {
			t.Fatal(err)
		}
		id, _ := IDPICCFromDocumentNumber("C01X00T47")
		r := []byte{0x79, 0x1E, 0xF1, 0x24, 0xC7, 0x7D, 0x49, 0x08}
		aux := mustHex("67177315060904007F00070301040253083230323130353036")
		if m := TAMessage(id, r, comp, aux); !bytes.Equal(m, bytes.Join([][]byte{id, r, comp, aux}, nil)) {
			t.Fatal("message is not the concatenation")
		}
		for _, a := range [][]byte{nil, aux} {
			sig, err := SignTA(is, ECDSASHA256, id, r, comp, a)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != 64 {
				t.Errorf("plain signature of %d octets", len(sig))
			}
			if err := VerifyTA(&is.PublicKey, ECDSASHA256, id, r, comp, a, sig); err != nil {
				t.Error(err)
			}
			r2 := append([]byte(nil), r...)
			r2[0] ^= 1
			if err := VerifyTA(&is.PublicKey, ECDSASHA256, id, r2, comp, a, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("another challenge: %v", err)
			}
			if err := VerifyTA(&is.PublicKey, ECDSASHA256, id, r, comp, []byte{0x67, 0}, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("other auxiliary data: %v", err)
			}
			if err := VerifyTA(&is.PublicKey, ECDSASHA384, id, r, comp, a, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("another hash: %v", err)
			}
		}
	})
}
