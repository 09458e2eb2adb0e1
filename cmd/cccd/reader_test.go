package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/apdu/pcsc"
)

// TestChooseReader: the reader used when none is named — the only one,
// or for a one-shot command the only one with a card; anything else is
// said, with the readers listed.
func TestChooseReader(t *testing.T) {
	one := []pcsc.Reader{{Index: 0, Name: "ACS ACR1252 PICC"}}
	two := []pcsc.Reader{{Index: 0, Name: "Virtual PCD 00 00"}, {Index: 1, Name: "Virtual PCD 00 01", CardPresent: true}}
	both := []pcsc.Reader{{Index: 0, Name: "A", CardPresent: true}, {Index: 1, Name: "B", CardPresent: true}}
	for _, tc := range []struct {
		readers []pcsc.Reader
		byCard  bool
		name    string
		why     string
		err     string
	}{
		{one, false, "ACS ACR1252 PICC", "the only reader", ""},
		{one, true, "ACS ACR1252 PICC", "the only reader", ""},
		{two, true, "Virtual PCD 00 01", "the only reader with a card", ""},
		{two, false, "", "", `--reader is required: 2 readers (0: "Virtual PCD 00 00", 1: "Virtual PCD 00 01")`},
		{both, true, "", "", `2 readers, 2 with a card (0: "A", 1: "B")`},
		{nil, true, "", "", "no smart card reader found"},
	} {
		name, why, err := chooseReader(tc.readers, tc.byCard)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v byCard=%v: err %v, want %q", tc.readers, tc.byCard, err, tc.err)
			}
			continue
		}
		if err != nil || name != tc.name || why != tc.why {
			t.Errorf("%v byCard=%v: %q %q %v, want %q %q", tc.readers, tc.byCard, name, why, err, tc.name, tc.why)
		}
	}
	if _, _, err := chooseReader(nil, false); !errors.Is(err, pcsc.ErrNoReaders) {
		t.Errorf("no readers: %v", err)
	}
}
