package lds

import (
	"errors"
	"fmt"
	"strings"
)

// Secret is what opens a chip: the three MRZ fields of the "MRZ
// information" (ICAO 9303-11 §4.3.1 for BAC, §4.4.1 for PACE with the MRZ)
// and/or the card access number printed on the card (PACE with the CAN,
// §4.4.1). It is the one type every package uses for it: the terminal, the
// emulated chip, personalization, the QR and the card image.
//
// It prints as "{redacted}" (String, GoString), so a stray %v or log line
// does not leak it.
type Secret struct {
	// DocumentNumber as in the MRZ's document-number field, without the
	// '<' fillers (they are added back for the check digit).
	DocumentNumber string `json:"document_number,omitempty"`
	DateOfBirth    string `json:"date_of_birth,omitempty"`  // YYMMDD
	DateOfExpiry   string `json:"date_of_expiry,omitempty"` // YYMMDD
	// CAN is the 6-digit card access number.
	CAN string `json:"can,omitempty"`
}

func (Secret) String() string   { return "{redacted}" }
func (Secret) GoString() string { return "lds.Secret{redacted}" }

// HasMRZ reports whether the MRZ fields are given (BAC, PACE-MRZ).
func (s Secret) HasMRZ() bool {
	return s.DocumentNumber != "" || s.DateOfBirth != "" || s.DateOfExpiry != ""
}

// HasCAN reports whether a CAN is given (PACE-CAN).
func (s Secret) HasCAN() bool { return s.CAN != "" }

// MRZOnly returns the secret without its CAN.
func (s Secret) MRZOnly() Secret { s.CAN = ""; return s }

// CANOnly returns the secret without its MRZ fields.
func (s Secret) CANOnly() Secret { return Secret{CAN: s.CAN} }

// PaddedDocumentNumber is the document number as the MRZ field holds it:
// '<'-padded to 9 characters, or whole when longer (9303-3 §4.2.2 and the
// TD1 long-number rule).
func (s Secret) PaddedDocumentNumber() string {
	doc := strings.ToUpper(strings.TrimSpace(s.DocumentNumber))
	for len(doc) < 9 {
		doc += "<"
	}
	return doc
}

// MRZInformation is the string hashed into K_seed (9303-11 §9.7.2): the
// document number (padded with '<' to 9 characters; a longer number is used
// whole) with its check digit, the date of birth with its, the date of
// expiry with its.
func (s Secret) MRZInformation() (string, error) {
	if strings.TrimSpace(strings.TrimRight(s.DocumentNumber, "<")) == "" {
		return "", errors.New("document number is empty")
	}
	var b strings.Builder
	for _, f := range []struct{ name, v string }{
		{"document number", s.PaddedDocumentNumber()},
		{"date of birth", s.DateOfBirth},
		{"date of expiry", s.DateOfExpiry},
	} {
		if f.name != "document number" && !isYYMMDD(f.v) {
			return "", fmt.Errorf("%s must be YYMMDD (6 digits)", f.name)
		}
		cd, err := CheckDigit(f.v)
		if err != nil {
			return "", fmt.Errorf("%s: %v", f.name, err)
		}
		b.WriteString(f.v)
		b.WriteByte(cd)
	}
	return b.String(), nil
}

// CheckCAN reports whether can is a valid card access number: 6 digits.
func CheckCAN(can string) error {
	if len(can) != 6 || !isDigits(can) {
		return errors.New("the CAN must be 6 digits")
	}
	return nil
}

func isYYMMDD(s string) bool { return len(s) == 6 && isDigits(s) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
