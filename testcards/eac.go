package testcards

import (
	"bytes"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/perso"
)

// Extended Access Control on the emulated chip (ICAO 9303-11 §7.1, BSI
// TR-03110 part 3): the CVCA trust points written at personalization (PUT
// DATA 64), Terminal Authentication after Chip Authentication, and DG3/DG4
// readable only with the rights it grants — 6982 otherwise.

// eacSession is the EAC state of one power-on session.
type eacSession struct {
	idPICC []byte       // ID_PICC of the session's access control
	caDone bool         // the current secure messaging comes from Chip Authentication
	ta     *chip.TAChip // Terminal Authentication in this session
}

// newSession starts the EAC state of a secure messaging session: BAC or
// PACE start afresh (ID_PICC is theirs), Chip Authentication keeps
// ID_PICC and makes Terminal Authentication possible.
func (e *Emulator) newSession(by int) {
	switch by {
	case byPACE:
		e.eac = eacSession{idPICC: e.pace.IDPICC()}
	case byBAC:
		id, _ := cvc.IDPICCFromDocumentNumber(e.img.Secret.PaddedDocumentNumber())
		e.eac = eacSession{idPICC: id}
	case byCA:
		e.eac.caDone, e.eac.ta = true, nil
	}
}

// eacProtected: DG3 and DG4 are kept behind Terminal Authentication on a
// chip with a trust point, and always in the cccd profile (a real CCCD).
func (e *Emulator) eacProtected() bool { return e.img.Profile == ProfileCCCD || e.img.EAC != nil }

// eacGranted reports whether DG3 (0103) or DG4 (0104) may be read now.
func (e *Emulator) eacGranted(fid uint16) bool {
	if !e.eacProtected() {
		return true
	}
	need := cvc.ReadDG3
	if fid == 0x0104 {
		need = cvc.ReadDG4
	}
	return e.eac.ta != nil && e.eac.ta.Rights()&need != 0
}

// taGate runs MSE:Set DST, MSE:Set AT (P1 81) and PSO:Verify Certificate,
// which need the secure messaging of Chip Authentication.
func (e *Emulator) taGate(cmd apdu.Command, secure bool) apdu.Response {
	switch {
	case !secure:
		return apdu.Response{SW: apdu.SWSecurityStatus}
	case !e.eac.caDone:
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	return e.taCommand(cmd)
}

// taCommand hands a Terminal Authentication command to the chip side,
// made at the session's first, and saves the trust points and the date
// when they moved.
func (e *Emulator) taCommand(cmd apdu.Command) apdu.Response {
	ta := e.taChip()
	if ta == nil {
		// No trust point: the chip has no EAC.
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	var r apdu.Response
	switch {
	case cmd.INS == 0x22 && cmd.P2 == 0xB6:
		r = ta.SetDST(cmd)
	case cmd.INS == 0x22:
		r = ta.SetAT(cmd)
	case cmd.INS == 0x2A:
		r = ta.VerifyCertificate(cmd)
	case cmd.INS == 0x84:
		r = ta.GetChallenge(cmd)
	default:
		r = ta.ExternalAuthenticate(cmd)
	}
	if tps, date, changed := ta.State(); changed {
		st := &EACState{CurrentDate: date.Format(time.DateOnly)}
		for _, c := range tps {
			st.TrustPoints = append(st.TrustPoints, c.Raw)
		}
		e.img.EAC = st
		if err := e.save(); err != nil {
			return apdu.Response{SW: apdu.SWNotEnoughMemory}
		}
	}
	return r
}

func (e *Emulator) taChip() *chip.TAChip {
	if e.eac.ta != nil {
		return e.eac.ta
	}
	if e.img.EAC == nil || e.ca == nil || e.ca.TerminalKey == nil {
		return nil
	}
	tps, date, err := e.img.EAC.parse()
	if err != nil {
		return nil
	}
	ta, err := chip.NewTAChip(tps, date, e.eac.idPICC, e.ca.TerminalKey, e.rnd)
	if err != nil {
		return nil
	}
	e.eac.ta = ta
	return ta
}

// putTrustPoint is PUT DATA 64: the CVCA certificate goes in its slot,
// and the chip's current date becomes its effective date if later.
func (e *Emulator) putTrustPoint(c perso.PutTrustPoint) apdu.Response {
	cert, err := cvc.ParseCertificate(c.Certificate)
	if err != nil {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	if _, err := cvc.NewValidator(cert, cert.EffectiveDate); err != nil {
		return apdu.Response{SW: apdu.SWWrongData} // not a CVCA with domain parameters
	}
	st := e.img.EAC
	if st == nil {
		st = &EACState{}
	}
	tps := append([][]byte(nil), st.TrustPoints...)
	for len(tps) < c.Slot {
		tps = append(tps, nil)
	}
	tps[c.Slot-1] = append([]byte(nil), c.Certificate...)
	var kept [][]byte
	for _, b := range tps {
		if b != nil {
			kept = append(kept, b)
		}
	}
	date := cert.EffectiveDate
	if d, err := time.Parse(time.DateOnly, st.CurrentDate); err == nil && d.After(date) {
		date = d
	}
	e.img.EAC = &EACState{TrustPoints: kept, CurrentDate: date.Format(time.DateOnly)}
	return apdu.Response{SW: apdu.SWSuccess}
}

// chained is a command arriving in segments (ISO/IEC 7816-4 §5.1.1.1):
// PSO:Verify Certificate and PUT DATA of a certificate may be longer than
// a short APDU.
type chained struct {
	header [3]byte // INS P1 P2
	data   []byte
}

// maxChained bounds a chained command (a CV certificate is well under).
const maxChained = 4096

// chainSegment takes a segment with CLA bit 0x10 set.
func (e *Emulator) chainSegment(cmd apdu.Command) apdu.Response {
	if cmd.INS != 0x2A && cmd.INS != perso.INSPutData {
		e.chain = nil
		return apdu.Response{SW: apdu.SWChainingNotSupported}
	}
	h := [3]byte{cmd.INS, cmd.P1, cmd.P2}
	if e.chain == nil || e.chain.header != h {
		e.chain = &chained{header: h}
	}
	if len(e.chain.data)+len(cmd.Data) > maxChained {
		e.chain = nil
		return apdu.Response{SW: apdu.SWWrongLength}
	}
	e.chain.data = append(e.chain.data, cmd.Data...)
	return apdu.Response{SW: apdu.SWSuccess}
}

// unchain completes a chained command with its last segment; any other
// command ends the chain.
func (e *Emulator) unchain(cmd apdu.Command) apdu.Command {
	c := e.chain
	e.chain = nil
	if c != nil && c.header == [3]byte{cmd.INS, cmd.P1, cmd.P2} {
		cmd.Data = append(bytes.Clone(c.data), cmd.Data...)
	}
	return cmd
}
