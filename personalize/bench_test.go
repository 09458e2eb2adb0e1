package personalize_test

import (
	"crypto"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/personalize"
	"github.com/cccd-vn/cccd/testcards"
)

// BenchmarkPersonalizeCard is one card end to end in-process: build, sign,
// write, read back through PACE and BAC with passive and active
// authentication, lock, journal, QR.
func BenchmarkPersonalizeCard(b *testing.B) {
	f := newFixture(b, 1)
	bt, _ := f.batch(b, false)
	bt.Personalizer.Validator = &personalize.Validator{BaseDir: f.dir}
	raw, _ := os.ReadFile(f.input)
	var in personalize.Input
	in.Line = 1
	json.Unmarshal(raw[:len(raw)-1], &in.Record)
	for i := 0; b.Loop(); i++ {
		e := testcards.NewEmulator(testcards.NewBlankImage(testcards.ProfileCCCD), "")
		in.Record.IDNumber = in.Record.IDNumber[:6] + string(rune('0'+i%10)) + in.Record.IDNumber[7:]
		h, errs, _ := citizen.NewHolder(in.Record)
		if !errs.OK() {
			b.Fatal(errs.Err())
		}
		if _, err := bt.Personalizer.Personalize(personalize.Station{Card: apdu.NewCard(e), Reader: "bench"}, personalize.Validated{Line: 1, Holder: h}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
}

// BenchmarkSODSignAndHash is the floor of personalization: hash the data
// groups and sign EF.SOD with the same Document Signer key.
func BenchmarkSODSignAndHash(b *testing.B) {
	f := newFixture(b, 1)
	raw, _ := os.ReadFile(f.input)
	var in personalize.Input
	json.Unmarshal(raw[:len(raw)-1], &in.Record)
	photo, _ := os.ReadFile(filepath.Join(f.dir, in.Record.Photo))
	spec, err := testcards.Spec(in.Record, photo)
	if err != nil {
		b.Fatal(err)
	}
	spec.Sign = lds.SODSignOptions{Certificate: f.pki.DS, Signer: f.pki.DSKey}
	card, err := lds.BuildDocument(spec)
	if err != nil {
		b.Fatal(err)
	}
	dgs := map[int][]byte{}
	for fid, d := range card.Files {
		if fid >= 0x0101 && fid <= 0x0110 {
			dgs[int(fid-0x0100)] = d
		}
	}
	for b.Loop() {
		built, err := lds.BuildLDS(dgs, crypto.SHA256)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lds.SignSOD(built.SecurityObject, lds.SODSignOptions{Certificate: f.pki.DS, Signer: f.pki.DSKey}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
}
