package apdu

import (
	"errors"
	"fmt"
)

// SW is a status word, SW1 in the high byte.
type SW uint16

// Status words of ISO/IEC 7816-4 §5.6 that cards of this kind answer.
const (
	SWSuccess                 SW = 0x9000
	SWWarningEOF              SW = 0x6282 // end of file reached before Ne bytes
	SWWrongLength             SW = 0x6700
	SWSecurityStatus          SW = 0x6982
	SWAuthMethodBlocked       SW = 0x6983
	SWConditionsNotSatisfied  SW = 0x6985
	SWSMDataObjectsMissing    SW = 0x6987
	SWSMDataObjectsIncorrect  SW = 0x6988
	SWWrongData               SW = 0x6A80
	SWFunctionNotSupported    SW = 0x6A81
	SWFileNotFound            SW = 0x6A82
	SWRecordNotFound          SW = 0x6A83
	SWNotEnoughMemory         SW = 0x6A84
	SWIncorrectP1P2           SW = 0x6A86
	SWReferencedDataNotFound  SW = 0x6A88
	SWWrongP1P2               SW = 0x6B00
	SWINSNotSupported         SW = 0x6D00
	SWCLANotSupported         SW = 0x6E00
	SWNoPreciseDiagnosis      SW = 0x6F00
	SWLastCommandExpected     SW = 0x6883
	SWSecureMessagingNotSupp  SW = 0x6882
	SWChainingNotSupported    SW = 0x6884
	SWFileInvalidated         SW = 0x6283
	SWVerificationFailedNoCnt SW = 0x6300
)

// SW1 and SW2 split the status word.
func (sw SW) SW1() byte { return byte(sw >> 8) }
func (sw SW) SW2() byte { return byte(sw) }

// String shows the status word as four hex digits.
func (sw SW) String() string { return fmt.Sprintf("%04X", uint16(sw)) }

// Meaning describes the status word in words (ISO/IEC 7816-4 §5.6).
func (sw SW) Meaning() string {
	if m, ok := swMeanings[sw]; ok {
		return m
	}
	switch sw.SW1() {
	case 0x61:
		return fmt.Sprintf("%d more response bytes available", sw.SW2())
	case 0x6C:
		return fmt.Sprintf("wrong Le, the card has %d bytes", sw.SW2())
	case 0x63:
		if sw.SW2()&0xF0 == 0xC0 {
			return fmt.Sprintf("verification failed, %d tries left", sw.SW2()&0x0F)
		}
		return "warning: state of non-volatile memory changed"
	case 0x62:
		return "warning: state of non-volatile memory unchanged"
	case 0x64, 0x65:
		return "execution error"
	case 0x67:
		return "wrong length"
	case 0x68:
		return "function in CLA not supported"
	case 0x69:
		return "command not allowed"
	case 0x6A, 0x6B:
		return "wrong parameters"
	}
	return "unknown status"
}

var swMeanings = map[SW]string{
	SWSuccess:                 "success",
	SWWarningEOF:              "end of file reached before reading Ne bytes",
	SWFileInvalidated:         "selected file invalidated",
	SWVerificationFailedNoCnt: "verification failed",
	SWWrongLength:             "wrong length",
	SWSecureMessagingNotSupp:  "secure messaging not supported",
	SWLastCommandExpected:     "last command of the chain expected",
	SWChainingNotSupported:    "command chaining not supported",
	SWSecurityStatus:          "security status not satisfied",
	SWAuthMethodBlocked:       "authentication method blocked",
	SWConditionsNotSatisfied:  "conditions of use not satisfied",
	SWSMDataObjectsMissing:    "expected secure messaging data objects missing",
	SWSMDataObjectsIncorrect:  "incorrect secure messaging data objects",
	SWWrongData:               "incorrect parameters in the command data field",
	SWFunctionNotSupported:    "function not supported",
	SWFileNotFound:            "file or application not found",
	SWRecordNotFound:          "record not found",
	SWNotEnoughMemory:         "not enough memory space in the file",
	SWIncorrectP1P2:           "incorrect parameters P1-P2",
	SWReferencedDataNotFound:  "referenced data not found",
	SWWrongP1P2:               "wrong parameters P1-P2",
	SWINSNotSupported:         "instruction code not supported",
	SWCLANotSupported:         "class not supported",
	SWNoPreciseDiagnosis:      "no precise diagnosis",
}

// Response is a response APDU: data followed by the status word.
type Response struct {
	Data []byte
	SW   SW
}

// ParseResponse splits a response APDU into data and status word.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: response of %d bytes has no status word", ErrMalformed, len(b))
	}
	n := len(b) - 2
	return Response{Data: clone(b[:n]), SW: SW(b[n])<<8 | SW(b[n+1])}, nil
}

// Bytes encodes the response: data then SW1 SW2.
func (r Response) Bytes() []byte {
	out := make([]byte, 0, len(r.Data)+2)
	out = append(out, r.Data...)
	return append(out, r.SW.SW1(), r.SW.SW2())
}

// OK reports a 9000 status word.
func (r Response) OK() bool { return r.SW == SWSuccess }

// Err returns nil for 9000 and a *StatusError naming cmd otherwise.
func (r Response) Err(cmd Command) error {
	if r.OK() {
		return nil
	}
	return &StatusError{SW: r.SW, Command: cmd.Name()}
}

// StatusError is a status word other than 9000, with the command that got
// it. errors.Is matches it against the sentinels below by status word (and
// ErrVerificationFailed against every 63Cx); errors.As gives the SW itself.
type StatusError struct {
	SW      SW
	Command string // e.g. "READ BINARY"; empty for a bare sentinel
}

func (e *StatusError) Error() string {
	if e.Command == "" {
		return fmt.Sprintf("%s (SW %s)", e.SW.Meaning(), e.SW)
	}
	return fmt.Sprintf("%s: %s (SW %s)", e.Command, e.SW.Meaning(), e.SW)
}

// Is matches sentinel status errors: same SW, or any 63Cx for
// ErrVerificationFailed.
func (e *StatusError) Is(target error) bool {
	t, ok := target.(*StatusError)
	if !ok {
		return false
	}
	if t == ErrVerificationFailed {
		return e.SW&0xFFF0 == 0x63C0 || e.SW == SWVerificationFailedNoCnt
	}
	return t.SW == e.SW
}

// Retries returns the tries left that a 63Cx status word reports.
func (e *StatusError) Retries() (int, bool) {
	if e.SW&0xFFF0 == 0x63C0 {
		return int(e.SW & 0x0F), true
	}
	return 0, false
}

// Sentinel status errors for errors.Is.
var (
	ErrWrongLength            = &StatusError{SW: SWWrongLength}
	ErrSecurityStatus         = &StatusError{SW: SWSecurityStatus}
	ErrAuthMethodBlocked      = &StatusError{SW: SWAuthMethodBlocked}
	ErrConditionsNotSatisfied = &StatusError{SW: SWConditionsNotSatisfied}
	ErrSMDataObjectsMissing   = &StatusError{SW: SWSMDataObjectsMissing}
	ErrSMDataObjectsIncorrect = &StatusError{SW: SWSMDataObjectsIncorrect}
	ErrSecureMessagingNotSupp = &StatusError{SW: SWSecureMessagingNotSupp}
	ErrWrongData              = &StatusError{SW: SWWrongData}
	ErrFunctionNotSupported   = &StatusError{SW: SWFunctionNotSupported}
	ErrFileNotFound           = &StatusError{SW: SWFileNotFound}
	ErrRecordNotFound         = &StatusError{SW: SWRecordNotFound}
	ErrNotEnoughMemory        = &StatusError{SW: SWNotEnoughMemory}
	ErrIncorrectP1P2          = &StatusError{SW: SWIncorrectP1P2}
	ErrReferencedDataNotFound = &StatusError{SW: SWReferencedDataNotFound}
	ErrWrongP1P2              = &StatusError{SW: SWWrongP1P2}
	ErrINSNotSupported        = &StatusError{SW: SWINSNotSupported}
	ErrCLANotSupported        = &StatusError{SW: SWCLANotSupported}
	ErrNoPreciseDiagnosis     = &StatusError{SW: SWNoPreciseDiagnosis}
	ErrVerificationFailed     = &StatusError{SW: 0x63C0}
	ErrEndOfFile              = &StatusError{SW: SWWarningEOF}
	ErrChainingNotSupported   = &StatusError{SW: SWChainingNotSupported}
	ErrLastCommandExpected    = &StatusError{SW: SWLastCommandExpected}
)

// IsUnsupported reports a card saying it does not know the instruction or
// class (6D00, 6E00), or the function (6A81): the feature is missing, not
// failing.
func IsUnsupported(err error) bool {
	return errors.Is(err, ErrINSNotSupported) || errors.Is(err, ErrCLANotSupported) || errors.Is(err, ErrFunctionNotSupported)
}

// IsTransport reports whether err is a failure to exchange with the card —
// the reader, the link, a removed card, a timeout, a budget, an answer too
// short to hold a status word — rather than an answer of the card (a
// status word) or the verdict of secure messaging on it. Nothing about the
// card can be concluded from such an error.
func IsTransport(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	return !errors.As(err, &se) && !errors.Is(err, ErrSM)
}
