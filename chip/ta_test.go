package chip

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"math/big"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/cvc"
)

func taFixture(t testing.TB) (*cvc.Chain, *TAChip, []byte, []byte) {
	t.Helper()
	ch, err := cvc.NewTestChain(elliptic.P256(), "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	eph, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	point := ecPoint(&eph.PublicKey)
	id := []byte("099012345" + "3")
	ta, err := NewTAChip([]*cvc.Certificate{ch.CVCA}, ch.CVCA.EffectiveDate, id, point, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return ch, ta, id, point
}

func psoData(c *cvc.Certificate) []byte {
	return append(bytes.Clone(c.RawBody), apdu.EncodeTLV(0x5F37, c.Signature)...)
}

func dst(ref cvc.Reference) apdu.Command {
	return apdu.Command{INS: 0x22, P1: 0x81, P2: 0xB6, Data: apdu.EncodeTLV(0x83, []byte(ref))}
}

// TestTAChipSequence walks the chip side command by command: the order
// TR-03110 part 3 §B.3 gives, and what it refuses out of order.
func TestTAChipSequence(t *testing.T) {
	ch, ta, id, point := taFixture(t)
	pso := func(c *cvc.Certificate) apdu.SW {
		return ta.VerifyCertificate(apdu.Command{INS: 0x2A, P2: 0xBE, Data: psoData(c)}).SW
	}
	setAT := apdu.Command{INS: 0x22, P1: 0x81, P2: 0xA4, Data: apdu.EncodeTLV(0x83, []byte(ch.IS.CHR))}
	steps := []struct {
		name string
		run  func() apdu.SW
		want apdu.SW
	}{
		{"PSO before any MSE:Set DST", func() apdu.SW { return pso(ch.DV) }, apdu.SWConditionsNotSatisfied},
		{"MSE:Set DST of an unknown key", func() apdu.SW { return ta.SetDST(dst("VNDV00001")).SW }, apdu.SWReferencedDataNotFound},
		{"MSE:Set DST without 83", func() apdu.SW { return ta.SetDST(apdu.Command{Data: []byte{0x84, 0x01, 0x00}}).SW }, apdu.SWWrongData},
		{"MSE:Set AT before the chain", func() apdu.SW { return ta.SetAT(setAT).SW }, apdu.SWReferencedDataNotFound},
		{"MSE:Set DST of the trust point", func() apdu.SW { return ta.SetDST(dst(ch.CVCA.CHR)).SW }, apdu.SWSuccess},
		{"PSO of the IS under the CVCA key", func() apdu.SW { return pso(ch.IS) }, apdu.SWReferencedDataNotFound},
		{"PSO again without MSE:Set DST", func() apdu.SW { return pso(ch.DV) }, apdu.SWConditionsNotSatisfied},
		{"MSE:Set DST of the trust point again", func() apdu.SW { return ta.SetDST(dst(ch.CVCA.CHR)).SW }, apdu.SWSuccess},
		{"PSO of garbage", func() apdu.SW {
			return ta.VerifyCertificate(apdu.Command{INS: 0x2A, P2: 0xBE, Data: []byte{0x7F, 0x4E, 0x01}}).SW
		}, apdu.SWWrongData},
		{"MSE:Set DST of the trust point, third", func() apdu.SW { return ta.SetDST(dst(ch.CVCA.CHR)).SW }, apdu.SWSuccess},
		{"PSO with P2 other than BE", func() apdu.SW {
			return ta.VerifyCertificate(apdu.Command{INS: 0x2A, P2: 0xBF, Data: psoData(ch.DV)}).SW
		}, apdu.SWIncorrectP1P2},
		{"PSO of the DV", func() apdu.SW { return pso(ch.DV) }, apdu.SWSuccess},
		{"MSE:Set DST of the DV", func() apdu.SW { return ta.SetDST(dst(ch.DV.CHR)).SW }, apdu.SWSuccess},
		{"PSO of the IS", func() apdu.SW { return pso(ch.IS) }, apdu.SWSuccess},
		{"EXTERNAL AUTHENTICATE before MSE:Set AT", func() apdu.SW { return ta.ExternalAuthenticate(apdu.Command{Data: []byte{1}}).SW }, apdu.SWConditionsNotSatisfied},
		{"MSE:Set AT of another key", func() apdu.SW {
			return ta.SetAT(apdu.Command{Data: apdu.EncodeTLV(0x83, []byte(ch.DV.CHR))}).SW
		}, apdu.SWReferencedDataNotFound},
		{"MSE:Set AT", func() apdu.SW { return ta.SetAT(setAT).SW }, apdu.SWSuccess},
		{"EXTERNAL AUTHENTICATE before GET CHALLENGE", func() apdu.SW { return ta.ExternalAuthenticate(apdu.Command{Data: []byte{1}}).SW }, apdu.SWConditionsNotSatisfied},
		{"GET CHALLENGE of 4 bytes", func() apdu.SW { return ta.GetChallenge(apdu.Command{INS: 0x84, Ne: 4}).SW }, apdu.SWWrongLength},
	}
	for _, s := range steps {
		if got := s.run(); got != s.want {
			t.Fatalf("%s: %04X, want %04X", s.name, uint16(got), uint16(s.want))
		}
	}
	if ta.Rights() != 0 || ta.Authenticated() {
		t.Fatal("rights before EXTERNAL AUTHENTICATE")
	}
	r := ta.GetChallenge(apdu.Command{INS: 0x84, Ne: 8})
	comp, _ := cvc.CompressECPoint(point)
	sig, err := cvc.SignTA(ch.ISKey, ch.IS.PublicKey.Algorithm, id, r.Data, comp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sw := ta.ExternalAuthenticate(apdu.Command{INS: 0x82, Data: sig}).SW; sw != apdu.SWSuccess {
		t.Fatalf("EXTERNAL AUTHENTICATE: %04X", uint16(sw))
	}
	if ta.Rights() != cvc.ReadDG3|cvc.ReadDG4 || !ta.Authenticated() {
		t.Fatalf("rights %s", ta.Rights())
	}
	// Done: no second chain in this session.
	if sw := ta.SetDST(dst(ch.CVCA.CHR)).SW; sw != apdu.SWConditionsNotSatisfied {
		t.Fatalf("MSE:Set DST after success: %04X", uint16(sw))
	}
	tps, date, changed := ta.State()
	if len(tps) != 1 || !date.Equal(cvc.Day(time.Now())) || changed {
		t.Fatalf("state %d %s %v", len(tps), date, changed)
	}
	if _, err := NewTAChip(nil, time.Now(), id, point, rand.Reader); err == nil {
		t.Fatal("a chip without trust point")
	}
}

// TestCompressKey: Comp() is the x-coordinate of an EC point and SHA-1 of
// a DH value (TR-03110 part 3 §A.2.2.3).
func TestCompressKey(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	g := &ecGroup{curve: elliptic.P256()}
	if got := compressKey(g, ecPoint(&k.PublicKey)); !bytes.Equal(got, k.X.FillBytes(make([]byte, 32))) {
		t.Fatalf("EC: % X", got)
	}
	dh, err := paceGroupFor(0) // 1024-bit MODP (RFC 5114 §2.1)
	if err != nil {
		t.Fatal(err)
	}
	y := big.NewInt(12345).FillBytes(make([]byte, 128))
	want := sha1.Sum(y)
	if got := compressKey(dh, y); !bytes.Equal(got, want[:]) {
		t.Fatalf("DH: % X", got)
	}
}

// FuzzTAChip: whatever the terminal sends, the chip side never panics and
// grants nothing without a valid signature.
func FuzzTAChip(f *testing.F) {
	ch, _, _, _ := taFixture(f)
	f.Add(dst(ch.CVCA.CHR).Data, psoData(ch.DV), []byte{0x83, 0x01, 0x41}, []byte{0x01})
	f.Add([]byte{0x83, 0x00}, []byte{0x7F, 0x4E, 0x82, 0xFF, 0xFF}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, d, p, at, sig []byte) {
		_, ta, _, _ := taFixture(t)
		ta.SetDST(apdu.Command{INS: 0x22, P1: 0x81, P2: 0xB6, Data: d})
		ta.VerifyCertificate(apdu.Command{INS: 0x2A, P2: 0xBE, Data: p})
		ta.SetDST(dst(ch.CVCA.CHR))
		ta.VerifyCertificate(apdu.Command{INS: 0x2A, P2: 0xBE, Data: p})
		ta.SetAT(apdu.Command{INS: 0x22, P1: 0x81, P2: 0xA4, Data: at})
		ta.GetChallenge(apdu.Command{INS: 0x84, Ne: 8})
		ta.ExternalAuthenticate(apdu.Command{INS: 0x82, Data: sig})
		if ta.Rights() != 0 {
			t.Fatal("rights granted to fuzz input")
		}
	})
}
