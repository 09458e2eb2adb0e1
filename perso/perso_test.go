package perso

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
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
