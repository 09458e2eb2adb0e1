package verify

import "testing"

func TestAlpha2(t *testing.T) {
	for in, want := range map[string]string{
		"VNM": "VN", "IDN": "ID", "DEU": "DE", "D<<": "DE", "D": "DE", "GBD": "GB", "GBR": "GB",
		"FRA": "FR", "UTO": "UT", "LAO": "LA", "KHM": "KH", "USA": "US", "ZZZ": "ZZZ", "QQQ": "QQQ",
	} {
		if got := alpha2(in); got != want {
			t.Errorf("alpha2(%q) = %q, want %q", in, got, want)
		}
	}
}
