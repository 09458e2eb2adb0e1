package chip

import (
	"bytes"
	"crypto/subtle"
	"encoding/asn1"
	"io"
	"math/big"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/lds"
)

// PACEChip is the chip side of PACE for an emulated card: it answers
// MSE:Set AT and the four GENERAL AUTHENTICATE steps.
type PACEChip struct {
	offered   []PACEParams
	passwords map[PasswordRef]Password
	rnd       io.Reader

	// session state, reset by SetAT
	step   int
	params PACEParams
	suite  PACESuite
	pw     Password
	group  paceGroup
	s      *big.Int
	mapped paceGroup
	kaPriv *big.Int
	kaPub  []byte
	termKA []byte
	ksEnc  []byte
	ksMac  []byte
}

// NewPACEChip prepares the chip side: the PACE variants its EF.CardAccess
// offers, the card's secret (its MRZ fields and/or CAN, each one a PACE
// password) and the randomness for its nonce and ephemeral keys (nonce,
// mapping key, key agreement key, in that order).
func NewPACEChip(offered []PACEParams, sec lds.Secret, rnd io.Reader) *PACEChip {
	pws := make(map[PasswordRef]Password)
	if sec.HasMRZ() {
		if p, err := MRZPassword(sec); err == nil {
			pws[p.Ref] = p
		}
	}
	if sec.HasCAN() {
		if p, err := CANPassword(sec.CAN); err == nil {
			pws[p.Ref] = p
		}
	}
	return &PACEChip{offered: offered, passwords: pws, rnd: rnd}
}

// SetAT answers MSE:Set AT for PACE (00 22 C1 A4).
func (p *PACEChip) SetAT(cmd apdu.Command) apdu.Response {
	p.step = 0
	r := apdu.TLVReader(cmd.Data)
	var oidBytes, ref, paramID []byte
	for !r.Empty() {
		var tag apdu.Tag
		var v apdu.TLVReader
		if !r.ReadAny(&tag, &v) {
			return apdu.Response{SW: apdu.SWWrongData}
		}
		switch tag {
		case 0x80:
			oidBytes = v
		case 0x83:
			ref = v
		case 0x84:
			paramID = v
		}
	}
	if oidBytes == nil || len(ref) != 1 {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(apdu.EncodeTLV(0x06, oidBytes), &oid); err != nil {
		return apdu.Response{SW: apdu.SWWrongData}
	}
	var chosen *PACEParams
	for i := range p.offered {
		o := &p.offered[i]
		if o.Protocol.Equal(oid) && (len(paramID) == 0 || (len(paramID) == 1 && int(paramID[0]) == o.ParameterID)) {
			chosen = o
			break
		}
	}
	if chosen == nil {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	pw, ok := p.passwords[PasswordRef(ref[0])]
	if !ok {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	suite, err := ParsePACEProtocol(chosen.Protocol)
	if err != nil {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	group, err := paceGroupFor(chosen.ParameterID)
	if err != nil {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	p.params, p.suite, p.pw, p.group = *chosen, suite, pw, group
	p.step = 1
	return apdu.Response{SW: apdu.SWSuccess}
}

// GeneralAuthenticate answers one GENERAL AUTHENTICATE step. After the
// last one it returns the chip side of the new secure messaging session.
// Any error aborts the run: the terminal must start again with MSE:Set AT.
func (p *PACEChip) GeneralAuthenticate(cmd apdu.Command) (apdu.Response, *apdu.SecureMessaging) {
	step := p.step
	p.step = 0
	if step == 0 {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}, nil
	}
	chained := cmd.CLA&0x10 != 0
	if chained != (step < 4) {
		return apdu.Response{SW: apdu.SWLastCommandExpected}, nil
	}
	fail := apdu.Response{SW: apdu.SWWrongData}
	switch step {
	case 1:
		if _, err := paceExpectEmpty(cmd.Data); err != nil {
			return fail, nil
		}
		nonce := make([]byte, 16)
		if _, err := io.ReadFull(p.rnd, nonce); err != nil {
			return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
		}
		p.s = new(big.Int).SetBytes(nonce)
		z, err := paceNonceCrypt(p.suite.Cipher, p.pw.piKey(p.suite.Cipher), nonce, false)
		if err != nil {
			return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
		}
		p.step = 2
		return apdu.Response{Data: dynamicAuthData(0x80, z), SW: apdu.SWSuccess}, nil
	case 2:
		termMap, err := parseDynamicAuthData(cmd.Data, 0x81)
		if err != nil {
			return fail, nil
		}
		priv, pub, err := p.group.newKey(p.rnd)
		if err != nil {
			return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
		}
		if bytes.Equal(pub, termMap) {
			return fail, nil
		}
		h, err := p.group.agree(priv, termMap)
		if err != nil {
			return fail, nil
		}
		if p.mapped, err = p.group.mapped(p.s, h); err != nil {
			return fail, nil
		}
		p.step = 3
		return apdu.Response{Data: dynamicAuthData(0x82, pub), SW: apdu.SWSuccess}, nil
	case 3:
		termKA, err := parseDynamicAuthData(cmd.Data, 0x83)
		if err != nil {
			return fail, nil
		}
		priv, pub, err := p.mapped.newKey(p.rnd)
		if err != nil {
			return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
		}
		if bytes.Equal(pub, termKA) {
			return fail, nil
		}
		agreed, err := p.mapped.agree(priv, termKA)
		if err != nil {
			return fail, nil
		}
		p.kaPriv, p.kaPub, p.termKA = priv, pub, termKA
		p.ksEnc, p.ksMac = sessionKeys(p.suite.Cipher, p.mapped.secret(agreed))
		p.step = 4
		return apdu.Response{Data: dynamicAuthData(0x84, pub), SW: apdu.SWSuccess}, nil
	case 4:
		tIFD, err := parseDynamicAuthData(cmd.Data, 0x85)
		if err != nil {
			return fail, nil
		}
		want, _ := paceToken(p.suite.Cipher, p.ksMac, p.params.Protocol, p.mapped.publicTag(), p.kaPub)
		if subtle.ConstantTimeCompare(tIFD, want) != 1 {
			// A wrong password ends here: the keys differ.
			return apdu.Response{SW: 0x6300}, nil
		}
		tIC, _ := paceToken(p.suite.Cipher, p.ksMac, p.params.Protocol, p.mapped.publicTag(), p.termKA)
		sm, err := apdu.NewSecureMessaging(nil, p.suite.smCipher(), p.ksEnc, p.ksMac, make([]byte, blockSizeOf(p.suite.Cipher)))
		if err != nil {
			return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}, nil
		}
		return apdu.Response{Data: dynamicAuthData(0x86, tIC), SW: apdu.SWSuccess}, sm
	}
	return apdu.Response{SW: apdu.SWConditionsNotSatisfied}, nil
}

// paceExpectEmpty checks the empty 7C 00 of step 1.
func paceExpectEmpty(b []byte) ([]byte, error) {
	r := apdu.TLVReader(b)
	var v apdu.TLVReader
	if !r.Read(0x7C, &v) || !r.Empty() || !v.Empty() {
		return nil, ErrAuthentication
	}
	return nil, nil
}
