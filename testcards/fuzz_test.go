package testcards

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/lds"
)

// FuzzParseImage: whatever a card image file holds, loading it never
// panics, and an image that loads runs the emulator through a reader's
// first commands without a panic either.
func FuzzParseImage(f *testing.F) {
	blank, _ := json.Marshal(NewBlankImage(ProfileCCCD))
	f.Add(blank)
	img := NewBlankImage(ProfileICAO)
	img.SetFile(lds.FIDCOM, false, []byte{0x60, 0x03, 1, 2, 3})
	img.SetFile(lds.FIDCardAccess, true, []byte{0x31, 0x00})
	img.Faults = Faults{TearAfter: 3, StatusWords: []StatusFault{{INS: "B0", SW: "6A82"}}, Withhold: []FileFault{{FID: "011E", SW: "6982"}}}
	full, _ := json.Marshal(img)
	f.Add(full)
	f.Add([]byte(`{"format":"cccd-card-image","version":1,"bac":{"document_number":"1"},"can":"123456","files":[{"fid":"011e","size":2,"data":"YAA="}]}`))
	f.Add([]byte(`{"format":"cccd-card-image","version":2,"files":[{"fid":"0101","size":-1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := ParseImage(b)
		if err != nil {
			return
		}
		img.Faults.DelayMS, img.Faults.HangAfter = 0, 0
		e := NewEmulator(img, "")
		e.PowerOn()
		for _, cmd := range []string{"00A4040C07A0000002471001", "00A4020C02011C", "00B0000000", "00B09E0000", "00A4020C02011E", "00B0000004", "00B1000003540101", "0084000008"} {
			raw, _ := apdu.ParseCommand(mustHex(cmd))
			b, _ := raw.Bytes()
			e.Transmit(b)
		}
	})
}

// FuzzVPCDFrames: the vpcd server reads length-prefixed frames from the
// driver; whatever arrives, it never panics and ends when the stream does.
func FuzzVPCDFrames(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0x01, 0x00, 0x01, 0x04, 0x00, 0x05, 0x00, 0xA4, 0x04, 0x00, 0x00})
	f.Add([]byte{0x00, 0x01, 0x07})
	f.Add([]byte{0xFF, 0xFF, 0x00})
	f.Add([]byte{0x00, 0x00})
	f.Fuzz(func(t *testing.T, stream []byte) {
		card, driver := net.Pipe()
		v := &VPCD{Applet: &Diag{}}
		done := make(chan error, 1)
		go func() { done <- v.serveConn(context.Background(), card) }()
		go io.Copy(io.Discard, driver)
		driver.SetWriteDeadline(time.Now().Add(2 * time.Second))
		driver.Write(stream)
		driver.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the vpcd server did not end with its stream")
		}
	})
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
