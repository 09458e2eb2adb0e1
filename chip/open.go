package chip

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
)

// Opening a chip (ICAO 9303-11 §4.2 inspection procedure): read
// EF.CardAccess from the master file — selected by its file identifier,
// since real CCCD chips refuse SELECT of the master file with 6D00 — run
// PACE when the chip offers it, else BAC, then select the eMRTD
// application.

// OpenOptions tune how a chip is opened.
type OpenOptions struct {
	// NoPACE skips PACE even when the chip offers it (BAC with the MRZ).
	NoPACE bool
	// Rand is the source of nonces and ephemeral keys (crypto/rand when
	// nil).
	Rand io.Reader
}

// OpenResult says how the chip was opened.
type OpenResult struct {
	Method        string // "PACE" or "BAC"
	Password      PasswordRef
	PACE          *PACEParams     // the PACE variant used or tried
	Fallback      string          // why PACE was not used, when BAC was
	CardAccess    *lds.CardAccess // nil when the chip has none
	CardAccessRaw []byte
	// IDPICC identifies the chip in Terminal Authentication (ICAO 9303-11
	// §7.1.2): after PACE the compressed ephemeral PACE key of the chip,
	// after BAC the document number with its check digit.
	IDPICC []byte
}

// Open runs access control on card and selects the eMRTD application, so
// that the data groups can be read. A wrong secret gives an error wrapping
// ErrAccessDenied; other errors mean the chip could not be opened.
func Open(card *apdu.Card, sec lds.Secret, opt OpenOptions) (*OpenResult, error) {
	rnd := opt.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if !sec.HasMRZ() && !sec.HasCAN() {
		return nil, errors.New("no secret to open the chip: give the MRZ or the CAN")
	}
	res := &OpenResult{}
	card.SetChannel(nil)
	if opt.NoPACE && !sec.HasMRZ() {
		return nil, errors.New("BAC needs the MRZ: the CAN opens a chip with PACE only")
	}
	if !opt.NoPACE {
		// EF.CardAccess by its short EF identifier (one APDU); it is not
		// needed when PACE is not wanted.
		raw, err := NewFileReader(card).ReadFile(lds.FIDCardAccess)
		if err == nil {
			res.CardAccessRaw = raw
			res.CardAccess, err = lds.ParseCardAccess(raw)
			if err != nil {
				res.Fallback = fmt.Sprintf("EF.CardAccess is malformed (%v)", err)
			}
		} else if apdu.IsTransport(err) {
			return nil, err // nothing to conclude; a refusal means no PACE
		}
	}
	if res.CardAccess != nil {
		perr := res.tryPACE(card, sec, rnd)
		if perr == nil {
			if _, err := card.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: lds.AID}); err != nil {
				return nil, fmt.Errorf("selecting the eMRTD application: %w", err)
			}
			return res, nil
		}
		if errors.Is(perr, ErrAccessDenied) || !sec.HasMRZ() {
			return nil, perr
		}
		res.Fallback = fmt.Sprintf("PACE failed (%v); fell back to BAC", perr)
	} else if !sec.HasMRZ() {
		return nil, errors.New("the chip offers no PACE (no usable EF.CardAccess), and BAC needs the MRZ: give --mrz")
	}
	// BAC: select the application first, then authenticate.
	card.SetChannel(nil)
	if _, err := card.Send(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: lds.AID}); err != nil {
		return nil, fmt.Errorf("selecting the eMRTD application: %w", err)
	}
	if err := DoBAC(card, sec, rnd); err != nil {
		return nil, err
	}
	res.Method, res.Password = "BAC", PasswordMRZ
	res.IDPICC, _ = cvc.IDPICCFromDocumentNumber(sec.PaddedDocumentNumber())
	return res, nil
}

func (res *OpenResult) tryPACE(card *apdu.Card, sec lds.Secret, rnd io.Reader) error {
	var pw Password
	var err error
	if sec.HasCAN() {
		pw, err = CANPassword(sec.CAN)
	} else {
		pw, err = MRZPassword(sec)
	}
	if err != nil {
		return err
	}
	var last error = errors.New("EF.CardAccess lists no PACE protocol this terminal supports")
	infos := res.CardAccess.Infos.Of(lds.SecurityInfoPACE)
	for _, si := range infos {
		params := PACEParams{Protocol: si.Protocol, ParameterID: si.ParameterID, SendParameterID: len(infos) > 1}
		if _, err := ParsePACEProtocol(si.Protocol); err != nil {
			last = err
			continue
		}
		if _, err := paceGroupFor(si.ParameterID); err != nil {
			last = err
			continue
		}
		res.PACE = &params
		id, err := doPACE(card, pw, params, rnd)
		if err != nil {
			return err
		}
		res.IDPICC = id
		res.Method, res.Password = "PACE", pw.Ref
		return nil
	}
	return last
}
