package citizen

import (
	"strings"
	"unicode/utf8"
)

// Record is one citizen as the toolkit takes it in: the input of
// `cccd qr encode --record` and of batch personalization (one JSON object per
// line). Dates are "YYYY-MM-DD" strings; names and places are UTF-8 with
// their Vietnamese diacritics. The JSON names are stable.
type Record struct {
	IDNumber            string `json:"id_number"`                      // 12-digit personal ID number (required)
	OldIDNumber         string `json:"old_id_number,omitempty"`        // old 9-digit CMND number, if any
	FullName            string `json:"full_name"`                      // with diacritics (required)
	DateOfBirth         string `json:"date_of_birth"`                  // YYYY-MM-DD (required)
	Sex                 string `json:"sex"`                            // Nam / Nữ (or M / F) (required)
	Nationality         string `json:"nationality,omitempty"`          // e.g. Việt Nam
	Ethnicity           string `json:"ethnicity,omitempty"`            // e.g. Kinh
	Religion            string `json:"religion,omitempty"`             // e.g. Không
	PlaceOfOrigin       string `json:"place_of_origin,omitempty"`      // quê quán
	PlaceOfResidence    string `json:"place_of_residence,omitempty"`   // nơi thường trú
	IdentifyingFeatures string `json:"identifying_features,omitempty"` // đặc điểm nhận dạng
	DateOfIssue         string `json:"date_of_issue,omitempty"`        // YYYY-MM-DD
	DateOfExpiry        string `json:"date_of_expiry,omitempty"`       // YYYY-MM-DD; empty: computed by the expiry rule
	FatherName          string `json:"father_name,omitempty"`
	MotherName          string `json:"mother_name,omitempty"`
	SpouseName          string `json:"spouse_name,omitempty"`
	Photo               string `json:"photo,omitempty"` // path of the face image (personalization)
	CAN                 string `json:"can,omitempty"`   // 6-digit CAN if the card prints one; default: last 6 digits of id_number
	// DG13Field16 is DG13 field 16: 16 printable characters whose meaning
	// is not public; empty derives one per card (lds.DG13Field16).
	DG13Field16 string `json:"dg13_field16,omitempty"`
	// CancelledIDNumbers are personal ID numbers cancelled for this
	// holder (2024 card, Circular 16/2024/TT-BCA), 12 digits each,
	// separated by commas; the QR of the 2024 card lists them.
	CancelledIDNumbers string `json:"cancelled_id_numbers,omitempty"`
	// Fingerprints are the holder's finger images for DG3 (personalization),
	// each a PNG or JPEG 2000 file relative to the input file. JSON only:
	// a CSV file has no column for them.
	Fingerprints []Fingerprint `json:"fingerprints,omitempty"`
}

// Fingerprint is one finger image of a record: the finger ("right_index",
// "left_thumb", …) and the image file.
type Fingerprint struct {
	Finger string `json:"finger"`
	Image  string `json:"image"`
}

// Validate checks a record. Errors are what makes the record unusable
// (missing or malformed fields, unparseable dates and sex, an ID number that
// is not 12 digits); Warnings are the soft findings on the ID number's
// structure (province, century/sex digit, birth year), which the caller may
// treat as fatal (as `cccd id check` does) or report and go on.
func (r Record) Validate() (errs, warnings Check) {
	_, errs, warnings = r.check()
	return errs, warnings
}

// check validates the record and returns what it parsed on the way.
func (r Record) check() (h Holder, errs, warnings Check) {
	h.Record = r
	for _, f := range []struct{ name, v string }{
		{"id_number", r.IDNumber}, {"full_name", r.FullName},
		{"date_of_birth", r.DateOfBirth}, {"sex", r.Sex},
	} {
		if strings.TrimSpace(f.v) == "" {
			errs.add(&FieldError{Field: f.name, Reason: "is required", Err: ErrMissing})
		}
	}
	for _, f := range []struct{ name, v string }{
		{"full_name", r.FullName}, {"nationality", r.Nationality}, {"ethnicity", r.Ethnicity},
		{"religion", r.Religion}, {"place_of_origin", r.PlaceOfOrigin},
		{"place_of_residence", r.PlaceOfResidence}, {"identifying_features", r.IdentifyingFeatures},
		{"father_name", r.FatherName}, {"mother_name", r.MotherName}, {"spouse_name", r.SpouseName},
	} {
		if !utf8.ValidString(f.v) {
			errs.add(&FieldError{Field: f.name, Reason: "is not valid UTF-8: save the file as UTF-8", Err: ErrEncoding})
		}
	}
	var err error
	if r.DateOfBirth != "" {
		if h.DateOfBirth, err = ParseDate("date_of_birth", r.DateOfBirth); err != nil {
			errs.add(err.(*FieldError))
		}
	}
	if r.DateOfIssue != "" {
		if h.DateOfIssue, err = ParseDate("date_of_issue", r.DateOfIssue); err != nil {
			errs.add(err.(*FieldError))
		} else if !h.DateOfBirth.IsZero() && h.DateOfIssue.Before(h.DateOfBirth) {
			errs.add(&FieldError{Field: "date_of_issue", Value: r.DateOfIssue, Reason: "is before date_of_birth", Err: ErrIssueDate})
		}
	}
	if r.DateOfExpiry != "" {
		if h.Expiry.Date, err = ParseDate("date_of_expiry", r.DateOfExpiry); err != nil {
			errs.add(err.(*FieldError))
		}
	}
	if r.Sex != "" {
		if h.Sex, err = ParseSex(r.Sex); err != nil {
			errs.add(err.(*FieldError))
		}
	}
	if r.OldIDNumber != "" {
		if err := CheckOldID(r.OldIDNumber); err != nil {
			errs.add(err.(*FieldError))
		}
	}
	if r.CAN != "" && (len(r.CAN) != 6 || !allDigits(r.CAN)) {
		errs.add(&FieldError{Field: "can", Reason: "must be 6 digits", Err: ErrCANFormat})
	}
	if r.DG13Field16 != "" && !isPrintable16(r.DG13Field16) {
		errs.add(&FieldError{Field: "dg13_field16", Reason: "must be 16 characters of A-Z, a-z, 0-9 (a PrintableString)", Err: ErrFormat})
	}
	if r.CancelledIDNumbers != "" {
		for _, n := range SplitIDList(r.CancelledIDNumbers) {
			if len(n) != 12 || !allDigits(n) {
				errs.add(&FieldError{Field: "cancelled_id_numbers", Reason: "must be 12-digit numbers separated by commas", Err: ErrIDFormat})
				break
			}
			if n == r.IDNumber {
				errs.add(&FieldError{Field: "cancelled_id_numbers", Reason: "lists the holder's own ID number", Err: ErrIDFormat})
				break
			}
		}
	}
	if r.IDNumber != "" {
		id, err := ParseID(r.IDNumber)
		if err != nil {
			errs.add(err.(*FieldError))
		} else {
			h.ID = id
			warnings = id.Check(h.DateOfBirth, h.Sex)
		}
	}
	return h, errs, warnings
}

func isPrintable16(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// SplitIDList splits a list of ID numbers written with commas,
// semicolons or spaces between them.
func SplitIDList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' })
}
