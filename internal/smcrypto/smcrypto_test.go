package smcrypto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestCMACRFC4493 checks the four examples of RFC 4493 §4.
func TestCMACRFC4493(t *testing.T) {
	key := h("2b7e151628aed2a6abf7158809cf4f3c")
	msg := h("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710")
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "bb1d6929e95937287fa37d129b756746"},
		{16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"},
		{64, "51f0bebf7e3b9d92fc49741779363cfe"},
	} {
		got, err := CMAC(key, msg[:tt.n])
		if err != nil || !bytes.Equal(got, h(tt.want)) {
			t.Errorf("CMAC(%d bytes) = %x, %v; want %s", tt.n, got, err, tt.want)
		}
	}
}

// TestRetailMACICAO checks the MAC of ICAO 9303-11 Appendix D.3 (BAC):
// MAC over E_IFD with K_MAC.
func TestRetailMACICAO(t *testing.T) {
	kmac := h("7962D9ECE03D1ACD4C76089DCE131543")
	eifd := h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
	got, err := RetailMAC(kmac, Pad(eifd, 8))
	if err != nil || !bytes.Equal(got, h("5F1448EEA8AD90A7")) {
		t.Fatalf("RetailMAC = %X, %v", got, err)
	}
	// Appendix D.4: SELECT EF.COM command MAC.
	got, _ = RetailMAC(h("F1CB1F1FB5ADF208806B89DC579DC1F8"), h("887022120C06C2270CA4020C800000008709016375432908C044F68000000000"))
	if !bytes.Equal(got, h("BF8B92D635FF24F8")) {
		t.Fatalf("D.4 MAC = %X", got)
	}
	if _, err := RetailMAC(kmac, []byte{1, 2, 3}); err == nil {
		t.Fatal("unpadded input accepted")
	}
}

func TestTDESAppendixD(t *testing.T) {
	// E_IFD = 3DES(K_ENC, S) with IV zero (D.3).
	b, err := NewTDES(h("AB94FDECF2674FDFB9B391F85D7F76F2"))
	if err != nil {
		t.Fatal(err)
	}
	s := h("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B")
	enc, _ := EncryptCBC(b, make([]byte, 8), s)
	if !bytes.Equal(enc, h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")) {
		t.Fatalf("E_IFD = %X", enc)
	}
	dec, _ := DecryptCBC(b, make([]byte, 8), enc)
	if !bytes.Equal(dec, s) {
		t.Fatal("decrypt")
	}
}

func TestPadUnpad(t *testing.T) {
	for _, tt := range []struct{ in, out string }{
		{"", "8000000000000000"},
		{"011E", "011E800000000000"},
		{"0102030405060708", "01020304050607088000000000000000"},
	} {
		p := Pad(h(tt.in), 8)
		if !bytes.Equal(p, h(tt.out)) {
			t.Errorf("Pad(%s) = %X", tt.in, p)
		}
		u, err := Unpad(p)
		if err != nil || !bytes.Equal(u, h(tt.in)) {
			t.Errorf("Unpad(%X) = %X, %v", p, u, err)
		}
	}
	for _, bad := range []string{"", "0000", "0102", "80FF"} {
		if _, err := Unpad(h(bad)); !errors.Is(err, ErrPadding) {
			t.Errorf("Unpad(%s) = %v", bad, err)
		}
	}
}

func TestAdjustParity(t *testing.T) {
	// ICAO 9303-11 D.1: KDF output before and after parity adjustment.
	got := AdjustParity(h("AB94FCEDF2664EDFB9B291F85D7F77F2"))
	if !bytes.Equal(got, h("AB94FDECF2674FDFB9B391F85D7F76F2")) {
		t.Fatalf("AdjustParity = %X", got)
	}
}
