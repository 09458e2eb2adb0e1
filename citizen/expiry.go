package citizen

import (
	"fmt"
	"time"
)

// Law is the law a card was issued under; it decides the renewal ages.
type Law int

const (
	// Law2014 is the Law on Citizen Identification 2014 (CCCD, cards issued
	// until 30 June 2024), Art. 21: renewal at 25, 40 and 60.
	Law2014 Law = 2014
	// Law2023 is the Law on Identification 2023 (identity card, from
	// 1 July 2024), Art. 21: renewal at 14, 25, 40 and 60.
	Law2023 Law = 2023
)

// Law2023Start is the first day of the 2023 law (cards issued from it).
var Law2023Start = time.Date(2024, time.July, 1, 0, 0, 0, 0, time.UTC)

// LawFor returns the law a card issued on issue falls under.
func LawFor(issue time.Time) Law {
	if issue.Before(Law2023Start) {
		return Law2014
	}
	return Law2023
}

// Milestones returns the renewal ages of a law.
func (l Law) Milestones() []int {
	if l == Law2023 {
		return []int{14, 25, 40, 60}
	}
	return []int{25, 40, 60}
}

func (l Law) String() string { return fmt.Sprintf("%d law", int(l)) }

// Expiry is the validity of a card as the law computes it.
type Expiry struct {
	Law      Law       `json:"law"`
	Date     time.Time `json:"date"`     // zero when Lifetime
	Lifetime bool      `json:"lifetime"` // no expiry: issued from age 58 on
	Age      int       `json:"age"`      // the milestone age at which the card expires (0 when Lifetime)
}

// MRZ returns the expiry as YYMMDD for the MRZ and BAC. A lifetime card
// carries 991231, as seen on one sample card (shared/cccd-reference.md).
func (e Expiry) MRZ() string {
	if e.Lifetime {
		return "991231"
	}
	return e.Date.Format("060102")
}

// ComputeExpiry applies the renewal rule of the law in force on the date of
// issue (both laws, Art. 21): the card expires on the birthday of the next
// milestone age; a card issued less than 2 years before a milestone stays
// valid until the following one; past the last milestone (so from age 58,
// two years before 60) the card has no expiry.
//
// "Less than 2 years before" is read as: issued on or after the birthday
// two years before the milestone (age milestone−2 reached).
func ComputeExpiry(dob, issue time.Time) (Expiry, error) {
	if dob.IsZero() || issue.IsZero() {
		return Expiry{}, &FieldError{Field: "date_of_issue", Reason: "and date_of_birth are both needed to compute the expiry", Err: ErrMissing}
	}
	if issue.Before(dob) {
		return Expiry{}, &FieldError{Field: "date_of_issue", Value: FormatDate(issue),
			Reason: "is before date_of_birth " + FormatDate(dob), Err: ErrIssueDate}
	}
	law := LawFor(issue)
	age := ageOn(dob, issue)
	for _, m := range law.Milestones() {
		if age < m-2 {
			return Expiry{Law: law, Date: Birthday(dob, m), Age: m}, nil
		}
	}
	return Expiry{Law: law, Lifetime: true}, nil
}

// Generation is a card's generation: the CCCD of the 2014 law or the
// "Căn cước" card of the 2023 law.
type Generation struct {
	Year int    `json:"year"` // 2021 (CCCD with chip) or 2024
	Name string `json:"name"` // as the card body prints it
	Law  Law    `json:"law"`
}

// GenerationFor is the generation of a card issued on issue: from 1 July
// 2024 the "Căn cước" card (Law on Identification 2023, Art. 46), before
// it the chip CCCD ("Căn cước công dân", Law on Citizen Identification
// 2014).
func GenerationFor(issue time.Time) Generation {
	if LawFor(issue) == Law2023 {
		return Generation{Year: 2024, Name: "Căn cước", Law: Law2023}
	}
	return Generation{Year: 2021, Name: "Căn cước công dân", Law: Law2014}
}
