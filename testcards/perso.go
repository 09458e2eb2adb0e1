package testcards

import (
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/cccd-vn/cccd/apdu"
)

// The personalization commands of shared/perso-protocol.md: the JMRTD
// passport applet's set (CREATE FILE, UPDATE BINARY, PUT DATA for the BAC
// seed and the RSA AA key, LOCK) plus the cccd extensions (files in the
// master file, the CAN, EC AA keys, the CA key). They work until LOCK;
// afterwards every one of them answers 6985 and the files are read-only.

func (e *Emulator) personalize(cmd apdu.Command) apdu.Response {
	if e.img.Locked {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	var r apdu.Response
	switch cmd.INS {
	case 0xE0:
		r = e.createFile(cmd)
	case 0xD6:
		r = e.updateBinary(cmd)
	case 0xDA:
		r = e.putData(cmd)
	}
	if r.OK() {
		e.img.Counters.Writes++
		if err := e.save(); err != nil {
			return apdu.Response{SW: apdu.SWNotEnoughMemory}
		}
	}
	return r
}

func (e *Emulator) createFile(cmd apdu.Command) apdu.Response {
	if cmd.P1 > 1 || cmd.P2 != 0 {
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	if len(cmd.Data) != 6 || cmd.Data[0] != 0x63 || cmd.Data[1] != 0x04 {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	mf := cmd.P1 == 1
	if !mf && !e.selected {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	size := int(cmd.Data[2])<<8 | int(cmd.Data[3])
	fid := uint16(cmd.Data[4])<<8 | uint16(cmd.Data[5])
	if fid == 0x3F00 || (mf && isAppletFile(fid)) || (!mf && !isAppletFile(fid)) {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	f := e.img.file(fid)
	if f == nil {
		f = &File{FID: fmt.Sprintf("%04X", fid)}
		e.img.Files = append(e.img.Files, f)
	}
	// Creating a file again starts it afresh (a personalization that was
	// cut off and resumed rewrites its files).
	f.MF, f.Size, f.Data = mf, size, nil
	e.current = f
	return apdu.Response{SW: apdu.SWSuccess}
}

func (e *Emulator) updateBinary(cmd apdu.Command) apdu.Response {
	f := e.current
	if f == nil {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	offset := int(cmd.P1&0x7F)<<8 | int(cmd.P2)
	end := offset + len(cmd.Data)
	if end > f.Size {
		return apdu.Response{SW: apdu.SWNotEnoughMemory}
	}
	if len(f.Data) < end {
		f.Data = append(f.Data, make([]byte, end-len(f.Data))...)
	}
	copy(f.Data[offset:], cmd.Data)
	return apdu.Response{SW: apdu.SWSuccess}
}

// putDataFields reads the 04/06/02 objects inside a PUT DATA template.
func putDataFields(data []byte, tag apdu.Tag) ([]apdu.TLV, bool) {
	r := apdu.TLVReader(data)
	var v apdu.TLVReader
	if !r.Read(tag, &v) || !r.Empty() {
		return nil, false
	}
	objs, err := apdu.ParseTLVs(v)
	return objs, err == nil
}

func (e *Emulator) putData(cmd apdu.Command) apdu.Response {
	if cmd.P1 == 0xDE && cmd.P2 == 0xAD {
		e.img.Locked = true
		return apdu.Response{SW: apdu.SWSuccess}
	}
	if cmd.P1 != 0 {
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	objs, ok := putDataFields(cmd.Data, apdu.Tag(cmd.P2))
	if !ok {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	bad := apdu.Response{SW: apdu.SWWrongData}
	switch cmd.P2 {
	case 0x62:
		if len(objs) != 3 || objs[0].Tag != 0x04 || objs[1].Tag != 0x04 || objs[2].Tag != 0x04 || len(objs[1].Value) != 6 || len(objs[2].Value) != 6 {
			return bad
		}
		e.img.BAC = &BACSecret{DocumentNumber: string(objs[0].Value), DateOfBirth: string(objs[1].Value), DateOfExpiry: string(objs[2].Value)}
	case 0x65:
		if len(objs) != 1 || objs[0].Tag != 0x04 || len(objs[0].Value) != 6 {
			return bad
		}
		e.img.CAN = string(objs[0].Value)
	case 0x60:
		if len(objs) != 1 || objs[0].Tag != 0x04 || len(objs[0].Value) == 0 {
			return bad
		}
		n := objs[0].Value
		if n[0] == 0 {
			n = n[1:]
		}
		if e.img.AARSA == nil {
			e.img.AARSA = &RSAKeyHex{}
		}
		e.img.AARSA.N = fmt.Sprintf("%X", n)
		e.img.AAEC = nil
	case 0x61:
		if len(objs) != 1 || objs[0].Tag != 0x04 || len(objs[0].Value) == 0 {
			return bad
		}
		if e.img.AARSA == nil {
			e.img.AARSA = &RSAKeyHex{}
		}
		e.img.AARSA.D = fmt.Sprintf("%X", objs[0].Value)
	case 0x66, 0x67:
		var keyID []byte
		if cmd.P2 == 0x67 {
			if len(objs) != 3 || objs[0].Tag != 0x02 {
				return bad
			}
			keyID, objs = objs[0].Value, objs[1:]
		}
		if len(objs) != 2 || objs[0].Tag != 0x06 || objs[1].Tag != 0x04 {
			return bad
		}
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(apdu.EncodeTLV(0x06, objs[0].Value), &oid); err != nil || curveByOID(oid.String()) == nil {
			return apdu.Response{SW: apdu.SWFunctionNotSupported}
		}
		d := fmt.Sprintf("%X", objs[1].Value)
		if cmd.P2 == 0x66 {
			e.img.AAEC, e.img.AARSA = &ECKeyHex{Curve: oid.String(), D: d}, nil
		} else {
			e.img.CA = &CAKeyHex{KeyID: int(new(big.Int).SetBytes(keyID).Int64()), Curve: oid.String(), D: d}
		}
	default:
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	return apdu.Response{SW: apdu.SWSuccess}
}
