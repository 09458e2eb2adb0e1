package apdu

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

func TestCommandEncodeDecode(t *testing.T) {
	data255 := bytes.Repeat([]byte{0xAB}, 255)
	data256 := bytes.Repeat([]byte{0xCD}, 256)
	data65535 := bytes.Repeat([]byte{0xEF}, 65535)
	tests := []struct {
		name string
		cmd  Command
		want []byte
	}{
		{"case 1", Command{CLA: 0x00, INS: 0xA4, P1: 0x00, P2: 0x0C}, h("00A4000C")},
		{"case 2 short Ne=1", Command{INS: 0xB0, Ne: 1}, h("00B0000001")},
		{"case 2 short Ne=255", Command{INS: 0xB0, Ne: 255}, h("00B00000FF")},
		{"case 2 short Ne=256", Command{INS: 0xB0, Ne: 256}, h("00B0000000")},
		{"case 2 extended Ne=257", Command{INS: 0xB0, Ne: 257}, h("00B00000000101")},
		{"case 2 extended Ne=65535", Command{INS: 0xB0, Ne: 65535}, h("00B0000000FFFF")},
		{"case 2 extended Ne=65536", Command{INS: 0xB0, Ne: 65536}, h("00B00000000000")},
		{"case 2 forced extended", Command{INS: 0xB0, Ne: 4, Extended: true}, h("00B00000000004")},
		{"case 3 short", Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: h("A0000002471001")}, h("00A4040C07A0000002471001")},
		{"case 3 short 255", Command{INS: 0xD6, Data: data255}, append(h("00D60000FF"), data255...)},
		{"case 3 extended 256", Command{INS: 0xD6, Data: data256}, append(h("00D6000000 0100"), data256...)},
		{"case 3 extended 65535", Command{INS: 0xD6, Data: data65535}, append(h("00D6000000FFFF"), data65535...)},
		{"case 4 short", Command{INS: 0x88, Data: h("0102030405060708"), Ne: 256}, h("0088000008010203040506070800")},
		{"case 4 extended Ne", Command{INS: 0x88, Data: h("01"), Ne: 65536}, h("008800000000010100 00")},
		{"case 4 extended data", Command{INS: 0x88, Data: data256, Ne: 1}, append(append(h("00880000000100"), data256...), 0x00, 0x01)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("Bytes() = %X\nwant      %X", got, tt.want)
			}
			back, err := ParseCommand(got)
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if back.CLA != tt.cmd.CLA || back.INS != tt.cmd.INS || back.P1 != tt.cmd.P1 || back.P2 != tt.cmd.P2 ||
				!bytes.Equal(back.Data, tt.cmd.Data) || back.Ne != tt.cmd.Ne || back.IsExtended() != tt.cmd.IsExtended() {
				t.Fatalf("round trip: got %+v", back)
			}
		})
	}
}

func TestCommandEncodeLimits(t *testing.T) {
	for _, c := range []Command{
		{INS: 0xD6, Data: make([]byte, 65536)},
		{INS: 0xB0, Ne: 65537},
		{INS: 0xB0, Ne: -1},
	} {
		if _, err := c.Bytes(); err == nil {
			t.Errorf("Bytes() of %d data bytes, Ne %d: no error", len(c.Data), c.Ne)
		}
	}
}

func TestParseCommandMalformed(t *testing.T) {
	for _, s := range []string{
		"", "00", "00A400",
		"00A4040C05A000",         // Lc says 5, 2 follow
		"00A4040C02A00000AA",     // Lc 2, then 3 more
		"00B0000000",             // valid (case 2 short Ne=256) — checked below not to be here
		"00B000000001",           // extended header truncated
		"00D6000000000001",       // extended Lc 0
		"00D6000000000301020304", // extended Lc 3, 4 follow
	} {
		_, err := ParseCommand(h(s))
		if s == "00B0000000" {
			if err != nil {
				t.Errorf("ParseCommand(%s): %v", s, err)
			}
			continue
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseCommand(%s) = %v, want ErrMalformed", s, err)
		}
	}
}

func TestCommandName(t *testing.T) {
	for ins, want := range map[byte]string{0xA4: "SELECT", 0xB0: "READ BINARY", 0xB1: "READ BINARY", 0x87: "GENERAL AUTHENTICATE", 0x5A: "INS 5a"} {
		if got := (Command{INS: ins}).Name(); got != want {
			t.Errorf("Name(%02X) = %q, want %q", ins, got, want)
		}
	}
}

func TestStatusErrors(t *testing.T) {
	cmd := Command{INS: 0xB0}
	err := Response{SW: 0x6982}.Err(cmd)
	if !errors.Is(err, ErrSecurityStatus) || errors.Is(err, ErrFileNotFound) {
		t.Fatalf("errors.Is wrong for %v", err)
	}
	if got, want := err.Error(), "READ BINARY: security status not satisfied (SW 6982)"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.SW != 0x6982 {
		t.Fatalf("errors.As: %v", se)
	}
	retry := Response{SW: 0x63C2}.Err(Command{INS: 0x20})
	if !errors.Is(retry, ErrVerificationFailed) {
		t.Fatal("63C2 is not ErrVerificationFailed")
	}
	if !errors.As(retry, &se) || se.SW != 0x63C2 {
		t.Fatal("errors.As 63C2")
	}
	if n, ok := se.Retries(); !ok || n != 2 {
		t.Fatalf("Retries() = %d, %v", n, ok)
	}
	if !strings.Contains(retry.Error(), "2 tries left") {
		t.Fatalf("Error() = %q", retry.Error())
	}
	for _, sw := range []SW{0x6D00, 0x6E00, 0x6A81} {
		if !IsUnsupported(Response{SW: sw}.Err(cmd)) {
			t.Errorf("%s not unsupported", sw)
		}
	}
	if (Response{SW: 0x9000}).Err(cmd) != nil {
		t.Fatal("9000 is an error")
	}
	if _, err := ParseResponse(h("90")); !errors.Is(err, ErrMalformed) {
		t.Fatal("1-byte response accepted")
	}
}
