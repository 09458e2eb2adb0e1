package chip

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/json"
	"os"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/internal/brainpool"
	"github.com/cccd-vn/cccd/lds"
)

// TestChipAuthenticationRealPassport replays a real passport's Chip
// Authentication (ECDH on brainpoolP256r1, AES-128) byte for byte: the
// protected MSE:Set AT and GENERAL AUTHENTICATE under the PACE keys, then
// a SELECT under the new keys with the SSC restarted.
func TestChipAuthenticationRealPassport(t *testing.T) {
	b, err := os.ReadFile("testdata/access/icao9303.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		CA struct {
			ChipKey  string                      `json:"chip_ca_public_key"`
			TermPriv string                      `json:"terminal_private"`
			Before   map[string]string           `json:"sm_before"`
			After    map[string]string           `json:"sm_after"`
			APDUs    []struct{ Cmd, Rsp string } `json:"apdus"`
		} `json:"chip_authentication_gmrtd_AT_session"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	curve := brainpool.P256r1()
	g := &ecGroup{curve: curve}
	x, y, err := g.decode(hx(t, v.CA.ChipKey))
	if err != nil {
		t.Fatal(err)
	}
	r := &replay{t: t}
	for _, a := range v.CA.APDUs {
		r.add(hx(t, a.Cmd), hx(t, a.Rsp))
	}
	card := apdu.NewCard(r)
	sm, err := apdu.NewSecureMessaging(card.Raw(), apdu.SMAES, hx(t, v.CA.Before["ks_enc"]), hx(t, v.CA.Before["ks_mac"]), hx(t, v.CA.Before["ssc"]))
	if err != nil {
		t.Fatal(err)
	}
	card.SetChannel(sm)
	p := CAParams{Protocol: lds.OIDCAECDHAES128, Key: &ecdsa.PublicKey{Curve: curve, X: x, Y: y}}
	if err := StartChipAuthentication(card, p, bytes.NewReader(hx(t, v.CA.TermPriv))); err != nil {
		t.Fatal(err)
	}
	if _, err := card.Send(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x0E}}); err != nil {
		t.Fatal(err)
	}
	r.done()
}
