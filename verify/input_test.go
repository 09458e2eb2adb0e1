package verify_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/verify"
)

func cccdMRZ(t *testing.T) *lds.MRZ {
	t.Helper()
	m, err := lds.NewCCCDMRZ(lds.CCCDHolder{
		IDNumber: "001099012345", FullName: "Nguyễn Văn Ánh", Sex: "Nam",
		DateOfBirth:  time.Date(1999, 5, 18, 0, 0, 0, 0, time.UTC),
		DateOfExpiry: time.Date(2039, 5, 18, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestParseSecretTextForgives: what clerks type and scanners send.
func TestParseSecretTextForgives(t *testing.T) {
	m := cccdMRZ(t)
	l := m.Lines()
	lower := strings.ToLower(strings.Join(l, "\n"))
	noFillers := strings.TrimRight(l[0], "<") + "\n" + strings.TrimRight(l[1], "<") + "\n" + strings.TrimRight(l[2], "<")
	oFor0 := l[0] + "\n" + strings.ReplaceAll(l[1][:14], "0", "O") + l[1][14:] + "\n" + strings.ReplaceAll(l[2], "O", "0")
	qrText := "001099012345|025123456|Nguyễn Văn Ánh|18051999|Nam|12 Lê Lợi, Hà Nội|01032021"
	for _, tt := range []struct {
		name, text string
		kind       verify.SecretKind
		can        string
	}{
		{"CAN", "123456", verify.KindCAN, "123456"},
		{"CAN with a space", "123 456", verify.KindCAN, "123456"},
		{"CAN with a dash and spaces", " 12-34 56 \n", verify.KindCAN, "123456"},
		{"ID number", "001099012345", verify.KindIDNumber, "012345"},
		{"ID number spaced", "001 099 012 345", verify.KindIDNumber, "012345"},
		{"QR payload", qrText + "\r\n", verify.KindQR, "012345"},
		{"MRZ", m.String(), verify.KindMRZ, ""},
		{"MRZ in lines", strings.Join(l, "\n"), verify.KindMRZ, ""},
		{"MRZ lower case", lower, verify.KindMRZ, ""},
		{"MRZ without trailing fillers", noFillers, verify.KindMRZ, ""},
		{"MRZ with O for 0 and 0 for O", oFor0, verify.KindMRZ, ""},
		{"MRZ lines separated by spaces", strings.Join(l, " "), verify.KindMRZ, ""},
		{"MRZ with CRs and «", strings.ReplaceAll(strings.Join(l, "\r\n"), "<", "«"), verify.KindMRZ, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, err := verify.ParseSecretText(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != tt.kind || in.Secret.CAN != tt.can {
				t.Fatalf("kind %s CAN %q", in.Kind, in.Secret.CAN)
			}
			if tt.kind == verify.KindMRZ {
				if in.MRZ.String() != m.String() || in.Secret.DocumentNumber != m.DocumentNumber || in.Secret.DateOfBirth != "990518" {
					t.Fatalf("normalised to %q", in.MRZ.String())
				}
			}
			if tt.kind == verify.KindQR && (in.QR == nil || !in.Secret.HasMRZ()) {
				t.Fatal("the QR gives no MRZ data")
			}
		})
	}
}

// TestParseSecretTextStrict: mistakes are named before a chip is touched,
// and no error quotes the secret.
func TestParseSecretTextStrict(t *testing.T) {
	m := cccdMRZ(t)
	s := m.String()
	swap := func(i int, c byte) string { b := []byte(s); b[i] = c; return string(b) }
	next := func(c byte) byte { return '0' + (c-'0'+1)%10 }
	for _, tt := range []struct {
		name, text, cause, field string
	}{
		{"empty", "  \n", "empty", ""},
		{"CAN too short", "12345", "can_format", "CAN"},
		{"CAN too long", "1234567", "can_format", "CAN"},
		{"bad QR", "001099012345|x", "qr", ""},
		{"QR with a bad date", "001099012345||A|31021999|Nam|X|01032021", "qr", "date of birth"},
		{"MRZ too short", s[:80], "mrz_length", ""},
		{"MRZ bad character", swap(40, '#'), "mrz_charset", ""},
		{"date of birth mistyped", swap(30, next(s[30])), "mrz_check_digit", "date of birth"},
		{"date of expiry mistyped", swap(39, next(s[39])), "mrz_check_digit", "date of expiry"},
		{"document number mistyped", swap(6, next(s[6])), "mrz_check_digit", "document number"},
		{"not a date", swap(32, '1')[:32] + "3" + s[33:], "mrz_date", "date of birth"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify.ParseSecretText(tt.text)
			var se *verify.SecretError
			if !errors.As(err, &se) || !errors.Is(err, verify.ErrBadSecret) {
				t.Fatalf("%v", err)
			}
			if se.Code != tt.cause || se.Field != tt.field {
				t.Fatalf("cause %q field %q: %v", se.Code, se.Field, err)
			}
			if len(tt.text) >= 6 && strings.Contains(err.Error(), strings.TrimSpace(tt.text)[:6]) {
				t.Fatalf("the error quotes the secret: %v", err)
			}
			if info := verify.DescribeError(err); info.Code != "bad_secret" || info.Cause != tt.cause {
				t.Fatalf("%+v", info)
			}
		})
	}
}
