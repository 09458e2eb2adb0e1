package lds

import (
	"bytes"
	"testing"
)

func TestCOMVectorAndRoundTrip(t *testing.T) {
	v := loadLDSVectors(t)
	b := ldsUnhex(t, v.SOD.EFCOM)
	c, err := ParseCOM(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.LDSVersion != "0107" || c.UnicodeVersion != "040000" || !bytes.Equal(c.Tags, []byte{0x61, 0x75, 0x63, 0x6E}) {
		t.Fatalf("%+v", c)
	}
	if got := c.DataGroups(); len(got) != 4 || got[3] != 14 {
		t.Errorf("DataGroups %v", got)
	}
	out, _ := c.Encode()
	if !bytes.Equal(out, b) {
		t.Fatalf("round trip % X", out)
	}
	n, err := NewCOM([]int{14, 2, 1, 3})
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := n.Encode(); !bytes.Equal(out, b) {
		t.Errorf("NewCOM % X", out)
	}
	for _, bad := range [][]int{{0}, {17}, {1, 1}} {
		if _, err := NewCOM(bad); err == nil {
			t.Errorf("NewCOM(%v) accepted", bad)
		}
	}
	for _, bad := range [][]byte{nil, {0x60, 0}, {0x60, 0x03, 0x5F, 0x01, 0x00}, b[:len(b)-1]} {
		if _, err := ParseCOM(bad); err == nil {
			t.Errorf("ParseCOM(% X) accepted", bad)
		}
	}
}

func FuzzParseCOM(f *testing.F) {
	f.Add([]byte{0x60, 0x16, 0x5F, 0x01, 0x04, 0x30, 0x31, 0x30, 0x37, 0x5F, 0x36, 0x06, 0x30, 0x34, 0x30, 0x30, 0x30, 0x30, 0x5C, 0x04, 0x61, 0x75, 0x63, 0x6E})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCOM(b)
		if err != nil {
			return
		}
		if out, err := c.Encode(); err == nil {
			if _, err := ParseCOM(out); err != nil {
				t.Fatal(err)
			}
		}
	})
}
