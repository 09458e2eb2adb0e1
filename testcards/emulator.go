package testcards

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/perso"
	"github.com/cccd-vn/cccd/pki"
)

// ATRFor is the ATR of an emulated eMRTD: T=1, and historical bytes with
// the card capabilities (ISO/IEC 7816-4 §12.1.1.9) — extended length when
// the image takes it — and "cccd" as issuer data, so that a terminal knows
// what the card takes without probing.
func ATRFor(extended bool) []byte {
	return BuildATR(apdu.CardCapabilities(apdu.Capabilities{Known: true, ExtendedLength: extended}, []byte("cccd")))
}

// ErrTorn is what the in-process transport returns when a tearing fault
// cuts the card's power: the command was not answered.
var ErrTorn = errors.New("emulated card torn: it lost power before answering (fault tear_after)")

// Faults are QA's switches, stored in the image.
type Faults struct {
	// TearAfter cuts the power when the card receives its Nth APDU after
	// power-on (1-based): the APDU is not processed. One shot: it clears
	// itself when it fires.
	TearAfter int `json:"tear_after,omitempty"`
	// StatusWords answer chosen commands with a chosen status word.
	StatusWords []StatusFault `json:"status_words,omitempty"`
	// DelayMS slows every APDU down.
	DelayMS int `json:"delay_ms,omitempty"`
	// BadMAC corrupts the MAC of every protected response.
	BadMAC bool `json:"bad_mac,omitempty"`
	// Withhold makes the chip refuse files: SELECT of the file and READ
	// BINARY by its short EF identifier answer SW (6A82 "not found",
	// 6982 "security status"), as a copy that hides a file would.
	Withhold []FileFault `json:"withhold,omitempty"`
	// RawStatusWords answer chosen commands with a bare status word on
	// the wire, outside secure messaging (e.g. an endless 61xx with no
	// data for INS C0).
	RawStatusWords []StatusFault `json:"raw_status_words,omitempty"`
	// HangAfter makes the card fall silent at its Nth APDU after power-on:
	// that command and every later one get no answer until the card is
	// powered off.
	HangAfter int `json:"hang_after,omitempty"`
}

// FileFault makes the chip answer SW to a file (FID in hex, e.g. "010F").
type FileFault struct {
	FID string `json:"fid"`
	SW  string `json:"sw"`
}

// StatusFault answers SW to commands with instruction INS (hex, e.g.
// "B0"; empty: any), or only to the Nth APDU after power-on when APDU > 0.
type StatusFault struct {
	INS  string `json:"ins,omitempty"`
	APDU int    `json:"apdu,omitempty"`
	SW   string `json:"sw"`
}

func (sf StatusFault) matches(ins byte, n int) bool {
	return (sf.APDU == 0 || sf.APDU == n) && (sf.INS == "" || strings.EqualFold(sf.INS, fmt.Sprintf("%02X", ins)))
}

// withheld applies the Withhold faults to SELECT by file identifier and to
// READ BINARY by short EF identifier.
func (e *Emulator) withheld(cmd apdu.Command) (apdu.SW, bool) {
	for _, w := range e.img.Faults.Withhold {
		fid, err := strconv.ParseUint(w.FID, 16, 16)
		sw, err2 := strconv.ParseUint(w.SW, 16, 16)
		if err != nil || err2 != nil {
			continue
		}
		selects := cmd.INS == 0xA4 && (cmd.P1 == 0x00 || cmd.P1 == 0x02) && len(cmd.Data) == 2 && uint16(cmd.Data[0])<<8|uint16(cmd.Data[1]) == uint16(fid)
		readsSFI := cmd.INS == 0xB0 && cmd.P1&0x80 != 0 && cmd.P1&0x1F == lds.ShortEF(uint16(fid)) && lds.ShortEF(uint16(fid)) != 0
		if selects || readsSFI {
			return apdu.SW(sw), true
		}
	}
	return 0, false
}

// Emulator is an eMRTD applet over a card image: a testcards.Applet for
// the vpcd reader and an apdu.Transport for in-process use. It is safe for
// use from several goroutines (commands are serialized, as on a card).
type Emulator struct {
	mu   sync.Mutex
	path string
	img  *Image
	rnd  io.Reader

	selected bool // eMRTD application selected
	current  *File
	session  *apdu.SecureMessaging
	bac      *chip.BACChip
	pace     *chip.PACEChip
	ca       *chip.CAChip
	eac      eacSession
	chain    *chained // command chaining in progress
	apdus    int
	torn     bool
	saveErr  error
	// hung is closed by a power-off: a silent card (HangAfter) waits on it.
	hung chan struct{}
	// dirty: the image changed since it was last written. Writes are
	// kept in memory during a run of personalization commands and the
	// image is written when it matters — at the end of the run (the next
	// command of another kind), at LOCK, at a tear, at power-off and
	// close — as a chip's EEPROM commits a write before the next command
	// needs it.
	dirty bool
	stats EmulatorStats
}

// EmulatorStats counts how often the image was written, and how much.
type EmulatorStats struct {
	Saves      int
	SavedBytes int64
}

// Stats returns the emulator's image writes so far.
func (e *Emulator) Stats() EmulatorStats { e.mu.Lock(); defer e.mu.Unlock(); return e.stats }

// Open loads a card image; every change of state is saved back to path.
func Open(path string) (*Emulator, error) {
	img, err := LoadImage(path)
	if err != nil {
		return nil, err
	}
	e := NewEmulator(img, path)
	e.PowerOn()
	return e, nil
}

// NewEmulator runs an image in memory; with path set, changes are saved.
func NewEmulator(img *Image, path string) *Emulator {
	return &Emulator{img: img, path: path, rnd: rand.Reader}
}

// SetRandom replaces the card's random source (for replaying examples).
func (e *Emulator) SetRandom(r io.Reader) { e.mu.Lock(); e.rnd = r; e.mu.Unlock() }

// Image returns the card's state (callers must not change it while the
// card runs).
func (e *Emulator) Image() *Image { return e.img }

// Close saves the image if it changed.
func (e *Emulator) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hung != nil {
		close(e.hung) // a silent card is let go
		e.hung = nil
	}
	return e.flush()
}

// flush writes the image if it changed since the last write.
func (e *Emulator) flush() error {
	if !e.dirty {
		return e.saveErr
	}
	return e.save()
}

// SaveError reports the last failure to save the image.
func (e *Emulator) SaveError() error { e.mu.Lock(); defer e.mu.Unlock(); return e.saveErr }

func (e *Emulator) save() error {
	e.dirty = false
	if e.path == "" {
		return nil
	}
	n, err := e.img.save(e.path)
	e.saveErr = err
	e.stats.Saves++
	e.stats.SavedBytes += n
	return err
}

// ATR returns the answer to reset.
func (e *Emulator) ATR() []byte { return ATRFor(e.img.ExtendedLength) }

// PowerOn is a cold start: sessions and selections are gone.
func (e *Emulator) PowerOn() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.resetLocked()
	e.img.Counters.PowerOns++
}

// PowerOff cuts the power; what changed is written first.
func (e *Emulator) PowerOff() { e.mu.Lock(); e.flush(); e.resetLocked(); e.mu.Unlock() }

// Reset is a warm reset; what changed is written first.
func (e *Emulator) Reset() { e.mu.Lock(); e.flush(); e.resetLocked(); e.mu.Unlock() }

func (e *Emulator) resetLocked() {
	e.selected, e.current, e.session, e.bac, e.pace, e.ca = false, nil, nil, nil, nil, nil
	e.eac, e.chain = eacSession{}, nil
	e.apdus, e.torn = 0, false
	if e.hung != nil {
		close(e.hung)
		e.hung = nil
	}
}

// Transmit is the in-process transport: like Process, but a tearing fault
// is an error, as a card that lost power answers nothing. The next
// command finds the card powered up again.
func (e *Emulator) Transmit(cmd []byte) ([]byte, error) {
	resp := e.Process(cmd)
	e.mu.Lock()
	torn := e.torn
	if torn {
		e.resetLocked()
		e.img.Counters.PowerOns++
	}
	e.mu.Unlock()
	if torn {
		return nil, ErrTorn
	}
	return resp, nil
}

// Torn reports whether the last command tore the card (the vpcd server
// then drops the connection).
func (e *Emulator) Torn() bool { e.mu.Lock(); defer e.mu.Unlock(); return e.torn }

func swResp(sw apdu.SW) []byte { return apdu.Response{SW: sw}.Bytes() }

// Process answers one command APDU.
func (e *Emulator) Process(raw []byte) []byte {
	e.mu.Lock()
	if h := e.img.Faults.HangAfter; h > 0 && (e.hung != nil || e.apdus+1 >= h) {
		// A silent card: no answer until the power goes (PowerOff,
		// Reset, Close), then none for this command either.
		if e.hung == nil {
			e.hung = make(chan struct{})
		}
		wait := e.hung
		e.mu.Unlock()
		<-wait
		// Let go: the card leaves the field without answering, as a
		// torn one (the vpcd server drops the connection).
		e.mu.Lock()
		e.torn = true
		e.mu.Unlock()
		return nil
	}
	defer e.mu.Unlock()
	e.apdus++
	f := &e.img.Faults
	if len(raw) >= 4 {
		for _, sf := range f.RawStatusWords {
			if sf.matches(raw[1], e.apdus) {
				if sw, err := strconv.ParseUint(sf.SW, 16, 16); err == nil {
					return swResp(apdu.SW(sw))
				}
			}
		}
	}
	if f.DelayMS > 0 {
		time.Sleep(time.Duration(f.DelayMS) * time.Millisecond)
	}
	if f.TearAfter > 0 && e.apdus >= f.TearAfter {
		f.TearAfter = 0
		e.torn = true
		e.save()
		return nil
	}
	if e.dirty && !isPersoINS(raw[1]) {
		// A run of personalization commands has ended: commit it.
		if err := e.save(); err != nil {
			return swResp(apdu.SWNotEnoughMemory)
		}
	}
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return swResp(apdu.SWWrongLength)
	}
	if cmd.CLA&0x0C == 0x0C {
		return e.processProtected(raw)
	}
	if e.session != nil {
		// A plain command ends the secure session (ISO/IEC 7816-4 §6).
		e.session = nil
	}
	resp, sm := e.handle(cmd, false)
	if sm != nil {
		e.session = sm
	}
	return resp.Bytes()
}

// handle applies the status-word faults and the length limits, then runs
// the command. Protected commands come here unwrapped, so that every
// answer to them — refusals included — goes back protected and both
// sides' counters stay in step.
func (e *Emulator) handle(cmd apdu.Command, secure bool) (apdu.Response, *apdu.SecureMessaging) {
	for _, sf := range e.img.Faults.StatusWords {
		if sf.matches(cmd.INS, e.apdus) {
			if sw, err := strconv.ParseUint(sf.SW, 16, 16); err == nil {
				return apdu.Response{SW: apdu.SW(sw)}, nil
			}
		}
	}
	if sw, ok := e.withheld(cmd); ok {
		return apdu.Response{SW: sw}, nil
	}
	if cmd.IsExtended() && !e.img.ExtendedLength {
		return apdu.Response{SW: apdu.SWWrongLength}, nil
	}
	return e.dispatch(cmd, secure)
}

func (e *Emulator) processProtected(raw []byte) []byte {
	if e.session == nil {
		return swResp(apdu.SWSecureMessagingNotSupp)
	}
	cmd, err := e.session.UnwrapCommand(raw)
	if err != nil {
		e.session = nil
		return swResp(apdu.SWSMDataObjectsIncorrect)
	}
	sess := e.session
	resp, newSession := e.handle(cmd, true)
	out := sess.WrapResponse(resp)
	if e.img.Faults.BadMAC {
		out[len(out)-3] ^= 0x01
	}
	if newSession != nil {
		e.session = newSession
	}
	return out
}

// dispatch runs a plain command (unwrapped if it came protected). A
// returned session replaces the current one (after access control).
func (e *Emulator) dispatch(cmd apdu.Command, secure bool) (apdu.Response, *apdu.SecureMessaging) {
	if cmd.CLA&0x10 != 0 && cmd.INS != 0x86 {
		return e.chainSegment(cmd), nil
	}
	cmd = e.unchain(cmd)
	switch cmd.INS {
	case 0xA4:
		return e.selectFile(cmd), nil
	case 0xB0, 0xB1:
		return e.readBinary(cmd, secure), nil
	case 0x84:
		if secure && e.eac.caDone {
			return e.taCommand(cmd), nil
		}
		if e.bacChip() == nil {
			return apdu.Response{SW: apdu.SWConditionsNotSatisfied}, nil
		}
		return e.bac.GetChallenge(cmd), nil
	case 0x82:
		if secure && e.eac.caDone {
			return e.taCommand(cmd), nil
		}
		if e.bac == nil {
			return apdu.Response{SW: apdu.SWConditionsNotSatisfied}, nil
		}
		r, sm := e.bac.ExternalAuthenticate(cmd)
		return e.established(byBAC, r, sm)
	case 0x22:
		if cmd.P1 == 0xC1 && cmd.P2 == 0xA4 {
			p := e.paceChip()
			if p == nil {
				return apdu.Response{SW: apdu.SWReferencedDataNotFound}, nil
			}
			return p.SetAT(cmd), nil
		}
		if cmd.P1 == 0x41 && (cmd.P2 == 0xA4 || cmd.P2 == 0xA6) {
			c := e.caChip()
			if c == nil || !secure {
				return apdu.Response{SW: apdu.SWSecurityStatus}, nil
			}
			r, sm := c.SetAT(cmd)
			return e.established(byCA, r, sm)
		}
		if cmd.P1 == 0x81 && (cmd.P2 == 0xB6 || cmd.P2 == 0xA4) {
			return e.taGate(cmd, secure), nil
		}
		return apdu.Response{SW: apdu.SWIncorrectP1P2}, nil
	case 0x86:
		if e.ca != nil && e.ca.Pending() && secure {
			r, sm := e.ca.GeneralAuthenticate(cmd)
			return e.established(byCA, r, sm)
		}
		if e.pace == nil {
			return apdu.Response{SW: apdu.SWConditionsNotSatisfied}, nil
		}
		r, sm := e.pace.GeneralAuthenticate(cmd)
		return e.established(byPACE, r, sm)
	case 0x2A:
		return e.taGate(cmd, secure), nil
	case 0x88:
		return e.internalAuthenticate(cmd, secure), nil
	case perso.INSCreateFile, perso.INSUpdateBinary, perso.INSUpdateBinaryOdd, perso.INSPutData:
		return e.personalize(cmd), nil
	}
	return apdu.Response{SW: apdu.SWINSNotSupported}, nil
}

// Who established a session.
const (
	byBAC = iota
	byPACE
	byCA
)

func (e *Emulator) established(by int, r apdu.Response, sm *apdu.SecureMessaging) (apdu.Response, *apdu.SecureMessaging) {
	if sm != nil {
		e.newSession(by)
		e.img.Counters.Sessions++
		// The new session starts with the next command; the current
		// answer goes back the way the command came.
		e.bac, e.pace = nil, nil
	}
	return r, sm
}

// caChip prepares the chip side of Chip Authentication with the key put
// in by PUT DATA 67.
func (e *Emulator) caChip() *chip.CAChip {
	if e.img.CA == nil {
		return nil
	}
	k, err := ecPrivate(e.img.CA.Curve, e.img.CA.D)
	if err != nil {
		return nil
	}
	e.ca = &chip.CAChip{Key: k}
	return e.ca
}

func (e *Emulator) bacChip() *chip.BACChip {
	if !e.img.Secret.HasMRZ() {
		return nil
	}
	b, err := chip.NewBACChip(e.img.Secret.MRZOnly(), e.rnd)
	if err != nil {
		return nil
	}
	e.bac = b
	return b
}

// paceChip builds the chip side from EF.CardAccess and the passwords.
func (e *Emulator) paceChip() *chip.PACEChip {
	ca := e.img.FileData(lds.FIDCardAccess)
	if ca == nil {
		return nil
	}
	infos, err := lds.ParseCardAccess(ca)
	if err != nil {
		return nil
	}
	var offered []chip.PACEParams
	for _, si := range infos.Infos.Of(lds.SecurityInfoPACE) {
		offered = append(offered, chip.PACEParams{Protocol: si.Protocol, ParameterID: si.ParameterID})
	}
	e.pace = chip.NewPACEChip(offered, e.img.Secret, e.rnd)
	return e.pace
}

func (e *Emulator) selectFile(cmd apdu.Command) apdu.Response {
	switch cmd.P1 {
	case 0x04:
		if bytes.Equal(cmd.Data, lds.AID) {
			e.selected, e.current = true, nil
			return apdu.Response{SW: apdu.SWSuccess}
		}
		return apdu.Response{SW: apdu.SWFileNotFound}
	case 0x00, 0x02:
		if len(cmd.Data) != 2 {
			if cmd.P1 == 0x00 && len(cmd.Data) == 0 && e.img.Profile == ProfileCCCD {
				return apdu.Response{SW: apdu.SWINSNotSupported}
			}
			return apdu.Response{SW: apdu.SWWrongLength}
		}
		fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if fid == 0x3F00 {
			if e.img.Profile == ProfileCCCD {
				// Reported quirk of the CCCD chip: no SELECT of the MF.
				return apdu.Response{SW: apdu.SWINSNotSupported}
			}
			e.selected, e.current = false, nil
			return apdu.Response{SW: apdu.SWSuccess}
		}
		f := e.img.file(fid)
		if f == nil || (!f.MF && !e.selected) || (lds.IsApplicationFile(fid) && !e.selected) {
			return apdu.Response{SW: apdu.SWFileNotFound}
		}
		e.current = f
		if cmd.P2&0x0C == 0x0C {
			return apdu.Response{SW: apdu.SWSuccess}
		}
		// FCP: file size and identifier.
		size := []byte{byte(f.Size >> 8), byte(f.Size)}
		if f.Size > 0xFFFF {
			size = []byte{byte(f.Size >> 16), byte(f.Size >> 8), byte(f.Size)}
		}
		fcp := apdu.EncodeTLV(0x62, append(apdu.EncodeTLV(0x80, size), apdu.EncodeTLV(0x83, cmd.Data)...))
		return apdu.Response{Data: fcp, SW: apdu.SWSuccess}
	}
	return apdu.Response{SW: apdu.SWIncorrectP1P2}
}

// maxPlain is the most file bytes one READ BINARY answer carries: the
// configured chip limit, and what fits the response the command allows
// once secure messaging wraps it (DO 87 with padding, DO 99, DO 8E).
func (e *Emulator) maxPlain(cmd apdu.Command, secure bool) int {
	limit := cmd.Ne
	if e.img.MaxResponse > 0 && e.img.MaxResponse < limit {
		limit = e.img.MaxResponse
	}
	if !secure || e.session == nil {
		return limit
	}
	wire := apdu.MaxShortLe
	if cmd.Extended {
		wire = apdu.MaxExtendedLe
	}
	bs := 16
	if e.session.Cipher() == apdu.SM3DES {
		bs = 8
	}
	wrapped := func(n int) int {
		enc := 1 + (n/bs+1)*bs // indicator + padded data
		return len(apdu.EncodeTLV(0x87, make([]byte, enc))) + 4 + 10
	}
	// Start near the answer (DO 87 header at most 4 bytes), then step.
	if upper := ((wire-19)/bs)*bs - 1; limit > upper {
		limit = upper
	}
	for limit > 0 && wrapped(limit) > wire {
		limit--
	}
	return limit
}

func (e *Emulator) readBinary(cmd apdu.Command, secure bool) apdu.Response {
	f := e.current
	var offset int
	if cmd.INS == 0xB0 {
		if cmd.P1&0x80 != 0 {
			// Short EF identifier: the file whose FID ends in it.
			sfi := cmd.P1 & 0x1F
			f = nil
			for _, c := range e.img.Files {
				if v, err := strconv.ParseUint(c.FID, 16, 16); err == nil && byte(v)&0x1F == sfi && (c.MF || e.selected) {
					f = c
				}
			}
			if f == nil {
				return apdu.Response{SW: apdu.SWFileNotFound}
			}
			e.current = f
			offset = int(cmd.P2)
		} else {
			offset = int(cmd.P1&0x7F)<<8 | int(cmd.P2)
		}
	} else {
		r := apdu.TLVReader(cmd.Data)
		var off []byte
		if !r.ReadBytes(0x54, &off) || len(off) == 0 || len(off) > 3 {
			return apdu.Response{SW: apdu.SWWrongData}
		}
		for _, b := range off {
			offset = offset<<8 | int(b)
		}
	}
	if f == nil {
		return apdu.Response{SW: apdu.SWConditionsNotSatisfied}
	}
	fid, _ := strconv.ParseUint(f.FID, 16, 16)
	if !f.MF && !secure {
		return apdu.Response{SW: apdu.SWSecurityStatus}
	}
	if (fid == 0x0103 || fid == 0x0104) && !e.eacGranted(uint16(fid)) {
		// DG3/DG4 need EAC terminal authentication.
		return apdu.Response{SW: apdu.SWSecurityStatus}
	}
	if offset > len(f.Data) {
		return apdu.Response{SW: apdu.SWWrongP1P2}
	}
	limit := e.maxPlain(cmd, secure)
	n := min(limit, len(f.Data)-offset)
	if cmd.INS == 0xB1 {
		// The answer is DO 53 around the bytes: its header must fit the
		// limit too, but only the bytes that do not fit are held back (a
		// fixed margin taken off the last chunk would drop the file's tail).
		for n > 0 && len(apdu.EncodeTLV(0x53, f.Data[offset:offset+n])) > limit {
			n--
		}
		return apdu.Response{Data: apdu.EncodeTLV(0x53, f.Data[offset:offset+n]), SW: apdu.SWSuccess}
	}
	return apdu.Response{Data: append([]byte(nil), f.Data[offset:offset+n]...), SW: apdu.SWSuccess}
}

func (e *Emulator) internalAuthenticate(cmd apdu.Command, secure bool) apdu.Response {
	if !secure && e.img.Locked {
		return apdu.Response{SW: apdu.SWSecurityStatus}
	}
	priv, h, err := e.aaKey()
	if err != nil || priv == nil {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	sig, err := chip.AASign(priv, h, cmd.Data, e.rnd)
	if err != nil {
		return apdu.Response{SW: apdu.SWNoPreciseDiagnosis}
	}
	return apdu.Response{Data: sig, SW: apdu.SWSuccess}
}

// aaKey returns the Active Authentication key and, for EC, the hash DG14
// names (SHA-256 by default).
func (e *Emulator) aaKey() (crypto.PrivateKey, crypto.Hash, error) {
	if k := e.img.AARSA; k != nil {
		n, ok1 := new(big.Int).SetString(k.N, 16)
		d, ok2 := new(big.Int).SetString(k.D, 16)
		if !ok1 || !ok2 {
			return nil, 0, errors.New("bad RSA key in image")
		}
		return &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d}, 0, nil
	}
	if k := e.img.AAEC; k != nil {
		priv, err := ecPrivate(k.Curve, k.D)
		return priv, crypto.SHA256, err
	}
	return nil, 0, nil
}

func curveByOID(s string) elliptic.Curve {
	var oid asn1.ObjectIdentifier
	for _, p := range strings.Split(s, ".") {
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		oid = append(oid, v)
	}
	return pki.CurveByOID(oid)
}

func ecPrivate(curveOID, dHex string) (*ecdsa.PrivateKey, error) {
	c := curveByOID(curveOID)
	if c == nil {
		return nil, fmt.Errorf("unsupported curve %s", curveOID)
	}
	d, ok := new(big.Int).SetString(dHex, 16)
	if !ok {
		return nil, errors.New("bad EC scalar")
	}
	x, y := c.ScalarBaseMult(d.Bytes())
	return &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: c, X: x, Y: y}, D: d}, nil
}
