package personalize_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/personalize"
)

func readAll(t testing.TB, data string, f personalize.Format) ([]personalize.Input, error) {
	t.Helper()
	var out []personalize.Input
	err := personalize.ReadRecords(strings.NewReader(data), f, func(in personalize.Input) error {
		out = append(out, in)
		return nil
	})
	return out, err
}

const csvHeader = "id_number,full_name,date_of_birth,sex,date_of_issue,photo\n"

// TestCSVSyntaxErrors: a quote error in a data row's first field (which
// made csv.Reader.FieldPos panic) is reported on its line; the rows after
// it are read.
func TestCSVSyntaxErrors(t *testing.T) {
	for _, bad := range []string{
		`"001099012345"x,A,1999-05-18,Nam,2021-03-01,p.jpg`,
		`00109"9012345,A,1999-05-18,Nam,2021-03-01,p.jpg`,
		`"`,
	} {
		data := csvHeader + bad + "\n001099012346,B,1999-05-18,Nam,2021-03-01,p.jpg\n"
		ins, err := readAll(t, data, personalize.CSV)
		if err != nil {
			t.Fatalf("%q: %v", bad, err)
		}
		if len(ins) == 0 || ins[0].Line != 2 || ins[0].Err == nil || !strings.Contains(ins[0].Err.Error(), "CSV syntax") {
			t.Fatalf("%q: %+v", bad, ins)
		}
		if bad != `"` && (len(ins) != 2 || ins[1].Line != 3 || ins[1].Err != nil || ins[1].Record.FullName != "B") {
			t.Fatalf("%q: the next row: %+v", bad, ins)
		}
	}
}

// TestNormalization: text in NFD comes out NFC (a sex "Nữ" typed
// decomposed is the sex it spells), dates in dd/mm/yyyy as YYYY-MM-DD.
func TestNormalization(t *testing.T) {
	name := norm.NFD.String("Nguyễn Thị Hoà")
	sex := norm.NFD.String("Nữ")
	if name == norm.NFC.String(name) || sex == "Nữ" {
		t.Fatal("the test strings are not decomposed")
	}
	data := csvHeader + "079199012345," + name + ",18/5/1999," + sex + ",01/03/2021,p.jpg\n"
	ins, err := readAll(t, data, personalize.CSV)
	if err != nil || len(ins) != 1 || ins[0].Err != nil {
		t.Fatalf("%+v %v", ins, err)
	}
	r := ins[0].Record
	if r.FullName != "Nguyễn Thị Hoà" || r.Sex != "Nữ" || r.DateOfBirth != "1999-05-18" || r.DateOfIssue != "2021-03-01" {
		t.Fatalf("%+v", r)
	}
	if _, errs, _ := citizen.NewHolder(r); !errs.OK() {
		t.Fatalf("normalised record: %v", errs.Err())
	}
	// JSONL too; a date that does not exist stays for validation.
	ins, _ = readAll(t, `{"id_number":"079199012345","full_name":"`+name+`","date_of_birth":"31/02/1999","sex":"`+sex+`"}`+"\n", personalize.JSONL)
	if ins[0].Record.FullName != "Nguyễn Thị Hoà" || ins[0].Record.DateOfBirth != "1999-02-31" {
		t.Fatalf("%+v", ins[0])
	}
}

func utf16LE(s string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(s)) {
		b.Write([]byte{byte(u), byte(u >> 8)})
	}
	return b.Bytes()
}

// TestNotUTF8: a file in another encoding is refused whole, its encoding
// guessed, its text never quoted.
func TestNotUTF8(t *testing.T) {
	row := "079199012345,Nguyen Van An,1999-05-18,Nam,2021-03-01,p.jpg\n"
	for _, tt := range []struct {
		name, data, guess string
		line              int
	}{
		{"UTF-16", string(utf16LE(csvHeader + row)), "UTF-16", 1},
		// "Nguyễn" in Windows-1258: ê then the combining tilde DE.
		{"Windows-1258", csvHeader + "079199012345,Nguy\xea\xden Van An,1999-05-18,Nam,2021-03-01,p.jpg\n", "Windows-1258", 2},
		// "Nguyễn" in VNI: e, then ã for the circumflex and tilde.
		{"VNI", csvHeader + row + "079199012346,Nguye\xe3n Van An,1999-05-18,Nam,2021-03-01,p.jpg\n", "VNI", 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []personalize.Format{personalize.CSV, personalize.JSONL} {
				n := 0
				err := personalize.ReadRecords(strings.NewReader(tt.data), f, func(in personalize.Input) error { n++; return nil })
				var ee *personalize.EncodingError
				if !errors.As(err, &ee) || ee.Line != tt.line || !strings.Contains(err.Error(), tt.guess) {
					t.Fatalf("%s: %v", f, err)
				}
				if strings.Contains(err.Error(), "Nguy") || strings.Contains(err.Error(), "079199") {
					t.Fatalf("the error quotes the file: %v", err)
				}
			}
		})
	}
	// A UTF-8 byte-order mark is no problem.
	ins, err := readAll(t, "\xef\xbb\xbf"+csvHeader+row, personalize.CSV)
	if err != nil || len(ins) != 1 || ins[0].Err != nil {
		t.Fatalf("BOM: %+v %v", ins, err)
	}
}

// TestValidationCases: date_of_issue required, expired-on-issue refused
// (a warning with AllowExpired), photos only regular files under the cap.
func TestValidationCases(t *testing.T) {
	f := newFixture(t, 1)
	rec := f.records(t)[0]
	check := func(v *personalize.Validator, r citizen.Record) (*citizen.Holder, []personalize.Problem) {
		return v.Check(personalize.Input{Line: 4, Record: r})
	}
	noIssue := rec
	noIssue.DateOfIssue = ""
	if h, ps := check(&personalize.Validator{BaseDir: f.dir}, noIssue); h != nil || !hasProblem(ps, "date_of_issue", "required", false) {
		t.Fatalf("no date of issue: %v", ps)
	}
	expired := rec
	expired.DateOfIssue, expired.DateOfExpiry = "2021-03-01", "2022-01-01"
	if h, ps := check(&personalize.Validator{BaseDir: f.dir}, expired); h != nil || !hasProblem(ps, "date_of_expiry", "expired on the day it is made", false) {
		t.Fatalf("expired: %v", ps)
	}
	if h, ps := check(&personalize.Validator{BaseDir: f.dir, AllowExpired: true}, expired); h == nil || !hasProblem(ps, "date_of_expiry", "allowed by --allow-expired", true) {
		t.Fatalf("expired, allowed: %v", ps)
	}
	// By the computed expiry: a card issued in 2021 to someone born in
	// 1999 expires at 25, in 2024; made in 2026 it is expired.
	young := rec
	young.DateOfBirth, young.DateOfIssue, young.DateOfExpiry = "1999-05-18", "2021-03-01", ""
	made := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if h, ps := check(&personalize.Validator{BaseDir: f.dir, Now: made}, young); h != nil || !hasProblem(ps, "date_of_issue", "expired", false) {
		t.Fatalf("computed expiry: %v", ps)
	}
	if h, _ := check(&personalize.Validator{BaseDir: f.dir, Now: time.Date(2024, 5, 18, 0, 0, 0, 0, time.UTC)}, young); h == nil {
		t.Fatal("a card made on its last valid day is refused")
	}

	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.jpg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.jpg")
	os.WriteFile(big, bytes.Repeat([]byte{0xFF}, personalize.MaxPhotoSize+1), 0o600)
	for _, p := range []struct{ path, reason string }{
		{"/dev/zero", "not a regular file"},
		{fifo, "not a regular file"},
		{dir, "not a regular file"},
		{big, "at most 100 KB"},
		{filepath.Join(dir, "none.jpg"), "does not exist"},
	} {
		r := rec
		r.Photo = p.path
		if h, ps := check(&personalize.Validator{BaseDir: f.dir}, r); h != nil || !hasProblem(ps, "photo", p.reason, false) {
			t.Fatalf("photo %s: %v", p.path, ps)
		}
		if _, err := (&personalize.Validator{}).LoadPhoto(p.path); err == nil {
			t.Fatalf("LoadPhoto %s: no error", p.path)
		}
	}
}

func hasProblem(ps []personalize.Problem, field, reason string, warning bool) bool {
	for _, p := range ps {
		if (field == "" || p.Field == field) && strings.Contains(p.Reason, reason) && p.Warning == warning && p.Line == 4 {
			return true
		}
	}
	return false
}

// FuzzReadRecords: whatever the bytes, the reader never panics, numbers
// lines from 1 upwards, and fails only with the documented errors.
func FuzzReadRecords(f *testing.F) {
	f.Add([]byte(csvHeader+"001099012345,A,18/05/1999,Nam,2021-03-01,p.jpg\n"), true)
	f.Add([]byte(csvHeader+`"0010"x,A,1999-05-18,Nam,2021-03-01,p.jpg`+"\n\"\n"), true)
	f.Add([]byte(csvHeader+"a,b\n\"x\ny\",\"\"\"\"\n"), true)
	f.Add([]byte("\xef\xbb\xbf"+csvHeader), true)
	f.Add(utf16LE(csvHeader), true)
	f.Add([]byte(`{"id_number":"001099012345","full_name":"Nguyễn Văn An","sex":"Nam"}`+"\n{not json\n\n{}{}\n"), false)
	f.Add([]byte("{\"full_name\":\"Nguy\xea\xden\"}\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, isCSV bool) {
		format := personalize.JSONL
		if isCSV {
			format = personalize.CSV
		}
		last := 0
		err := personalize.ReadRecords(bytes.NewReader(data), format, func(in personalize.Input) error {
			if in.Line < 1 || in.Line < last {
				t.Fatalf("line %d after %d", in.Line, last)
			}
			last = in.Line
			if in.Err == nil && !norm.NFC.IsNormalString(in.Record.FullName) {
				t.Fatalf("full_name not NFC")
			}
			return nil
		})
		var ee *personalize.EncodingError
		if err != nil && !errors.Is(err, personalize.ErrHeader) && !errors.As(err, &ee) && !strings.HasPrefix(err.Error(), "line ") {
			t.Fatalf("unexpected error: %v", err)
		}
	})
}
