// Package verify is the inspection procedure of ICAO Doc 9303-11 §4.2 for
// a counter: open the chip with the MRZ, the CAN or the card's QR, read it,
// check its signatures against a trust store (passive authentication),
// detect clones (active authentication), cross-check the MRZ, DG1, DG13
// and the QR, and give a verdict with each check on its own line.
package verify

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/lds"
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
//	dgN.hash (one per data group EF.SOD lists), dgN.parse,
//	com.matches_sod, access.cardaccess_dg14,
//	clone.chip_authentication, clone.active_authentication,
//	dg1.check_digits, consistency.mrz_input, consistency.dg1_dg13,
//	consistency.qr_dg13, consistency.id_structure, card.expiry
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Class is what a failure of this check says about the card.
	Class  Reason `json:"class"`
	Detail string `json:"detail,omitempty"`
}

// Reason is the class of a failed verification, so that a clerk can act
// on it: an authentic but expired card is not a forgery.
type Reason string

const (
	// Forged: the data is not what the issuer signed (a hash, the
	// signature, the chain, a downgrade of the signed access control).
	Forged Reason = "forged"
	// Cloned: the chip does not hold the keys its signed files name.
	Cloned Reason = "cloned"
	// Inconsistent: the MRZ, DG1, DG13 and QR disagree.
	Inconsistent Reason = "inconsistent"
	// Expired: an authentic chip whose document is out of date.
	Expired Reason = "expired"
)

// reasonOrder ranks the classes: the verdict's reason is the gravest.
var reasonOrder = []Reason{Forged, Cloned, Inconsistent, Expired}

// classOf is the class of a check by its name.
func classOf(name string) Reason {
	switch {
	case strings.HasPrefix(name, "clone."):
		return Cloned
	case strings.HasPrefix(name, "consistency."), name == "dg1.check_digits":
		return Inconsistent
	case name == "card.expiry":
		return Expired
	}
	return Forged
}

// SchemaVersion is the version of the report's JSON form (README,
// "Verification report (JSON)"); it changes only when a field changes
// meaning or goes away.
//
// 3: holder dates are ISO 8601 (YYYY-MM-DD), holder.no_expiry, the
// "NO CONCLUSION" object with error and exit_code, photo on request.
const SchemaVersion = 3

// ToolVersion is the cccd version that made a report (set by the CLI).
var ToolVersion = "dev"

// Verdicts. NoConclusion is never the verdict of an inspection: it is the
// verdict field of the object written when nothing could be concluded
// (ErrorReport), so that integrators get one object on every outcome.
const (
	Genuine      = "GENUINE"
	NotVerified  = "NOT VERIFIED"
	NoConclusion = "NO CONCLUSION"
)

// Holder is the personal data the clerk sees (from DG13, else DG1). Dates
// are ISO 8601 (YYYY-MM-DD) whatever the chip stores (DG13 has dd/mm/yyyy,
// the MRZ YYMMDD), so that integrators parse one format.
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
	// NoExpiry: the card is valid for life (issued from age 58); then
	// DateOfExpiry is empty.
	NoExpiry   bool   `json:"no_expiry,omitempty"`
	FatherName string `json:"father_name,omitempty"`
	MotherName string `json:"mother_name,omitempty"`
	SpouseName string `json:"spouse_name,omitempty"`
	MRZ        string `json:"mrz,omitempty"`
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
	SchemaVersion int    `json:"schema_version"`
	ToolVersion   string `json:"tool_version"`
	// CheckedAt is when the checks ran (RFC 3339, UTC).
	CheckedAt string `json:"checked_at"`
	Verdict   string `json:"verdict"`
	// Reason is the class of the gravest failure (empty when genuine).
	Reason    Reason     `json:"reason,omitempty"`
	Reader    string     `json:"reader,omitempty"`
	Access    Access     `json:"access"`
	Checks    []Check    `json:"checks"`
	Failed    []string   `json:"failed,omitempty"`
	Holder    *Holder    `json:"holder,omitempty"`
	Files     []FileInfo `json:"files"`
	Signer    *Signer    `json:"document_signer,omitempty"`
	Stats     Stats      `json:"stats"`
	PhotoType string     `json:"photo_type,omitempty"`
	// Card is the generation of a Vietnamese card read (from DG13's date
	// of issue): the 2021 CCCD or the 2024 "Căn cước" card.
	Card *citizen.Generation `json:"card_generation,omitempty"`
	// PhotoJSON is the face image in the JSON form (base64), set only
	// when the caller asked for it (IncludePhoto): a report must carry
	// only what was asked.
	PhotoJSON []byte `json:"photo,omitempty"`
	// Error says why nothing was concluded (verdict NO CONCLUSION).
	Error *ErrorInfo `json:"error,omitempty"`
	// ExitCode is the CLI's exit code for this outcome (0, 1, 2, 3),
	// also in the API's answers, so that both read alike.
	ExitCode int `json:"exit_code"`

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
	// Terminal is the inspection system certificate the chip accepted in
	// terminal authentication (EAC), when it ran.
	Terminal string `json:"terminal,omitempty"`
}

// Signer describes the Document Signer and its CSCA.
type Signer struct {
	Subject   string `json:"subject"`
	Serial    string `json:"serial"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	CSCA      string `json:"csca,omitempty"`
}

// ErrorInfo is the reason of a NO CONCLUSION object. Code is stable:
//
//	access_denied    the MRZ/CAN does not open this card (check what was entered)
//	bad_secret       the secret is malformed (Field names the part at fault)
//	bad_files        uploaded or dumped files cannot be inspected
//	bad_request      the request itself is malformed (API)
//	no_card          no card in the reader
//	card_removed     the card left the reader, or the reader failed
//	timeout          the card stopped answering
//	card_misbehaves  the card answers beyond what any genuine card needs
//	reader           the reader is unknown, busy or gone; pcscd is down
//	trust_store      the trust store is unusable
//	unauthorized     the API token is missing or wrong (API)
//	too_large        the request body is over the limit (API)
type ErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the part of the secret or request at fault.
	Field string `json:"field,omitempty"`
	// Cause refines bad_secret (SecretError.Code: can_format, mrz_length,
	// mrz_charset, mrz_check_digit, mrz_date, qr, empty).
	Cause string `json:"cause,omitempty"`
}

// ErrorReport is the object written when nothing was concluded, with the
// same header fields as a report, so that every outcome is one JSON object.
func ErrorReport(info ErrorInfo, exitCode int, now time.Time) *Report {
	return &Report{
		SchemaVersion: SchemaVersion, ToolVersion: ToolVersion,
		CheckedAt: now.UTC().Format(time.RFC3339), Verdict: NoConclusion,
		Error: &info, ExitCode: exitCode, Checks: []Check{}, Files: []FileInfo{},
	}
}

// IncludePhoto puts the face image into the JSON form.
func (r *Report) IncludePhoto() { r.PhotoJSON = r.Photo }

// isoDate turns a holder date as the chip stores it — DG13's dd/mm/yyyy
// or the MRZ's YYMMDD — into YYYY-MM-DD. A birth year of the MRZ goes in
// the century that puts it in the past; an expiry year in 2000–2099. What
// is not a date is kept as it is (the report shows what the chip holds).
func isoDate(s string, birth bool, now time.Time) string {
	if t, err := time.Parse("02/01/2006", s); err == nil {
		return t.Format("2006-01-02")
	}
	if t, err := time.Parse("060102", s); err == nil && len(s) == 6 {
		y := 2000 + t.Year()%100
		if birth && y > now.Year() {
			y -= 100
		}
		return time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	return s
}

// isoDates puts the holder's dates in ISO 8601 and marks a card valid
// for life (DG13's text, or the MRZ's 991231).
func (h *Holder) isoDates(now time.Time) {
	if h == nil {
		return
	}
	if h.DateOfExpiry == lds.DG13LifetimeExpiry || h.DateOfExpiry == "991231" {
		h.DateOfExpiry, h.NoExpiry = "", true
	}
	h.DateOfBirth = isoDate(h.DateOfBirth, true, now)
	h.DateOfIssue = isoDate(h.DateOfIssue, false, now)
	h.DateOfExpiry = isoDate(h.DateOfExpiry, false, now)
}

func newReport() *Report {
	return &Report{SchemaVersion: SchemaVersion, ToolVersion: ToolVersion, Raw: map[string][]byte{}}
}

func (r *Report) add(name string, s Status, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, Status: s, Class: classOf(name), Detail: fmt.Sprintf(format, args...)})
}

// finish sets the verdict: GENUINE only when no check failed; the reason
// is the gravest class among the failures.
func (r *Report) finish(now time.Time) {
	r.CheckedAt = now.UTC().Format(time.RFC3339)
	r.Failed, r.Reason = nil, ""
	rank := len(reasonOrder)
	for _, c := range r.Checks {
		if c.Status != Fail {
			continue
		}
		r.Failed = append(r.Failed, c.Name)
		for i, k := range reasonOrder {
			if k == c.Class && i < rank {
				rank, r.Reason = i, k
			}
		}
	}
	r.Verdict = Genuine
	if len(r.Failed) > 0 {
		r.Verdict = NotVerified
	}
	r.ExitCode = 0
	if r.Verdict != Genuine {
		r.ExitCode = 1
	}
}

// FailedIn reports the failed checks of the given classes.
func (r *Report) FailedIn(classes ...Reason) []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Status != Fail {
			continue
		}
		for _, k := range classes {
			if c.Class == k {
				out = append(out, c)
			}
		}
	}
	return out
}

// Genuine reports the verdict.
func (r *Report) IsGenuine() bool { return r.Verdict == Genuine }

// Summary is the verdict line a clerk reads.
func (r *Report) Summary() string {
	if r.IsGenuine() {
		return "GENUINE: every check passed"
	}
	return "NOT VERIFIED (" + string(r.Reason) + "): failed " + strings.Join(r.Failed, ", ")
}

// DescribeError turns an error of ParseSecretText, Inspect or
// InspectFiles into the reason of a NO CONCLUSION object, in words a
// clerk can act on. Callers with errors of their own (a reader layer, an
// HTTP layer) fill ErrorInfo themselves.
func DescribeError(err error) ErrorInfo {
	var se *SecretError
	msg := strings.TrimPrefix(err.Error(), ErrNoConclusion.Error()+": ")
	switch {
	case errors.As(err, &se):
		return ErrorInfo{Code: "bad_secret", Message: se.Msg, Field: se.Field, Cause: se.Code}
	case errors.Is(err, chip.ErrAccessDenied):
		return ErrorInfo{Code: "access_denied", Message: chip.ErrAccessDenied.Error()}
	case errors.Is(err, ErrBadFiles):
		return ErrorInfo{Code: "bad_files", Message: err.Error()}
	case errors.Is(err, chip.ErrTerminalNotAuthorized):
		return ErrorInfo{Code: "terminal_not_authorized", Message: "nothing concluded about the card: this terminal is not authorised to read its fingerprints (EAC): " + strings.TrimPrefix(msg, "terminal authentication: ")}
	case errors.Is(err, apdu.ErrTimeout):
		return ErrorInfo{Code: "timeout", Message: "nothing concluded: the card stopped answering (time budget): put the card back and try again (" + msg + ")"}
	case errors.Is(err, apdu.ErrBudget), errors.Is(err, apdu.ErrResponseTooLong):
		return ErrorInfo{Code: "card_misbehaves", Message: "nothing concluded: the card answers beyond what any genuine card needs: " + msg}
	}
	return ErrorInfo{Code: "card_removed", Message: "nothing concluded: card removed or reader problem — put the card back and try again (" + msg + ")"}
}
