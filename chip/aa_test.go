package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/brainpool"
	"github.com/cccd-vn/cccd/lds"
)

// TestAARealCapture verifies the real passport's RSA-1792 answer (ISO/IEC
// 9796-2 with the SHA-256 trailer 34CC), replaying the protected INTERNAL
// AUTHENTICATE byte for byte.
func TestAARealCapture(t *testing.T) {
	b, _ := os.ReadFile("testdata/access/icao9303.json")
	var v struct {
		AA map[string]any `json:"active_authentication_rsa_gmrtd"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	get := func(k string) []byte { return hx(t, v.AA[k].(string)) }
	dg15, err := lds.ParseDG15(get("dg15"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := dg15.CryptoPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAA(pub, 0, get("rnd_ifd"), get("signature")); err != nil {
		t.Fatalf("real signature: %v", err)
	}
	other := append([]byte(nil), get("rnd_ifd")...)
	other[0] ^= 1
	if err := VerifyAA(pub, 0, other, get("signature")); !errors.Is(err, ErrAAFailed) {
		t.Fatalf("other challenge: %v", err)
	}
	// The whole exchange under 3DES SM, as captured.
	r := &replay{t: t}
	r.add(get("protected_cmd"), get("protected_rsp"))
	card := apdu.NewCard(r)
	sm, _ := apdu.NewSecureMessaging(card.Raw(), apdu.SM3DES, get("sm_3des_ks_enc"), get("sm_3des_ks_mac"), get("sm_ssc_before"))
	card.SetChannel(sm)
	if err := ActiveAuthenticate(card, pub, 0, bytes.NewReader(get("rnd_ifd"))); err != nil {
		t.Fatal(err)
	}
	r.done()
}

func TestAASignVerify(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bp, _ := ecdsa.GenerateKey(brainpool.P256r1(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tt := range []struct {
		name string
		priv crypto.PrivateKey
		pub  crypto.PublicKey
		h    crypto.Hash
	}{
		{"RSA-1024 SHA-1", rsaKey, &rsaKey.PublicKey, 0},
		{"P-256", p256, &p256.PublicKey, crypto.SHA256},
		{"brainpoolP256r1 SHA-1", bp, &bp.PublicKey, crypto.SHA1},
	} {
		challenge := []byte("12345678")
		sig, err := AASign(tt.priv, tt.h, challenge, rand.Reader)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if err := VerifyAA(tt.pub, tt.h, challenge, sig); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if err := VerifyAA(&other.PublicKey, tt.h, challenge, sig); err == nil {
			t.Fatalf("%s: verified with another key", tt.name)
		}
	}
}

func FuzzVerifyAA(f *testing.F) {
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	sig, _ := AASign(key, 0, []byte("12345678"), rand.Reader)
	f.Add(sig)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		VerifyAA(&key.PublicKey, 0, []byte("12345678"), b)
	})
}
