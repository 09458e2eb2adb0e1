package citizen

import (
	"fmt"
	"strconv"
	"time"
)

// ID is a decoded 12-digit personal ID number (số định danh cá nhân),
// structure PPP G YY NNNNNN (Circular 07/2016/TT-BCA, Art. 7):
//
//	PPP     province/city code of birth registration (101–295: abroad)
//	G       century of birth and sex: even male, odd female; 0/1 1900s, 2/3 2000s, ... 8/9 2300s
//	YY      last two digits of the birth year
//	NNNNNN  random serial
//
// That circular expired on 1 July 2024 and the Law on Identification 2023
// only promises "12 digits"; numbers already issued keep the structure, so
// a mismatch is a soft finding (see Check).
type ID struct {
	Number        string   `json:"number"`
	Province      Province `json:"province"`       // Code always set; Name empty when unknown
	KnownProvince bool     `json:"known_province"` // the code is in the table
	CenturyDigit  int      `json:"century_digit"`
	Sex           Sex      `json:"sex"`
	BirthYear     int      `json:"birth_year"` // century from G plus YY
}

// ParseID decodes a personal ID number. It fails only when the value is not
// 12 ASCII digits (ErrIDFormat); an unknown province is reported by Check.
// The error text does not repeat the number.
func ParseID(s string) (ID, error) {
	if len(s) != 12 || !allDigits(s) {
		reason := fmt.Sprintf("must be 12 digits, got %d characters", len([]rune(s)))
		if len(s) == 12 {
			reason = "must be 12 digits, found a non-digit"
		}
		return ID{}, &FieldError{Field: "id_number", Reason: reason, Err: ErrIDFormat}
	}
	g := int(s[3] - '0')
	yy, _ := strconv.Atoi(s[4:6])
	id := ID{
		Number:       s,
		CenturyDigit: g,
		Sex:          Male,
		BirthYear:    1900 + 100*(g/2) + yy,
	}
	if g%2 == 1 {
		id.Sex = Female
	}
	if p, ok := LookupProvince(s[:3]); ok {
		id.Province, id.KnownProvince = p, true
	} else {
		id.Province = Province{Code: s[:3]}
	}
	return id, nil
}

// Serial returns the last six digits (NNNNNN). On the 2021 card they are
// also the CAN for PACE: treat the value as a secret.
func (id ID) Serial() string { return id.Number[6:] }

// Check lists every structure problem of the number and its disagreements
// with the date of birth and sex. A zero dob or SexUnknown skips that
// comparison. Each problem names the field: id_number for the structure,
// date_of_birth or sex for a disagreement.
func (id ID) Check(dob time.Time, sex Sex) Check {
	var c Check
	if !id.KnownProvince {
		c.add(&FieldError{Field: "id_number", Value: id.Province.Code,
			Reason: "is not a province code (digits 1–3 must be 001–096 from the province table, or 101–295 for abroad)",
			Err:    ErrProvince})
	}
	if !dob.IsZero() {
		y := dob.Year()
		century := (y - 1900) / 100
		switch {
		case y < 1900 || y > 2399:
			c.add(&FieldError{Field: "date_of_birth", Value: dob.Format(isoDate),
				Reason: "is outside the years 1900–2399 that the century digit can express", Err: ErrCentury})
		case id.CenturyDigit/2 != century:
			c.add(&FieldError{Field: "date_of_birth", Value: dob.Format(isoDate),
				Reason: fmt.Sprintf("disagrees with id_number: century digit %d means born %d–%d",
					id.CenturyDigit, 1900+100*(id.CenturyDigit/2), 1999+100*(id.CenturyDigit/2)),
				Err: ErrCentury})
		case id.BirthYear != y:
			c.add(&FieldError{Field: "date_of_birth", Value: dob.Format(isoDate),
				Reason: fmt.Sprintf("disagrees with id_number: digits 5–6 say born in %d", id.BirthYear),
				Err:    ErrBirthYear})
		}
	}
	if sex != SexUnknown && sex != id.Sex {
		c.add(&FieldError{Field: "sex", Value: sex.Vietnamese(),
			Reason: fmt.Sprintf("disagrees with id_number: digit 4 (%d) means %s", id.CenturyDigit, id.Sex.Vietnamese()),
			Err:    ErrSexMismatch})
	}
	return c
}

// CheckID parses number and checks it against dob and sex (either may be
// zero to skip). A number that is not 12 digits is the only problem then.
func CheckID(number string, dob time.Time, sex Sex) (ID, Check) {
	id, err := ParseID(number)
	if err != nil {
		return ID{}, Check{Problems: []*FieldError{err.(*FieldError)}}
	}
	return id, id.Check(dob, sex)
}

// CenturyDigitFor returns the digit G for a birth year and sex, the inverse
// of the table in ParseID; ok is false outside 1900–2399 or for SexUnknown.
func CenturyDigitFor(birthYear int, sex Sex) (g int, ok bool) {
	if birthYear < 1900 || birthYear > 2399 || sex == SexUnknown {
		return 0, false
	}
	g = 2 * ((birthYear - 1900) / 100)
	if sex == Female {
		g++
	}
	return g, true
}

// CheckOldID checks the format of an old People's Identity Card (CMND)
// number: 9 digits, or 12 for the few 12-digit CMND (which are old numbers,
// not personal ID numbers). The error does not repeat the value.
func CheckOldID(s string) error {
	if (len(s) == 9 || len(s) == 12) && allDigits(s) {
		return nil
	}
	return &FieldError{Field: "old_id_number",
		Reason: fmt.Sprintf("must be 9 digits (or 12 for a 12-digit CMND), got %d characters", len([]rune(s))),
		Err:    ErrOldIDFormat}
}
