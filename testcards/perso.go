package testcards

import (
	"errors"
	"fmt"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/perso"
)

// The personalization commands of shared/perso-protocol.md, parsed by
// package perso (the same package the personalizer builds them with). They
// work until LOCK; afterwards every one of them answers 6985 and the files
// are read-only.

func (e *Emulator) personalize(cmd apdu.Command) apdu.Response {
	if e.img.Locked {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	pc, err := perso.Parse(cmd)
	if err != nil {
		var pe *perso.Error
		if errors.As(err, &pe) {
			return apdu.Response{SW: pe.SW}
		}
		return apdu.Response{SW: apdu.SWINSNotSupported}
	}
	var r apdu.Response
	switch c := pc.(type) {
	case perso.CreateFile:
		r = e.createFile(c)
	case perso.UpdateBinary:
		r = e.updateBinary(c)
	default:
		r = e.putData(pc)
	}
	if r.OK() {
		e.img.Counters.Writes++
		e.dirty = true
		if _, lock := pc.(perso.Lock); lock {
			// LOCK is irreversible: it is on disk before it is answered.
			if err := e.save(); err != nil {
				e.img.Locked = false
				return apdu.Response{SW: apdu.SWNotEnoughMemory}
			}
		}
	}
	return r
}

// isPersoINS tells the commands of a personalization run (a run is
// written to the image at once, when it ends): the writes and the SELECTs
// between them.
func isPersoINS(ins byte) bool {
	switch ins {
	case perso.INSCreateFile, perso.INSUpdateBinary, perso.INSUpdateBinaryOdd, perso.INSPutData, perso.INSSelect:
		return true
	}
	return false
}

func (e *Emulator) createFile(c perso.CreateFile) apdu.Response {
	if !c.MasterFile && !e.selected {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	if c.FID == lds.FIDMasterFile || (c.MasterFile && lds.IsApplicationFile(c.FID)) || (!c.MasterFile && !lds.IsApplicationFile(c.FID)) {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	f := e.img.file(c.FID)
	if f == nil {
		f = &File{FID: fmt.Sprintf("%04X", c.FID)}
		e.img.Files = append(e.img.Files, f)
	}
	// Creating a file again starts it afresh (a personalization that was
	// cut off and resumed rewrites its files).
	f.MF, f.Size, f.Data = c.MasterFile, c.Size, nil
	e.current = f
	return apdu.Response{SW: apdu.SWSuccess}
}

func (e *Emulator) updateBinary(c perso.UpdateBinary) apdu.Response {
	f := e.current
	if f == nil {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	end := c.Offset + len(c.Data)
	if end > f.Size {
		return apdu.Response{SW: apdu.SWNotEnoughMemory}
	}
	if len(f.Data) < end {
		f.Data = append(f.Data, make([]byte, end-len(f.Data))...)
	}
	copy(f.Data[c.Offset:], c.Data)
	return apdu.Response{SW: apdu.SWSuccess}
}

func (e *Emulator) putData(pc perso.Command) apdu.Response {
	switch c := pc.(type) {
	case perso.Lock:
		e.img.Locked = true
	case perso.PutBACSeed:
		e.img.Secret.DocumentNumber, e.img.Secret.DateOfBirth, e.img.Secret.DateOfExpiry = c.Secret.DocumentNumber, c.Secret.DateOfBirth, c.Secret.DateOfExpiry
	case perso.PutCAN:
		e.img.Secret.CAN = c.CAN
	case perso.PutAARSAModulus:
		if e.img.AARSA == nil {
			e.img.AARSA = &RSAKeyHex{}
		}
		e.img.AARSA.N, e.img.AAEC = fmt.Sprintf("%X", c.N), nil
	case perso.PutAARSAExponent:
		if e.img.AARSA == nil {
			e.img.AARSA = &RSAKeyHex{}
		}
		e.img.AARSA.D = fmt.Sprintf("%X", c.D)
	case perso.PutAAECKey:
		if curveByOID(c.Curve.String()) == nil {
			return apdu.Response{SW: apdu.SWFunctionNotSupported}
		}
		e.img.AAEC, e.img.AARSA = &ECKeyHex{Curve: c.Curve.String(), D: fmt.Sprintf("%X", c.D)}, nil
	case perso.PutTrustPoint:
		return e.putTrustPoint(c)
	case perso.PutCAKey:
		if curveByOID(c.Curve.String()) == nil {
			return apdu.Response{SW: apdu.SWFunctionNotSupported}
		}
		e.img.CA = &CAKeyHex{KeyID: c.KeyID, Curve: c.Curve.String(), D: fmt.Sprintf("%X", c.D)}
	default:
		return apdu.Response{SW: apdu.SWINSNotSupported}
	}
	return apdu.Response{SW: apdu.SWSuccess}
}
