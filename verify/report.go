// Package verify is the inspection procedure of ICAO Doc 9303-11 §4.2 for
// a counter: open the chip with the MRZ, the CAN or the card's QR, read it,
// check its signatures against a trust store (passive authentication),
// detect clones (active authentication), cross-check the MRZ, DG1, DG13
// and the QR, and give a verdict with each check on its own line.
package verify

import (
	"fmt"
	"strings"
)

// Status is a check's outcome.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn" // noted, does not fail the verdict
	Skip Status = "skip" // not applicable or not possible (said why)
)

// Check is one line of the report. Names are stable (scripts use them):
//
//	sod.parse, sod.content_type, sod.message_digest, sod.signature,
//	sod.chain, sod.validity, sod.revocation, sod.country,
//	dgN.hash (one per data group), dgN.parse,
//	clone.chip_authentication, clone.active_authentication,
//	consistency.mrz_input, consistency.dg1_dg13, consistency.qr_dg13,
//	consistency.id_structure, card.expiry
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Verdicts.
const (
	Genuine     = "GENUINE"
	NotVerified = "NOT VERIFIED"
)

// Holder is the personal data the clerk sees (from DG13, else DG1).
type Holder struct {
	IDNumber         string `json:"id_number"`
	OldIDNumber      string `json:"old_id_number,omitempty"`
	FullName         string `json:"full_name"`
	DateOfBirth      string `json:"date_of_birth"`
	Sex              string `json:"sex"`
	Nationality      string `json:"nationality,omitempty"`
	Ethnicity        string `json:"ethnicity,omitempty"`
	Religion         string `json:"religion,omitempty"`
	PlaceOfOrigin    string `json:"place_of_origin,omitempty"`
	PlaceOfResidence string `json:"place_of_residence,omitempty"`
	Features         string `json:"identifying_features,omitempty"`
	DateOfIssue      string `json:"date_of_issue,omitempty"`
	DateOfExpiry     string `json:"date_of_expiry,omitempty"`
	FatherName       string `json:"father_name,omitempty"`
	MotherName       string `json:"mother_name,omitempty"`
	SpouseName       string `json:"spouse_name,omitempty"`
	MRZ              string `json:"mrz,omitempty"`
}

// Phase timings and traffic.
type Stats struct {
	APDUs          int     `json:"apdus"`
	BytesSent      int     `json:"bytes_sent"`
	BytesReceived  int     `json:"bytes_received"`
	AccessMS       float64 `json:"access_control_ms"`
	ReadMS         float64 `json:"reading_ms"`
	ChecksMS       float64 `json:"checks_ms"`
	ExtendedLength bool    `json:"extended_length"`
}

// FileInfo is one file read (or not).
type FileInfo struct {
	Name string `json:"name"`
	Size int    `json:"size,omitempty"`
	Note string `json:"note,omitempty"`
}

// Report is the outcome of one verification. Its JSON form is documented
// in the README ("Verification report (JSON)").
type Report struct {
	Verdict   string     `json:"verdict"`
	Reader    string     `json:"reader,omitempty"`
	Access    Access     `json:"access"`
	Checks    []Check    `json:"checks"`
	Failed    []string   `json:"failed,omitempty"`
	Holder    *Holder    `json:"holder,omitempty"`
	Files     []FileInfo `json:"files"`
	Signer    *Signer    `json:"document_signer,omitempty"`
	Stats     Stats      `json:"stats"`
	PhotoType string     `json:"photo_type,omitempty"`

	// Photo is the face image of DG2 (JPEG or JPEG 2000), for --photo-out.
	Photo []byte `json:"-"`
	// Raw holds every file read by its name (EF.COM, DG1, …), for 'read'.
	Raw map[string][]byte `json:"-"`
}

// Access says how the chip was opened.
type Access struct {
	Method   string `json:"method"`
	Password string `json:"password"`
	Note     string `json:"note,omitempty"`
}

// Signer describes the Document Signer and its CSCA.
type Signer struct {
	Subject   string `json:"subject"`
	Serial    string `json:"serial"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	CSCA      string `json:"csca,omitempty"`
}

func (r *Report) add(name string, s Status, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, Status: s, Detail: fmt.Sprintf(format, args...)})
}

// finish sets the verdict: GENUINE only when no check failed.
func (r *Report) finish() {
	r.Failed = nil
	for _, c := range r.Checks {
		if c.Status == Fail {
			r.Failed = append(r.Failed, c.Name)
		}
	}
	r.Verdict = Genuine
	if len(r.Failed) > 0 {
		r.Verdict = NotVerified
	}
}

// Genuine reports the verdict.
func (r *Report) IsGenuine() bool { return r.Verdict == Genuine }

// Summary is the verdict line a clerk reads.
func (r *Report) Summary() string {
	if r.IsGenuine() {
		return "GENUINE: every check passed"
	}
	return "NOT VERIFIED: failed " + strings.Join(r.Failed, ", ")
}
