package citizen

import (
	"errors"
	"testing"
	"time"
)

func TestComputeExpiry(t *testing.T) {
	dob := date(1999, 5, 18)
	for _, tc := range []struct {
		name     string
		dob      time.Time
		issue    time.Time
		law      Law
		expiry   time.Time // zero: lifetime
		mrz      string
		milstone int
	}{
		{"reference example: 2014 law, age 21 → 25", dob, date(2021, 3, 1), Law2014, date(2024, 5, 18), "240518", 25},
		{"2014 law, age 22 (2 years + 1 day before 25) → 25", dob, date(2022, 5, 17), Law2014, date(2024, 5, 18), "240518", 25},
		{"2014 law, exactly 2 years before 25 → 40", dob, date(2022, 5, 18), Law2014, date(2039, 5, 18), "390518", 40},
		{"2014 law, age 23 → 40", dob, date(2023, 1, 1), Law2014, date(2039, 5, 18), "390518", 40},
		{"2014 law, age 14 → 25", date(2007, 1, 2), date(2021, 6, 1), Law2014, date(2032, 1, 2), "320102", 25},
		{"2014 law, age 37 → 40", date(1983, 7, 1), date(2021, 1, 1), Law2014, date(2023, 7, 1), "230701", 40},
		{"2014 law, age 38 → 60", date(1983, 7, 1), date(2021, 7, 1), Law2014, date(2043, 7, 1), "430701", 60},
		{"2014 law, age 57 → 60", date(1964, 3, 10), date(2021, 3, 9), Law2014, date(2024, 3, 10), "240310", 60},
		{"2014 law, age 58 → lifetime", date(1963, 3, 10), date(2021, 3, 10), Law2014, time.Time{}, "991231", 0},
		{"2014 law, age 80 → lifetime", date(1941, 3, 10), date(2021, 3, 10), Law2014, time.Time{}, "991231", 0},
		{"last day of 2014 law, age 10 → 25", date(2014, 1, 1), date(2024, 6, 30), Law2014, date(2039, 1, 1), "390101", 25},
		{"first day of 2023 law, age 10 → 14", date(2014, 1, 1), date(2024, 7, 1), Law2023, date(2028, 1, 1), "280101", 14},
		{"2023 law, newborn → 14", date(2024, 8, 1), date(2024, 9, 1), Law2023, date(2038, 8, 1), "380801", 14},
		{"2023 law, age 12 → 25", date(2012, 8, 1), date(2024, 9, 1), Law2023, date(2037, 8, 1), "370801", 25},
		{"2023 law, age 15 → 25", date(2009, 8, 1), date(2024, 9, 1), Law2023, date(2034, 8, 1), "340801", 25},
		{"2023 law, age 24 → 40", date(2000, 8, 1), date(2024, 9, 1), Law2023, date(2040, 8, 1), "400801", 40},
		{"2023 law, age 45 → 60", date(1979, 8, 1), date(2024, 9, 1), Law2023, date(2039, 8, 1), "390801", 60},
		{"2023 law, age 58 → lifetime", date(1966, 8, 1), date(2024, 9, 1), Law2023, time.Time{}, "991231", 0},
		{"29 February, common-year milestone → 28 February", date(2000, 2, 29), date(2021, 1, 1), Law2014, date(2025, 2, 28), "250228", 25},
		{"29 February, leap-year milestone", date(2000, 2, 29), date(2023, 3, 1), Law2014, date(2040, 2, 29), "400229", 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ComputeExpiry(tc.dob, tc.issue)
			if err != nil {
				t.Fatal(err)
			}
			if e.Law != tc.law || !e.Date.Equal(tc.expiry) || e.Lifetime != tc.expiry.IsZero() || e.Age != tc.milstone {
				t.Errorf("ComputeExpiry = %+v, want %v, expiry %s, milestone %d", e, tc.law, FormatDate(tc.expiry), tc.milstone)
			}
			if e.MRZ() != tc.mrz {
				t.Errorf("MRZ() = %s, want %s", e.MRZ(), tc.mrz)
			}
		})
	}
}

func TestComputeExpiryErrors(t *testing.T) {
	if _, err := ComputeExpiry(date(2000, 1, 2), date(2000, 1, 1)); !errors.Is(err, ErrIssueDate) {
		t.Errorf("issue before birth: %v", err)
	}
	if _, err := ComputeExpiry(time.Time{}, date(2000, 1, 1)); !errors.Is(err, ErrMissing) {
		t.Errorf("no dob: %v", err)
	}
}
