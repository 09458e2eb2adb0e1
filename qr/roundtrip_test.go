package qr

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/citizen"
)

// Names covering every Vietnamese diacritic class: the five tones (sắc ́,
// huyền ̀, hỏi ̉, ngã ̃, nặng ̣) and the letters ă â ê ô ơ ư đ, in lower and
// upper case, on several vowels.
var diacriticNames = []struct{ class, name string }{
	{"sắc", "Lý Thái Tố Uyên Ánh Ý Ú Í Ó É"},
	{"huyền", "Hồ Thị Bà Lài Thùy Tòng Ầu Ừng Ì Ò"},
	{"hỏi", "Phạm Thủy Hải Tuyển Kiểu Ẩn Ởn Ả Ỏ Ủ"},
	{"ngã", "Nguyễn Đỗ Vĩnh Lãm Ỹ Ẵn Ẽ Ũ Õ"},
	{"nặng", "Đặng Lệ Nhị Trịnh Vũ Ậu Ợi Ạ Ọ Ụ Ỵ"},
	{"ă â ê ô ơ ư đ lower", "ăn ân ên ôn ơn ưu đào"},
	{"Ă Â Ê Ô Ơ Ư Đ upper", "ĂN ÂN ÊN ÔN ƠN ƯU ĐÀO"},
	{"upper with tones", "ĐỖ THỊ HẢI YẾN NGUYỄN ĐẶNG LƯU THỦY ỨNG"},
	{"all tones on ư", "Ừ Ứ Ử Ữ Ự ừ ứ ử ữ ự"},
	{"all tones on ơ", "Ờ Ớ Ở Ỡ Ợ ờ ớ ở ỡ ợ"},
}

// Round trip: build → render PNG → decode → parse gives the same record.
func TestRoundTripDiacritics(t *testing.T) {
	for _, tc := range diacriticNames {
		t.Run(tc.class, func(t *testing.T) {
			rec := citizen.Record{IDNumber: "001099012345", OldIDNumber: "025123456", FullName: tc.name,
				DateOfBirth: "1999-05-18", Sex: "Nam", PlaceOfResidence: "Số 5 ngõ Hòa Bình, Phường Điện Biên, Quận Ba Đình, Hà Nội",
				DateOfIssue: "2021-04-20"}
			p, err := FromRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			text, err := p.Build()
			if err != nil {
				t.Fatal(err)
			}
			img, err := PNG(text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			d, err := DecodeImage(img)
			if err != nil {
				t.Fatal(err)
			}
			if d.Text != text {
				t.Fatalf("decoded %q\nwant    %q", d.Text, text)
			}
			back, err := Parse(d.Text)
			if err != nil {
				t.Fatal(err)
			}
			if got := back.Record(); !reflect.DeepEqual(got, rec) {
				t.Errorf("record after round trip %+v\nwant %+v", got, rec)
			}
		})
	}
}

// A PNG made by qrencode (an independent encoder) decodes with our decoder.
func TestInteropQrencode(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"qrencode default modes", []string{"-s", "4"}},
		{"qrencode 8-bit only", []string{"-8", "-s", "3"}},
		{"qrencode level H", []string{"-l", "H", "-s", "5", "-m", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".png")
			cmd := exec.Command("qrencode", append(tc.args, "-o", out)...)
			cmd.Stdin = strings.NewReader(refPayload)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("qrencode: %v\n%s", err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			d, err := DecodeImage(data)
			if err != nil {
				t.Fatal(err)
			}
			if d.Text != refPayload {
				t.Errorf("decoded %q\nwant    %q", d.Text, refPayload)
			}
		})
	}
}

// A PNG from our renderer decodes with zbarimg -Sbinary to the exact bytes.
func TestInteropZbarimg(t *testing.T) {
	dir := t.TempDir()
	for i, tc := range []struct {
		text string
		opt  Options
	}{
		{refPayload, Options{}},
		{refPayload + "|Ừ Ứ Ử Ữ Ự|ĐẶNG", Options{Level: LevelH, Size: 600, QuietZone: 2}},
		{strings.Replace(refPayload, "Nguyễn Thị Thu Hà", diacriticNames[7].name, 1), Options{Level: LevelL, Size: 300}},
	} {
		img, err := PNG(tc.text, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "our.png")
		if err := os.WriteFile(f, img, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("zbarimg", "-q", "--raw", "-Sbinary", f).Output()
		if err != nil {
			t.Fatalf("case %d: zbarimg: %v", i, err)
		}
		// zbarimg ends each symbol with a line feed.
		if got := bytes.TrimSuffix(out, []byte("\n")); !bytes.Equal(got, []byte(tc.text)) {
			t.Errorf("case %d: zbarimg read %q\nwant %q", i, got, tc.text)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	// A QR code holding Latin-1 bytes (not UTF-8), made by qrencode.
	cmd := exec.Command("qrencode", "-8", "-o", "-")
	cmd.Stdin = strings.NewReader("079190012345||Nguy\xean|15081990|N\xe2m|x|20042021")
	latin1, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	blank := new(bytes.Buffer)
	g := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	png.Encode(blank, g)
	for _, tc := range []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"not an image", []byte("hello"), ErrImage, "not a PNG or JPEG"},
		{"empty", nil, ErrImage, ""},
		{"blank page", blank.Bytes(), ErrNotFound, "no QR code found"},
		{"Latin-1 payload", latin1, ErrEncoding, "-Sbinary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeImage(tc.data)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("DecodeImage = %v, want %v saying %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestRenderOptions(t *testing.T) {
	m, err := Encode(refPayload, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := m.Modules()
	for _, tc := range []struct {
		opt  Options
		size int
		err  error
	}{
		{Options{}, (n + 8) * 8, nil},
		{Options{Size: 1000}, 1000, nil},
		{Options{Size: 1000, QuietZone: -1}, 1000, nil},
		{Options{Size: n + 7}, 0, ErrTooSmall},
		{Options{Size: n, QuietZone: -1, Level: LevelL}, 0, nil}, // level L is smaller: fits
	} {
		b, err := PNG(refPayload, tc.opt)
		if !errors.Is(err, tc.err) {
			t.Errorf("%+v: err %v, want %v", tc.opt, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if tc.size != 0 && (img.Bounds().Dx() != tc.size || img.Bounds().Dy() != tc.size) {
			t.Errorf("%+v: image %v, want %d px", tc.opt, img.Bounds(), tc.size)
		}
		if _, err := Decode(img); err != nil && tc.opt.QuietZone >= 0 {
			t.Errorf("%+v: our decoder cannot read it: %v", tc.opt, err)
		}
	}
	if _, err := ParseLevel("X"); err == nil {
		t.Error("ParseLevel(X) accepted")
	}
	svg, err := SVG(refPayload, Options{Size: 400})
	if err != nil || !bytes.Contains(svg, []byte(`width="400"`)) || !bytes.Contains(svg, []byte("<path")) {
		t.Errorf("SVG: %v\n%.200s", err, svg)
	}
	term, err := Terminal(refPayload, Options{QuietZone: 1})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(term, "\n"), "\n")
	if len(lines) != (n+2+1)/2 || len([]rune(lines[0])) != n+2 || strings.Trim(lines[0], "▀█") != "" {
		t.Errorf("terminal rendering: %d lines of %d runes", len(lines), len([]rune(lines[0])))
	}
}
