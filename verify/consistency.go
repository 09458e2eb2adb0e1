package verify

import (
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

var pkiErrNoCRL = pki.ErrNoCRL

// consistency compares what the clerk entered, the MRZ (DG1), the citizen
// data (DG13) and the QR, and checks the ID number's structure and the
// expiry. Details name fields, never their values: reports travel.
func consistency(rep *Report, dg1 *lds.DG1, dg13 *lds.DG13, in Input, now time.Time) {
	var m *lds.MRZ
	if dg1 != nil {
		m = dg1.MRZ
	}
	// What was typed vs DG1.
	switch {
	case m == nil:
	case in.MRZ != nil:
		if normMRZ(in.MRZ.String()) == normMRZ(m.String()) {
			rep.add("consistency.mrz_input", Pass, "the MRZ entered is the chip's DG1")
		} else {
			rep.add("consistency.mrz_input", Fail, "the MRZ entered differs from the chip's DG1 (card body and chip disagree)")
		}
	case in.Secret.HasMRZ() && in.QR == nil:
		sec := in.Secret
		var diff []string
		if strings.TrimRight(sec.DocumentNumber, "<") != strings.TrimRight(m.DocumentNumber, "<") {
			diff = append(diff, "document number")
		}
		if sec.DateOfBirth != m.DateOfBirth {
			diff = append(diff, "date of birth")
		}
		if sec.DateOfExpiry != m.DateOfExpiry {
			diff = append(diff, "date of expiry")
		}
		if len(diff) == 0 {
			rep.add("consistency.mrz_input", Pass, "document number and dates entered match DG1")
		} else {
			rep.add("consistency.mrz_input", Fail, "entered %s differ from DG1", strings.Join(diff, ", "))
		}
	}
	if m != nil {
		if err := m.Check(); err != nil {
			rep.add("dg1.check_digits", Fail, "%v", err)
		}
	}
	if dg13 == nil {
		rep.add("consistency.dg1_dg13", Skip, "no DG13 on the chip")
	} else if m != nil {
		if diff := dg1VsDG13(m, dg13); len(diff) == 0 {
			rep.add("consistency.dg1_dg13", Pass, "DG1 and DG13 agree (ID number, name, date of birth, sex, expiry)")
		} else {
			rep.add("consistency.dg1_dg13", Fail, "DG1 and DG13 disagree on %s", strings.Join(diff, ", "))
		}
	}
	if in.QR != nil {
		if dg13 == nil {
			rep.add("consistency.qr_dg13", Fail, "a QR was given but the chip has no DG13 to compare it with")
		} else if diff := qrVsDG13(in, dg13); len(diff) == 0 {
			rep.add("consistency.qr_dg13", Pass, "the QR printed on the card matches DG13")
		} else {
			rep.add("consistency.qr_dg13", Fail, "the QR printed on the card differs from DG13 on %s", strings.Join(diff, ", "))
		}
	}
	// ID number structure: a soft check (the structure's circular
	// expired in 2024; numbers issued since follow only "12 digits").
	if dg13 != nil {
		dob, _ := time.Parse("02/01/2006", dg13.DateOfBirth)
		sex, _ := citizen.ParseSex(dg13.Sex)
		_, chk := citizen.CheckID(dg13.IDNumber, dob, sex)
		if chk.OK() {
			rep.add("consistency.id_structure", Pass, "ID number structure agrees with date of birth and sex")
		} else {
			var why []string
			hard := false
			for _, p := range chk.Problems {
				why = append(why, p.Reason)
				// Only a number that is not 12 digits fails. The PPP G YY
				// structure comes from a circular that expired on
				// 1 July 2024 (shared/cccd-reference.md), so a mismatch of
				// century, sex or year digits is a warning naming the field.
				if p.Field == "id_number" && len(dg13.IDNumber) != 12 {
					hard = true
				}
			}
			st := Warn
			if hard {
				st = Fail
			}
			rep.add("consistency.id_structure", st, "ID number: %s", strings.Join(why, "; "))
		}
	}
	expiry(rep, m, dg13, now)
}

func expiry(rep *Report, m *lds.MRZ, dg13 *lds.DG13, now time.Time) {
	var exp time.Time
	switch {
	case dg13 != nil && dg13.DateOfExpiry == lds.DG13LifetimeExpiry:
		rep.add("card.expiry", Pass, "the card has no expiry (issued from age 58)")
		return
	case dg13 != nil && dg13.DateOfExpiry != "":
		exp, _ = time.Parse("02/01/2006", dg13.DateOfExpiry)
	case m != nil && m.DateOfExpiry == "991231":
		rep.add("card.expiry", Pass, "the card has no expiry")
		return
	case m != nil:
		exp, _ = time.Parse("060102", m.DateOfExpiry)
	}
	if exp.IsZero() {
		rep.add("card.expiry", Fail, "the card's date of expiry cannot be read")
		return
	}
	if now.After(exp.AddDate(0, 0, 1)) {
		rep.add("card.expiry", Fail, "the card expired on %s", exp.Format("2006-01-02"))
		return
	}
	rep.add("card.expiry", Pass, "valid until %s", exp.Format("2006-01-02"))
}

func normMRZ(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToUpper(s))
}

func ddmmyyyyToYYMMDD(s string) string {
	t, err := time.Parse("02/01/2006", s)
	if err != nil {
		return ""
	}
	return t.Format("060102")
}

func dg1VsDG13(m *lds.MRZ, d *lds.DG13) []string {
	var diff []string
	id := d.IDNumber
	if len(id) != 12 || !strings.HasPrefix(m.OptionalData1, id) || m.DocumentNumber != id[3:] {
		diff = append(diff, "ID number")
	}
	surname, given := lds.SplitVietnameseName(d.FullName)
	want, _, err := lds.MRZNameField(surname, given, 30)
	got := m.Surname + "<<" + strings.ReplaceAll(m.GivenNames, " ", "<")
	if err != nil || strings.TrimRight(want, "<") != strings.TrimRight(got, "<") {
		diff = append(diff, "name (transliterated)")
	}
	if ddmmyyyyToYYMMDD(d.DateOfBirth) != m.DateOfBirth {
		diff = append(diff, "date of birth")
	}
	sex, err := citizen.ParseSex(d.Sex)
	if err != nil || sex.MRZ() != m.Sex {
		diff = append(diff, "sex")
	}
	switch {
	case d.DateOfExpiry == lds.DG13LifetimeExpiry:
		if m.DateOfExpiry != "991231" {
			diff = append(diff, "date of expiry")
		}
	case ddmmyyyyToYYMMDD(d.DateOfExpiry) != m.DateOfExpiry:
		diff = append(diff, "date of expiry")
	}
	return diff
}

func nfc(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

func qrVsDG13(in Input, d *lds.DG13) []string {
	q := in.QR
	var diff []string
	iso := func(ddmmyyyy string) string {
		t, err := time.Parse("02/01/2006", ddmmyyyy)
		if err != nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	if len(q.ParentNames) == 2 && (d.FatherName != "" || d.MotherName != "") {
		if nfc(q.ParentNames[0]) != nfc(d.FatherName) || nfc(q.ParentNames[1]) != nfc(d.MotherName) {
			diff = append(diff, "parents' names")
		}
	}
	for _, c := range q.CancelledIDNumbers {
		if c == d.IDNumber {
			diff = append(diff, "ID number (the chip's number is among the QR's cancelled ones)")
		}
	}
	if len(d.OldIDNumber) == 12 && len(q.CancelledIDNumbers) > 0 {
		// DG13 field 15 holding a 12-digit number: a cancelled one, which
		// the QR of the 2024 card lists too.
		found := false
		for _, c := range q.CancelledIDNumbers {
			found = found || c == d.OldIDNumber
		}
		if !found {
			diff = append(diff, "cancelled ID numbers")
		}
	}
	for _, c := range []struct {
		name     string
		qr, chip string
	}{
		{"ID number", q.IDNumber, d.IDNumber},
		{"old ID number", q.OldIDNumber, d.OldIDNumber},
		{"full name", nfc(q.FullName), nfc(d.FullName)},
		{"date of birth", q.DateOfBirth, iso(d.DateOfBirth)},
		{"sex", nfc(q.Sex), nfc(d.Sex)},
		{"place of residence", nfc(q.PlaceOfResidence), nfc(d.PlaceOfResidence)},
		{"date of issue", q.DateOfIssue, iso(d.DateOfIssue)},
	} {
		if c.qr != c.chip {
			diff = append(diff, c.name)
		}
	}
	return diff
}

func holderOf(dg1 *lds.DG1, d *lds.DG13) *Holder {
	if d == nil && dg1 == nil {
		return nil
	}
	h := &Holder{}
	if dg1 != nil {
		m := dg1.MRZ
		h.MRZ = m.String()
		h.FullName = strings.TrimSpace(m.Surname + " " + m.GivenNames)
		h.DateOfBirth, h.Sex, h.DateOfExpiry, h.Nationality = m.DateOfBirth, m.Sex, m.DateOfExpiry, m.Nationality
		h.IDNumber = m.DocumentNumber
	}
	if d != nil {
		h.IDNumber, h.OldIDNumber, h.FullName, h.DateOfBirth, h.Sex = d.IDNumber, d.OldIDNumber, d.FullName, d.DateOfBirth, d.Sex
		h.Nationality, h.Ethnicity, h.Religion = d.Nationality, d.Ethnicity, d.Religion
		h.PlaceOfOrigin, h.PlaceOfResidence, h.Features = d.PlaceOfOrigin, d.PlaceOfResidence, d.PersonalFeatures
		h.DateOfIssue, h.DateOfExpiry = d.DateOfIssue, d.DateOfExpiry
		h.FatherName, h.MotherName, h.SpouseName = d.FatherName, d.MotherName, d.SpouseName
	}
	return h
}
