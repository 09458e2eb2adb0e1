package cvc

import (
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
)

// TAMessage is the data a terminal signs in Terminal Authentication:
// ID_PICC || r_PICC || Comp(ephemeral PK_PCD) || A_PCD (ICAO Doc 9303-11
// §7.1.2; TR-03110 part 1 §3.5; part 3 §A.7.5 for the auxiliary data).
// idPICC comes from IDPICCFromDocumentNumber (BAC) or IDPICCFromPACE,
// rPICC is the chip's 8-octet GET CHALLENGE response, compEphPK the
// compressed ephemeral key of Chip Authentication (CompressECPoint) and
// aux, for TA version 2 only, the authenticated auxiliary data object 67
// with its tag and length as sent in MSE:Set AT (TR-03110 part 3 §A.7.5),
// nil otherwise.
func TAMessage(idPICC, rPICC, compEphPK, aux []byte) []byte {
	out := make([]byte, 0, len(idPICC)+len(rPICC)+len(compEphPK)+len(aux))
	out = append(out, idPICC...)
	out = append(out, rPICC...)
	out = append(out, compEphPK...)
	return append(out, aux...)
}

// SignTA makes the EXTERNAL AUTHENTICATE signature of an inspection
// system, in the format of alg (plain r || s for ECDSA).
func SignTA(signer crypto.Signer, alg Algorithm, idPICC, rPICC, compEphPK, aux []byte) ([]byte, error) {
	return Sign(rand.Reader, signer, alg, TAMessage(idPICC, rPICC, compEphPK, aux))
}

// VerifyTA checks an EXTERNAL AUTHENTICATE signature as the chip does,
// with the terminal key ValidateChain returned.
func VerifyTA(pub crypto.PublicKey, alg Algorithm, idPICC, rPICC, compEphPK, aux, sig []byte) error {
	return Verify(pub, alg, TAMessage(idPICC, rPICC, compEphPK, aux), sig)
}

// CompressECPoint is Comp() for ECDH keys: the x-coordinate of an
// uncompressed point 04 || X || Y, an octet string of the field's length
// (ICAO Doc 9303-11 §7.1.4.2.3).
func CompressECPoint(point []byte) ([]byte, error) {
	if !isUncompressed(point) {
		return nil, fmt.Errorf("%w: not an uncompressed EC point", ErrMalformed)
	}
	n := (len(point) - 1) / 2
	return append([]byte(nil), point[1:1+n]...), nil
}

// IDPICCFromPACE is ID_PICC after PACE: Comp() of the chip's ephemeral
// PACE public key (ICAO Doc 9303-11 §7.1.2, "dynamic binding").
func IDPICCFromPACE(chipEphemeralPoint []byte) ([]byte, error) {
	return CompressECPoint(chipEphemeralPoint)
}

// IDPICCFromDocumentNumber is ID_PICC after BAC: the document number as
// the MRZ holds it, including its check digit (ICAO Doc 9303-11 §7.1.2).
// The number is padded with '<' to the nine characters of the MRZ field
// and followed by its 7-3-1 check digit (ICAO Doc 9303-3 §4.9). A number
// longer than nine characters is cut to nine with '<' in place of the
// check digit, which is how the MRZ document number field holds it (the
// rest goes to the optional data).
func IDPICCFromDocumentNumber(documentNumber string) ([]byte, error) {
	field := []byte(documentNumber)
	for _, c := range field {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '<') {
			return nil, errors.New("cvc: a document number is MRZ characters 0-9, A-Z and <")
		}
	}
	if len(field) > 9 {
		return append(field[:9:9], '<'), nil
	}
	for len(field) < 9 {
		field = append(field, '<')
	}
	return append(field, checkDigit(field)), nil
}

// checkDigit is the MRZ check digit: weights 7, 3, 1 over the character
// values (0-9, A-Z = 10-35, < = 0), modulo 10 (ICAO Doc 9303-3 §4.9).
func checkDigit(s []byte) byte {
	sum := 0
	for i, c := range s {
		v := 0
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		}
		sum += v * [3]int{7, 3, 1}[i%3]
	}
	return byte('0' + sum%10)
}
