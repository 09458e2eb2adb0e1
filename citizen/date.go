package citizen

import (
	"time"
)

const isoDate = "2006-01-02"

// ParseDate reads a record date "YYYY-MM-DD" and rejects dates that do not
// exist (2023-02-29). field names the record field for the error.
func ParseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, &FieldError{Field: field, Reason: "is empty: give a date as YYYY-MM-DD", Err: ErrMissing}
	}
	t, err := time.Parse(isoDate, s)
	if err != nil {
		return time.Time{}, &FieldError{Field: field, Value: s, Reason: "is not a date: use YYYY-MM-DD", Err: ErrDate}
	}
	return t, nil
}

// FormatDate writes a date as YYYY-MM-DD (empty for the zero time).
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(isoDate)
}

// Birthday returns the day a person born on dob turns age. Someone born on
// 29 February turns age on 28 February in a common year (the day before
// 1 March, so a card never outlives the holder's milestone).
func Birthday(dob time.Time, age int) time.Time {
	y, m, d := dob.Date()
	y += age
	if m == time.February && d == 29 && !isLeap(y) {
		d = 28
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// ageOn returns the age in whole years on day t.
func ageOn(dob, t time.Time) int {
	age := t.Year() - dob.Year()
	if Birthday(dob, age).After(t) {
		age--
	}
	return age
}
