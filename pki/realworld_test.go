package pki

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The real-world files of /work/shared/realworld (see its README.md).
const realworld = "/work/shared/realworld"

func readRealWorld(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realworld, name))
	if err != nil {
		t.Skipf("real-world data not available: %v", err)
	}
	return b
}

// mlDate is a day on which the German master list (2026-05-28) and its
// signer (valid 2024-10-17 to 2028-10-17) are current.
var mlDate = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func TestGermanMasterList(t *testing.T) {
	ml, err := ParseMasterList(readRealWorld(t, "DE_ML_2026-05-28.ml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(ml.Summary())
	for _, s := range ml.Skipped {
		t.Logf("skipped %s", s)
	}
	if n := len(ml.Certificates); n < 580 || n+len(ml.Skipped) != 588 {
		t.Errorf("loaded %d, skipped %d", n, len(ml.Skipped))
	}
}
