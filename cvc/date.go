package cvc

import "time"

// Dates are six unpacked BCD digits YYMMDD in GMT, the year read as 20YY
// (TR-03110 part 3 §D.2.1.3). This package carries them as time.Time at
// midnight UTC.

// parseDate decodes a 5F24/5F25 value.
func parseDate(object string, v []byte) (time.Time, error) {
	if len(v) != 6 {
		return time.Time{}, malformed(object, "a date is 6 octets, got %d", len(v))
	}
	var d [6]int
	for i, b := range v {
		if b > 9 {
			return time.Time{}, malformed(object, "octet %d (%02X) is not an unpacked BCD digit", i, b)
		}
		d[i] = int(b)
	}
	y, m, day := 2000+d[0]*10+d[1], time.Month(d[2]*10+d[3]), d[4]*10+d[5]
	t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || t.Month() != m || t.Day() != day {
		return time.Time{}, malformed(object, "%02d%02d%02d is not a calendar date", y-2000, int(m), day)
	}
	return t, nil
}

// encodeDate encodes a date, which must lie in 2000..2099.
func encodeDate(t time.Time) ([]byte, bool) {
	y, m, d := t.Date()
	if y < 2000 || y > 2099 {
		return nil, false
	}
	y -= 2000
	return []byte{byte(y / 10), byte(y % 10), byte(m / 10), byte(m % 10), byte(d / 10), byte(d % 10)}, true
}

// Day returns the calendar day of t (in t's location) at midnight UTC:
// the resolution of CV certificate dates and of the chip's current date.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
