package personalize_test

import (
	"bytes"
	"crypto/elliptic"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

// withFingerprints adds the samples' synthetic fingerprints to the
// fixture's records (fp/<id>_<finger>.png).
func withFingerprints(t *testing.T, f *fixture) {
	t.Helper()
	b, err := os.ReadFile(f.input)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(f.dir, "fp"), 0o755)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r citizen.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		fps, err := testcards.Fingerprints(r.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		for _, fp := range fps {
			rel := filepath.Join("fp", r.IDNumber+"_"+fp.Finger+".png")
			os.WriteFile(filepath.Join(f.dir, rel), fp.Image, 0o644)
			r.Fingerprints = append(r.Fingerprints, citizen.Fingerprint{Finger: fp.Finger, Image: rel})
		}
		j, _ := json.Marshal(r)
		out = append(out, string(j))
	}
	os.WriteFile(f.input, []byte(strings.Join(out, "\n")+"\n"), 0o644)
}

// TestBatchEAC: a batch with fingerprints and a CVCA writes DG3 and the
// trust point, reads DG3 back through terminal authentication before
// LOCK, and the counter's terminal then reads and hash-checks it.
func TestBatchEAC(t *testing.T) {
	f := newFixture(t, 2)
	withFingerprints(t, f)
	ch, err := cvc.NewTestChain(elliptic.P256(), "VN", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	term := &cvc.Terminal{CVCA: ch.CVCA, DV: ch.DV, IS: ch.IS, Key: ch.ISKey}
	b, j := f.batch(t, false)
	b.Personalizer.EAC = &personalize.EAC{TrustPoint: ch.CVCA, Terminal: term}
	sum, err := b.Run(ctx, &emuSource{dir: filepath.Join(f.dir, "cards")})
	if err != nil || sum.Done != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	f.verifyAll(t, j)
	matches, _ := filepath.Glob(filepath.Join(f.dir, "cards", "*.card"))
	for _, path := range matches {
		img, err := testcards.LoadImage(path)
		if err != nil {
			t.Fatal(err)
		}
		if img.EAC == nil || !bytes.Equal(img.EAC.TrustPoints[0], ch.CVCA.Raw) {
			t.Fatalf("%s: no trust point", path)
		}
		id := strings.TrimSuffix(filepath.Base(path), ".card")
		rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), verify.Input{Secret: lds.Secret{CAN: id[6:]}}, verify.Options{Trust: f.trust(t), Terminal: term})
		if err != nil || !rep.IsGenuine() {
			t.Fatalf("%s: %v %v", id, err, rep.Summary())
		}
		d, err := lds.ParseDG3(rep.Raw["DG3"])
		if err != nil || len(d.Images()) != 2 {
			t.Fatalf("%s: DG3 %v", id, err)
		}
		want, _ := testcards.Fingerprints(id)
		if !bytes.Equal(d.Images()[0].Image, want[0].Image) {
			t.Fatalf("%s: the right index differs from the input", id)
		}
	}
}

// TestFingerprintValidation: bad fingerprint entries are refused with the
// field, before any card is touched.
func TestFingerprintValidation(t *testing.T) {
	dir := t.TempDir()
	fp, _ := testcards.FingerprintPNG(1)
	os.WriteFile(filepath.Join(dir, "ok.png"), fp, 0o644)
	os.WriteFile(filepath.Join(dir, "face.jpg"), []byte("\xFF\xD8\xFF\xE0 not a finger"), 0o644)
	os.WriteFile(filepath.Join(dir, "big.png"), append(bytes.Clone(fp), make([]byte, personalize.MaxFingerprintSize)...), 0o644)
	v := &personalize.Validator{BaseDir: dir}
	for _, tt := range []struct {
		fps  []citizen.Fingerprint
		want string
	}{
		{[]citizen.Fingerprint{{Finger: "right_index", Image: "ok.png"}, {Finger: "left_index", Image: "ok.png"}}, ""},
		{[]citizen.Fingerprint{{Finger: "right_toe", Image: "ok.png"}}, "[0].finger"},
		{[]citizen.Fingerprint{{Finger: "right_index", Image: "ok.png"}, {Finger: "Right Index", Image: "ok.png"}}, "given twice"},
		{[]citizen.Fingerprint{{Finger: "left_index", Image: ""}}, "[0].image: missing"},
		{[]citizen.Fingerprint{{Finger: "left_index", Image: "none.png"}}, "does not exist"},
		{[]citizen.Fingerprint{{Finger: "left_index", Image: "face.jpg"}}, "neither PNG nor JPEG 2000"},
		{[]citizen.Fingerprint{{Finger: "left_index", Image: "big.png"}}, "at most 100 KB"},
		{[]citizen.Fingerprint{{Finger: "left_index", Image: "."}}, "not a regular file"},
	} {
		err := v.CheckFingerprints(tt.fps)
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.fps, err, tt.want)
		}
	}
}
