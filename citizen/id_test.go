package citizen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestProvinceTable(t *testing.T) {
	if got := len(Provinces()); got != 63 {
		t.Fatalf("Provinces() has %d entries, want the 63 units", got)
	}
	for _, tc := range []struct{ code, name string }{
		{"001", "Hà Nội"}, {"079", "TP Hồ Chí Minh"}, {"048", "Đà Nẵng"}, {"096", "Cà Mau"},
		{"046", "Thừa Thiên Huế"}, {"077", "Bà Rịa – Vũng Tàu"}, {"066", "Đắk Lắk"},
	} {
		p, ok := LookupProvince(tc.code)
		if !ok || p.Name != tc.name || p.Abroad {
			t.Errorf("LookupProvince(%s) = %+v, %v; want %s", tc.code, p, ok, tc.name)
		}
	}
}

// Every code of the table and of the abroad range is accepted; every other
// three-digit code is rejected with ErrProvince.
func TestEveryProvinceCode(t *testing.T) {
	accepted := 0
	for n := 0; n <= 999; n++ {
		code := fmt.Sprintf("%03d", n)
		_, inTable := provinces[code]
		abroad := n >= 101 && n <= 295
		id, err := ParseID(code + "099012345")
		if err != nil {
			t.Fatalf("ParseID(%s...) = %v", code, err)
		}
		c := id.Check(time.Time{}, SexUnknown)
		if inTable || abroad {
			accepted++
			if !c.OK() {
				t.Errorf("code %s rejected: %v", code, c.Err())
			}
			if id.Province.Abroad != abroad {
				t.Errorf("code %s: Abroad = %v", code, id.Province.Abroad)
			}
			continue
		}
		if !errors.Is(c.Err(), ErrProvince) {
			t.Errorf("code %s accepted, want ErrProvince", code)
		}
		if len(c.Problems) != 1 || c.Problems[0].Field != "id_number" {
			t.Errorf("code %s: problems %+v", code, c.Problems)
		}
	}
	if want := 63 + 195; accepted != want {
		t.Errorf("accepted %d codes, want %d", accepted, want)
	}
}

func TestParseIDFormat(t *testing.T) {
	for _, s := range []string{"", "00109901234", "0010990123456", "00109901234a", "００1099012345", "001 99012345", "+01099012345"} {
		_, err := ParseID(s)
		if !errors.Is(err, ErrIDFormat) {
			t.Errorf("ParseID(%q) = %v, want ErrIDFormat", s, err)
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "id_number" {
			t.Errorf("ParseID(%q): error %v does not name id_number", s, err)
		}
		if len(s) > 6 && strings.Contains(err.Error(), s[6:]) {
			t.Errorf("error text %q leaks the serial", err)
		}
	}
}

func TestParseIDDecodes(t *testing.T) {
	for _, tc := range []struct {
		number string
		g      int
		sex    Sex
		year   int
		prov   string
	}{
		{"001099012345", 0, Male, 1999, "Hà Nội"},
		{"079190012345", 1, Female, 1990, "TP Hồ Chí Minh"},
		{"048203000001", 2, Male, 2003, "Đà Nẵng"},
		{"096305999999", 3, Female, 2005, "Cà Mau"},
		{"001400000000", 4, Male, 2100, "Hà Nội"},
		{"001599000000", 5, Female, 2199, "Hà Nội"},
		{"001650000000", 6, Male, 2250, "Hà Nội"},
		{"001701000000", 7, Female, 2201, "Hà Nội"},
		{"001899000000", 8, Male, 2399, "Hà Nội"},
		{"001900000000", 9, Female, 2300, "Hà Nội"},
		{"150099123456", 0, Male, 1999, "nước ngoài"},
	} {
		id, err := ParseID(tc.number)
		if err != nil {
			t.Fatalf("ParseID(%s): %v", tc.number, err)
		}
		if id.CenturyDigit != tc.g || id.Sex != tc.sex || id.BirthYear != tc.year || id.Province.Name != tc.prov {
			t.Errorf("ParseID(%s) = %+v", tc.number, id)
		}
		if id.Serial() != tc.number[6:] {
			t.Errorf("Serial() = %s", id.Serial())
		}
	}
}

func TestIDAgreement(t *testing.T) {
	for _, tc := range []struct {
		name   string
		number string
		dob    time.Time
		sex    Sex
		want   []error
		fields []string
	}{
		{"male 1999", "001099012345", date(1999, 5, 18), Male, nil, nil},
		{"female 1990", "079190012345", date(1990, 8, 15), Female, nil, nil},
		{"male 2003", "048203000001", date(2003, 1, 1), Male, nil, nil},
		{"female 2005", "096305999999", date(2005, 12, 31), Female, nil, nil},
		{"skip both", "001099012345", time.Time{}, SexUnknown, nil, nil},
		{"century 1900s digit, born 2001", "001001012345", date(2001, 5, 18), Male, []error{ErrCentury}, []string{"date_of_birth"}},
		{"century 2000s digit, born 1999", "001299012345", date(1999, 5, 18), Male, []error{ErrCentury}, []string{"date_of_birth"}},
		{"year digits", "001098012345", date(1999, 5, 18), Male, []error{ErrBirthYear}, []string{"date_of_birth"}},
		{"sex female digit, male record", "001199012345", date(1999, 5, 18), Male, []error{ErrSexMismatch}, []string{"sex"}},
		{"sex male digit, female record", "001099012345", date(1999, 5, 18), Female, []error{ErrSexMismatch}, []string{"sex"}},
		{"born 1899", "001099012345", date(1899, 5, 18), Male, []error{ErrCentury}, []string{"date_of_birth"}},
		{"everything wrong", "003399012345", date(1998, 5, 18), Male, []error{ErrProvince, ErrCentury, ErrSexMismatch}, []string{"id_number", "date_of_birth", "sex"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := CheckID(tc.number, tc.dob, tc.sex)
			if len(c.Problems) != len(tc.want) {
				t.Fatalf("problems = %v, want %v", c.Err(), tc.want)
			}
			for i, p := range c.Problems {
				if !errors.Is(p, tc.want[i]) || p.Field != tc.fields[i] {
					t.Errorf("problem %d = %v (field %s), want %v on %s", i, p, p.Field, tc.want[i], tc.fields[i])
				}
				if strings.Contains(p.Error(), tc.number[6:]) {
					t.Errorf("problem text %q leaks the serial", p)
				}
			}
			if c.OK() != (len(tc.want) == 0) || (c.Err() == nil) != c.OK() {
				t.Errorf("OK/Err inconsistent")
			}
		})
	}
}

// randomID builds a structurally valid ID for a random province, birth date
// and sex, the way the issuing authority would.
func randomID(r *rand.Rand) (string, time.Time, Sex) {
	codes := Provinces()
	var code string
	if r.IntN(5) == 0 {
		code = fmt.Sprintf("%03d", 101+r.IntN(195))
	} else {
		code = codes[r.IntN(len(codes))].Code
	}
	dob := date(1900+r.IntN(500), time.January, 1).AddDate(0, 0, r.IntN(365))
	sex := Male
	if r.IntN(2) == 1 {
		sex = Female
	}
	g, _ := CenturyDigitFor(dob.Year(), sex)
	return fmt.Sprintf("%s%d%02d%06d", code, g, dob.Year()%100, r.IntN(1000000)), dob, sex
}

func TestRandomValidIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		number, dob, sex := randomID(r)
		id, c := CheckID(number, dob, sex)
		if !c.OK() {
			t.Fatalf("valid ID %s (%s, %v) rejected: %v", number, FormatDate(dob), sex, c.Err())
		}
		if id.BirthYear != dob.Year() || id.Sex != sex {
			t.Fatalf("ParseID(%s) = %+v, want year %d sex %v", number, id, dob.Year(), sex)
		}
		// Flipping the sex bit of G must be caught as a sex mismatch only.
		flipped := []byte(number)
		flipped[3] ^= 1
		_, c = CheckID(string(flipped), dob, sex)
		if len(c.Problems) != 1 || !errors.Is(c.Problems[0], ErrSexMismatch) {
			t.Fatalf("flipped sex digit of %s: %v", number, c.Err())
		}
	}
}

// Property: for every birth year 1900–2399 and sex, CenturyDigitFor and
// ParseID are inverse.
func TestCenturyDigitProperty(t *testing.T) {
	f := func(y uint16, female bool) bool {
		year := 1900 + int(y)%500
		sex := Male
		if female {
			sex = Female
		}
		g, ok := CenturyDigitFor(year, sex)
		if !ok {
			return false
		}
		id, err := ParseID(fmt.Sprintf("001%d%02d123456", g, year%100))
		return err == nil && id.BirthYear == year && id.Sex == sex
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
	for _, y := range []int{1899, 2400} {
		if _, ok := CenturyDigitFor(y, Male); ok {
			t.Errorf("CenturyDigitFor(%d) ok", y)
		}
	}
}

func TestCheckOldID(t *testing.T) {
	for _, tc := range []struct {
		s  string
		ok bool
	}{
		{"025123456", true}, {"123456789012", true}, {"02512345", false}, {"0251234567", false},
		{"02512345a", false}, {"", false}, {"12345678901", false},
	} {
		err := CheckOldID(tc.s)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrOldIDFormat)) {
			t.Errorf("CheckOldID(%q) = %v", tc.s, err)
		}
	}
}

func TestSex(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Sex
	}{
		{"Nam", Male}, {"nam", Male}, {"M", Male}, {"male", Male},
		{"Nữ", Female}, {"NỮ", Female}, {"Nu", Female}, {"f", Female}, {"Female", Female},
	} {
		got, err := ParseSex(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSex(%q) = %v, %v", tc.in, got, err)
		}
	}
	for _, in := range []string{"", "X", "Nũ", "nam nữ"} {
		if _, err := ParseSex(in); !errors.Is(err, ErrSex) {
			t.Errorf("ParseSex(%q) = %v, want ErrSex", in, err)
		}
	}
	if Male.Vietnamese() != "Nam" || Female.Vietnamese() != "Nữ" || Male.MRZ() != "M" || Female.MRZ() != "F" || SexUnknown.MRZ() != "<" {
		t.Error("Sex conversions wrong")
	}
}

func FuzzCheckID(f *testing.F) {
	for _, s := range []string{"001099012345", "079190012345", "999999999999", "00109901234", "", "０01099012345"} {
		f.Add(s, "1999-05-18", "Nam")
	}
	f.Fuzz(func(t *testing.T, number, dob, sex string) {
		d, _ := ParseDate("date_of_birth", dob)
		s, _ := ParseSex(sex)
		id, c := CheckID(number, d, s)
		if c.OK() {
			if id.Number != number || len(number) != 12 {
				t.Fatalf("accepted %q as %+v", number, id)
			}
			if !d.IsZero() && id.BirthYear != d.Year() {
				t.Fatalf("accepted %q for year %d", number, d.Year())
			}
		}
		for _, p := range c.Problems {
			if p.Field == "" || p.Err == nil {
				t.Fatalf("problem without field or sentinel: %+v", p)
			}
		}
	})
}
