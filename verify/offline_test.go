package verify_test

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/qr"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

// dump reads a card as 'cccd read --out' does, with an Active
// Authentication transcript: what a phone would upload.
func dump(t *testing.T, img *testcards.Image, sec lds.Secret) map[string][]byte {
	t.Helper()
	card := apdu.NewCard(testcards.NewEmulator(img, ""))
	rep, err := verify.Read(card, sec, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for k, v := range rep.Raw {
		files[k] = v
	}
	if _, ok := files["DG15"]; ok {
		challenge := make([]byte, 8)
		rand.Read(challenge)
		sig, err := card.Send(apdu.Command{INS: 0x88, Data: challenge, Ne: 256})
		if err != nil {
			t.Fatal(err)
		}
		files[verify.AAChallengeFile], files[verify.AASignatureFile] = challenge, sig
	}
	return files
}

// TestInspectFilesMatchesLive: the offline inspection of a dump gives the
// verdict of the live one, for the genuine cards and every forgery of the
// matrix — with the Active Authentication transcript standing in for the
// chip. Chip authentication alone cannot be replayed from files: a clone
// of its key is reported as not possible offline.
func TestInspectFilesMatchesLive(t *testing.T) {
	check := func(t *testing.T, c *lds.Document, img *testcards.Image, ts *verify.TrustStore, in verify.Input, caClone bool) {
		live, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), in, verify.Options{Trust: ts})
		if err != nil {
			t.Fatal(err)
		}
		off, err := verify.InspectFiles(dump(t, img, in.Secret), verify.Input{MRZ: in.MRZ, QR: in.QR, Secret: in.Secret}, verify.Options{Trust: ts})
		if err != nil {
			t.Fatal(err)
		}
		if caClone {
			if ch := checkOf(off, "clone.chip_authentication"); ch.Status != verify.Skip || !strings.Contains(ch.Detail, "offline") {
				t.Fatalf("offline clone.chip_authentication %+v", ch)
			}
			return
		}
		if live.Verdict != off.Verdict || live.Reason != off.Reason || strings.Join(live.Failed, ",") != strings.Join(off.Failed, ",") {
			t.Fatalf("live %s, offline %s", live.Summary(), off.Summary())
		}
	}
	t.Run("genuine", func(t *testing.T) {
		for _, o := range []cardOpts{{}, {ca: true}, {alg: "rsa-2048", rsaAA: true, noPACE: true}, {noAA: true}} {
			c, aa, p := buildCard(t, o)
			in := verify.Input{Secret: c.Secret.CANOnly()}
			if o.noPACE {
				in.Secret = c.Secret.MRZOnly()
			}
			check(t, c, cardImage(t, c, aa), trustDir(t, p, true), in, false)
		}
	})
	for _, tt := range forgeryCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			c, aa, p := buildCard(t, tt.o)
			img := cardImage(t, c, aa)
			ts, in := tt.forge(t, c, img, p)
			if ts == nil {
				ts = trustDir(t, p, true)
			}
			check(t, c, img, ts, in, tt.failed == "clone.chip_authentication")
		})
	}
}

// TestInspectFilesPartial: a dump without a data group that EF.SOD lists
// fails that group, and still reports the SOD's own checks.
func TestInspectFilesPartial(t *testing.T) {
	c, aa, p := buildCard(t, cardOpts{})
	files := dump(t, cardImage(t, c, aa), c.Secret.CANOnly())
	delete(files, "DG2")
	rep, err := verify.InspectFiles(files, verify.Input{}, verify.Options{Trust: trustDir(t, p, true)})
	if err != nil {
		t.Fatal(err)
	}
	if checkOf(rep, "dg2.hash").Status != verify.Fail || checkOf(rep, "sod.signature").Status != verify.Pass || checkOf(rep, "sod.chain").Status != verify.Pass {
		t.Fatalf("%s: %+v", rep.Summary(), rep.Checks)
	}
	for _, bad := range []map[string][]byte{
		{"DG1": files["DG1"]},                                    // no EF.SOD
		{"EF.SOD": files["EF.SOD"], "DG99": []byte{1}},           // unknown name
		{"EF.SOD": files["EF.SOD"], verify.AAChallengeFile: {1}}, // half a transcript
	} {
		if _, err := verify.InspectFiles(bad, verify.Input{}, verify.Options{}); !errors.Is(err, verify.ErrBadFiles) {
			t.Fatalf("%v: %v", keys(bad), err)
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRealGermanSODOffline: the real German EF.SOD (a passport of
// another issuer, data groups not published) verifies offline: signature,
// signer found, chain to its CSCA; the data groups it lists are reported
// missing, the verdict is not genuine.
func TestRealGermanSODOffline(t *testing.T) {
	sod, err := os.ReadFile("../testdata/realworld/sod-DE/EF.SOD.bin")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csca, _ := os.ReadFile("../testdata/realworld/sod-DE/csca.cer")
	os.WriteFile(filepath.Join(dir, "de.cer"), csca, 0o644)
	ts, err := verify.LoadTrustStore(dir)
	if err != nil || ts.Usable() != nil {
		t.Fatalf("%v %v", err, ts.Problems)
	}
	s, err := lds.ParseSOD(sod)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Certificates) == 0 {
		t.Fatal("no embedded Document Signer")
	}
	signed := s.Certificates[0].NotBefore.AddDate(0, 0, 30)
	rep, err := verify.InspectFiles(map[string][]byte{"EF.SOD": sod}, verify.Input{}, verify.Options{Trust: ts, Now: signed})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sod.parse", "sod.message_digest", "sod.signature", "sod.chain"} {
		if ch := checkOf(rep, name); ch.Status != verify.Pass {
			t.Fatalf("%s %+v", name, ch)
		}
	}
	if checkOf(rep, "dg1.hash").Status != verify.Fail {
		t.Fatalf("dg1.hash %+v", checkOf(rep, "dg1.hash"))
	}
}

// TestCard2024: a child's 2024 "Căn cước" card: its QR carries the
// parents' names and a cancelled number; the counter compares them with
// DG13, knows a cancelled number is not the holder's, and says which card
// generation it read.
func TestCard2024(t *testing.T) {
	child := func(r *citizen.Record) {
		r.DateOfBirth, r.DateOfIssue, r.DateOfExpiry = "2016-05-18", "2024-09-01", ""
		r.IDNumber = r.IDNumber[:3] + "216" + r.IDNumber[6:]
		r.FatherName, r.MotherName, r.OldIDNumber = "Nguyễn Văn Bố", "Trần Thị Mẹ", ""
		r.Sex, r.SpouseName = "Nam", ""
	}
	c, aa, p := buildCard(t, cardOpts{record: child})
	img := cardImage(t, c, aa)
	ts := trustDir(t, p, true)
	h, errs, _ := citizen.NewHolder(func() citizen.Record { r := sample(t, 0).Record; child(&r); return r }())
	if !errs.OK() {
		t.Fatal(errs.Err())
	}
	q, err := qr.FromHolder(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(*qr.Payload)
		want verify.Status
	}{
		{"as printed", func(*qr.Payload) {}, verify.Pass},
		{"other parents", func(q *qr.Payload) { q.ParentNames = []string{"Lê Văn Khác", "Trần Thị Mẹ"} }, verify.Fail},
		{"the chip's number listed as cancelled", func(q *qr.Payload) { q.CancelledIDNumbers = []string{h.ID.Number} }, verify.Fail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			qq := *q
			tt.edit(&qq)
			text, err := qq.Build()
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := qr.Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			in, err := verify.InputFromQR(parsed)
			if err != nil {
				t.Fatal(err)
			}
			rep := runVerify(t, img, in, ts)
			if got := checkOf(rep, "consistency.qr_dg13"); got.Status != tt.want {
				t.Fatalf("consistency.qr_dg13 %+v, want %s (QR %q)", got, tt.want, text)
			}
			if rep.Card == nil || rep.Card.Year != 2024 || rep.Card.Name != "Căn cước" {
				t.Fatalf("card generation %+v", rep.Card)
			}
		})
	}
}
