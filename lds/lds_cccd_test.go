package lds

import (
	"strings"
	"testing"

	"github.com/cccd-vn/cccd/citizen"
)

func TestNewCCCDData(t *testing.T) {
	r := citizen.Record{
		IDNumber: "001099012345", FullName: "Nguyễn Văn A", DateOfBirth: "1999-05-18", Sex: "Nam",
		Ethnicity: "Kinh", Religion: "Không", PlaceOfOrigin: "Hà Nội", PlaceOfResidence: "Hà Nội",
		DateOfIssue: "2021-07-10", DateOfExpiry: "2024-05-18", FatherName: "Nguyễn Văn B", MotherName: "Trần Thị C",
	}
	d, err := cccdData(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.MRZ.Lines(), "") != "IDVNM0990123459001099012345<<09905186M2405182VNM<<<<<<<<<<<8NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<" {
		t.Errorf("MRZ %q", d.MRZ.Lines())
	}
	g := d.DG13
	if g.DateOfBirth != "18/05/1999" || g.DateOfIssue != "10/07/2021" || g.DateOfExpiry != "18/05/2024" || g.Sex != "Nam" || g.Nationality != "Việt Nam" {
		t.Errorf("DG13 %+v", g)
	}
	// Expiry computed by the milestone rule: born 1999, issued 2021 ->
	// 25th birthday.
	r.DateOfExpiry = ""
	if d, err = cccdData(r); err != nil || d.DG13.DateOfExpiry != "18/05/2024" || d.MRZ.DateOfExpiry != "240518" {
		t.Errorf("computed expiry: %v %+v", err, d)
	}
	// Issued at 60: lifetime card.
	r.DateOfIssue, r.Sex = "2059-06-01", "Nữ"
	d, err = cccdData(r)
	if err != nil || d.DG13.DateOfExpiry != DG13LifetimeExpiry || d.MRZ.DateOfExpiry != "991231" || d.MRZ.Sex != "F" || d.DG13.Sex != "Nữ" {
		t.Errorf("lifetime: %v %+v", err, d)
	}
	for _, bad := range []citizen.Record{
		{IDNumber: "001099012345", FullName: "A", DateOfBirth: "1999-02-30", Sex: "Nam", DateOfExpiry: "2030-01-01"},
		{IDNumber: "001099012345", FullName: "A", DateOfBirth: "1999-02-03", Sex: "?", DateOfExpiry: "2030-01-01"},
		{IDNumber: "001099012345", FullName: "A", DateOfBirth: "1999-02-03", Sex: "Nam"},
		{IDNumber: "0010990123", FullName: "A", DateOfBirth: "1999-02-03", Sex: "Nam", DateOfExpiry: "2030-01-01"},
	} {
		if _, err := cccdData(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

// cccdData validates r into a holder, as every caller does, then builds.
func cccdData(r citizen.Record) (*CCCDData, error) {
	h, errs, _ := citizen.NewHolder(r)
	if !errs.OK() {
		return nil, errs.Err()
	}
	return NewCCCDData(h)
}
