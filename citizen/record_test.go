package citizen

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestRecordJSONNames(t *testing.T) {
	r := Record{IDNumber: "1", OldIDNumber: "2", FullName: "3", DateOfBirth: "4", Sex: "5", Nationality: "6",
		Ethnicity: "7", Religion: "8", PlaceOfOrigin: "9", PlaceOfResidence: "10", IdentifyingFeatures: "11",
		DateOfIssue: "12", DateOfExpiry: "13", FatherName: "14", MotherName: "15", SpouseName: "16", Photo: "17", CAN: "18"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id_number":"1","old_id_number":"2","full_name":"3","date_of_birth":"4","sex":"5","nationality":"6","ethnicity":"7","religion":"8","place_of_origin":"9","place_of_residence":"10","identifying_features":"11","date_of_issue":"12","date_of_expiry":"13","father_name":"14","mother_name":"15","spouse_name":"16","photo":"17","can":"18"}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant  %s", b, want)
	}
}

func TestRecordValidate(t *testing.T) {
	good := Record{IDNumber: "079190012345", OldIDNumber: "025123456", FullName: "Nguyễn Thị Thu Hà",
		DateOfBirth: "1990-08-15", Sex: "Nữ", PlaceOfResidence: "123 Lê Lợi", DateOfIssue: "2021-04-20"}
	for _, tc := range []struct {
		name     string
		edit     func(*Record)
		errs     []string // field names of errors
		warnings []string
		sentinel error
	}{
		{"good", func(*Record) {}, nil, nil, nil},
		{"missing name", func(r *Record) { r.FullName = " " }, []string{"full_name"}, nil, ErrMissing},
		{"bad dob", func(r *Record) { r.DateOfBirth = "1990-02-30" }, []string{"date_of_birth"}, nil, ErrDate},
		{"bad issue", func(r *Record) { r.DateOfIssue = "20/04/2021" }, []string{"date_of_issue"}, nil, ErrDate},
		{"issue before birth", func(r *Record) { r.DateOfIssue = "1980-01-01" }, []string{"date_of_issue"}, nil, ErrIssueDate},
		{"bad sex", func(r *Record) { r.Sex = "X" }, []string{"sex"}, nil, ErrSex},
		{"short id", func(r *Record) { r.IDNumber = "07919001234" }, []string{"id_number"}, nil, ErrIDFormat},
		{"bad old id", func(r *Record) { r.OldIDNumber = "12345" }, []string{"old_id_number"}, nil, ErrOldIDFormat},
		{"bad can", func(r *Record) { r.CAN = "12345" }, []string{"can"}, nil, ErrIDFormat},
		{"bad utf-8", func(r *Record) { r.FullName = "Nguy\xe1n" }, []string{"full_name"}, nil, ErrEncoding},
		{"sex disagrees (warning)", func(r *Record) { r.Sex = "Nam" }, nil, []string{"sex"}, ErrSexMismatch},
		{"year disagrees (warning)", func(r *Record) { r.DateOfBirth = "1991-08-15"; r.DateOfIssue = "" }, nil, []string{"date_of_birth"}, ErrBirthYear},
		{"unknown province (warning)", func(r *Record) { r.IDNumber = "099190012345" }, nil, []string{"id_number"}, ErrProvince},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.edit(&r)
			errs, warns := r.Validate()
			if got := fields(errs); strings.Join(got, ",") != strings.Join(tc.errs, ",") {
				t.Errorf("errors on %v (%v), want %v", got, errs.Err(), tc.errs)
			}
			if got := fields(warns); strings.Join(got, ",") != strings.Join(tc.warnings, ",") {
				t.Errorf("warnings on %v (%v), want %v", got, warns.Err(), tc.warnings)
			}
			if tc.sentinel != nil && !errors.Is(errs.Err(), tc.sentinel) && !errors.Is(warns.Err(), tc.sentinel) {
				t.Errorf("want %v in %v / %v", tc.sentinel, errs.Err(), warns.Err())
			}
		})
	}
}

func fields(c Check) []string {
	var out []string
	for _, p := range c.Problems {
		out = append(out, p.Field)
	}
	return out
}
