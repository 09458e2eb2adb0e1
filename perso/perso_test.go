package perso

import (
	"bytes"
	"crypto/elliptic"
	"errors"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
)

// TestCreateFileSizes: the base form (two size bytes) up to 65535, the
// three-byte extension beyond; both parse back to the same command.
func TestCreateFileSizes(t *testing.T) {
	for _, tt := range []struct {
		c    CreateFile
		data []byte
	}{
		{CreateFile{FID: 0x0101, Size: 90}, []byte{0x63, 0x04, 0x00, 0x5A, 0x01, 0x01}},
		{CreateFile{FID: 0x0102, Size: 0xFFFF}, []byte{0x63, 0x04, 0xFF, 0xFF, 0x01, 0x02}},
		{CreateFile{FID: 0x0102, Size: 102500}, []byte{0x63, 0x05, 0x01, 0x90, 0x64, 0x01, 0x02}},
		{CreateFile{FID: 0x011C, Size: 0x10000, MasterFile: true}, []byte{0x63, 0x05, 0x01, 0x00, 0x00, 0x01, 0x1C}},
	} {
		cmd := tt.c.APDU()
		if !bytes.Equal(cmd.Data, tt.data) {
			t.Fatalf("%+v: data % X, want % X", tt.c, cmd.Data, tt.data)
		}
		got, err := Parse(cmd)
		if err != nil || got != tt.c {
			t.Fatalf("%+v: parsed %+v %v", tt.c, got, err)
		}
	}
	var pe *Error
	if _, err := Parse(apdu.Command{INS: INSCreateFile, Data: []byte{0x63, 0x05, 0, 1, 0x01, 0x02}}); !errors.As(err, &pe) || pe.SW != apdu.SWWrongData {
		t.Fatalf("short 63 05: %v", err)
	}
}

// TestUpdateBinaryOffsets: even INS up to 32767, odd INS with DO 54 beyond.
func TestUpdateBinaryOffsets(t *testing.T) {
	for _, off := range []int{0, 0x7FFF, 0x8000, 102399} {
		c := UpdateBinary{Offset: off, Data: []byte{1, 2, 3}}
		cmd := c.APDU()
		if wantOdd := off > MaxEvenOffset; (cmd.INS == INSUpdateBinaryOdd) != wantOdd || cmd.P1&0x80 != 0 {
			t.Fatalf("offset %d: INS %02X P1 %02X", off, cmd.INS, cmd.P1)
		}
		got, err := Parse(cmd)
		if err != nil || got.(UpdateBinary).Offset != off || !bytes.Equal(got.(UpdateBinary).Data, c.Data) {
			t.Fatalf("offset %d: parsed %+v %v", off, got, err)
		}
	}
}

// TestPutTrustPoint: PUT DATA 64 carries a whole CV certificate in slot 1
// or 2 (P1) and parses back; anything else is refused with the status word
// the card answers.
func TestPutTrustPoint(t *testing.T) {
	ch, err := cvc.NewTestChain(elliptic.P256(), "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := PutTrustPoint{Slot: 2, Certificate: ch.CVCA.Raw}
	cmd := c.APDU()
	if cmd.INS != 0xDA || cmd.P1 != 0x02 || cmd.P2 != 0x64 || !bytes.Equal(cmd.Data, ch.CVCA.Raw) {
		t.Fatalf("APDU %s", cmd)
	}
	got, err := Parse(cmd)
	if err != nil || got.(PutTrustPoint).Slot != 2 || !bytes.Equal(got.(PutTrustPoint).Certificate, ch.CVCA.Raw) {
		t.Fatalf("parsed %+v %v", got, err)
	}
	for name, tt := range map[string]struct {
		cmd apdu.Command
		sw  apdu.SW
	}{
		"slot 0":        {apdu.Command{INS: 0xDA, P1: 0, P2: 0x64, Data: ch.CVCA.Raw}, apdu.SWIncorrectP1P2},
		"slot 3":        {apdu.Command{INS: 0xDA, P1: 3, P2: 0x64, Data: ch.CVCA.Raw}, apdu.SWIncorrectP1P2},
		"body only":     {apdu.Command{INS: 0xDA, P1: 1, P2: 0x64, Data: ch.CVCA.RawBody}, apdu.SWWrongData},
		"trailing byte": {apdu.Command{INS: 0xDA, P1: 1, P2: 0x64, Data: append(bytes.Clone(ch.CVCA.Raw), 0)}, apdu.SWWrongData},
	} {
		var pe *Error
		if _, err := Parse(tt.cmd); !errors.As(err, &pe) || pe.SW != tt.sw {
			t.Errorf("%s: %v, want %04X", name, err, uint16(tt.sw))
		}
	}
	// In the script after the CA key, before the files; at most two.
	doc := &lds.Document{Files: map[uint16][]byte{0x011E: {0x60, 0}}, Secret: lds.Secret{DocumentNumber: "1", DateOfBirth: "990101", DateOfExpiry: "300101"}}
	cmds, err := Script(doc, Keys{TrustPoints: [][]byte{ch.CVCA.Raw}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tp, ok := cmds[2].(PutTrustPoint); !ok || tp.Slot != 1 {
		t.Fatalf("script: %v", cmds)
	}
	if _, err := Script(doc, Keys{TrustPoints: [][]byte{ch.CVCA.Raw, ch.CVCA.Raw, ch.CVCA.Raw}}, 0); err == nil {
		t.Fatal("three trust points")
	}
}
