package personalize

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/qr"
)

// Personalizer writes records onto cards.
type Personalizer struct {
	DSCert   *pki.Certificate
	DSSigner crypto.Signer
	PSS      bool // RSA-PSS for an RSA Document Signer
	Journal  *Journal
	// QROut is where each card's QR payload (.txt) and image (.png) go.
	QROut string
	// Validator loads photos (relative to the input file).
	Validator *Validator
	Rand      io.Reader
	// Now dates the SOD signature (time.Now when zero).
	Now time.Time
}

// CheckSigner checks at start that the DS certificate and key belong
// together, by signing and verifying a test message.
func CheckSigner(cert *pki.Certificate, signer crypto.Signer) error {
	if !publicKeysEqual(cert.PublicKey, signer.Public()) {
		return errors.New("the Document Signer key does not match the certificate given with --ds-cert")
	}
	if cert.IsCA {
		return errors.New("--ds-cert is a CA certificate; give the Document Signer certificate")
	}
	return nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(equaler); ok {
		return e.Equal(b)
	}
	return false
}

// Station is a card ready for APDUs: a reader slot or an emulated card.
type Station struct {
	Card   *apdu.Card
	Reader string // reader name or emu:PATH
	ATR    []byte
}

// Result of one card.
type Result struct {
	Line     int
	IDNumber string
	QRFile   string
	Card     string
}

// Personalize writes one validated record onto the card of st: build and
// sign the data, write it with the personalization commands, read it back
// through PACE and BAC, check it as a counter would (data-group hashes,
// SOD signature, active authentication), then lock the card. The journal
// gets every step before and after.
func (p *Personalizer) Personalize(st Station, in Input) (*Result, error) {
	rec := in.Record
	id, line := rec.IDNumber, in.Line
	j := p.Journal
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if err := j.Begin(id, line, st.Reader, st.Reader, fmt.Sprintf("%X", st.ATR)); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	fail := func(step string, err error) (*Result, error) {
		j.Step(id, line, step, "failed", err.Error())
		j.Finish(id, line, StateFailed, "", step+": "+err.Error())
		return nil, fmt.Errorf("line %d: %s: %w", line, step, err)
	}
	photo, err := p.Validator.LoadPhoto(rec.Photo)
	if err != nil {
		return fail("photo", err)
	}
	aa, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return fail("keys", err)
	}
	ca, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return fail("keys", err)
	}
	card, err := chip.BuildCard(chip.CardSpec{Record: rec, Photo: photo, AAPublicKey: &aa.PublicKey, CAPublicKey: &ca.PublicKey,
		Sign: chip.SODSignOptions{Certificate: p.DSCert, Signer: p.DSSigner, PSS: p.PSS, SigningTime: p.Now}})
	if err != nil {
		return fail("build", err)
	}
	j.Step(id, line, "write", "started", "")
	if err := WriteCard(st.Card, card, aa, ca); err != nil {
		if errors.Is(err, apdu.ErrConditionsNotSatisfied) {
			// A locked card: a run that stopped between LOCK and the
			// journal's "done". It is finished only if it holds this
			// record and passes; else it is spoiled, named in the journal.
			if rerr := p.recoverLocked(st, in); rerr != nil {
				j.Step(id, line, "recover", "failed", rerr.Error())
				j.Finish(id, line, StateSpoiled, "", fmt.Sprintf("card %s is locked and does not pass: %v", st.Reader, rerr))
				return nil, fmt.Errorf("line %d: card %s is locked and spoiled: %w", line, st.Reader, rerr)
			}
			j.Step(id, line, "recover", "done", "locked card holds this record and passes")
			qrFile, _ := p.writeQR(in)
			if err := j.Finish(id, line, StateDone, qrFile, ""); err != nil {
				return nil, err
			}
			return &Result{Line: line, IDNumber: id, QRFile: qrFile, Card: st.Reader}, nil
		}
		return fail("write", err)
	}
	j.Step(id, line, "write", "done", "")
	j.Step(id, line, "readback", "started", "")
	if err := ReadBack(st.Card, card, p.DSCert, rnd); err != nil {
		return fail("readback", err)
	}
	j.Step(id, line, "readback", "done", "")
	j.Step(id, line, "lock", "started", "")
	st.Card.SetChannel(nil)
	if _, err := st.Card.Send(apdu.Command{INS: 0xDA, P1: 0xDE, P2: 0xAD}); err != nil {
		return fail("lock", err)
	}
	j.Step(id, line, "lock", "done", "")
	qrFile, err := p.writeQR(in)
	if err != nil {
		// The card is done; the QR can be made again from the record.
		j.Step(id, line, "qr", "failed", err.Error())
	}
	if err := j.Finish(id, line, StateDone, qrFile, ""); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Result{Line: line, IDNumber: id, QRFile: qrFile, Card: st.Reader}, nil
}

func (p *Personalizer) writeQR(in Input) (string, error) {
	if p.QROut == "" {
		return "", nil
	}
	q, err := qr.FromRecord(in.Record)
	if err != nil {
		return "", err
	}
	text, err := q.Build()
	if err != nil {
		return "", err
	}
	png, err := qr.PNG(text, qr.Options{})
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(p.QROut, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(p.QROut, in.Record.IDNumber)
	if err := os.WriteFile(base+".txt", []byte(text+"\n"), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".png", png, 0o600); err != nil {
		return "", err
	}
	return base + ".png", nil
}

// recoverLocked checks a locked card found while resuming: it must open
// with this record's CAN, hold this record's ID number in DG13, pass
// passive authentication against the DS and active authentication.
func (p *Personalizer) recoverLocked(st Station, in Input) error {
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	data, err := chip.NewCCCDData(in.Record)
	if err != nil {
		return err
	}
	can := in.Record.CAN
	if can == "" {
		can = in.Record.IDNumber[6:]
	}
	if _, err := chip.Open(st.Card, chip.Access{CAN: can}, rnd); err != nil {
		return err
	}
	r := chip.NewFileReader(st.Card)
	dgs := map[int][]byte{}
	for _, n := range []int{1, 2, 13, 15} {
		b, err := r.ReadFile(chip.DGFileID(n))
		if err != nil {
			return err
		}
		dgs[n] = b
	}
	dg13, err := chip.ParseDG13(dgs[13])
	if err != nil || dg13.IDNumber != in.Record.IDNumber || dg13.FullName != data.DG13.FullName {
		return errors.New("the card holds another record")
	}
	sodBytes, err := r.ReadFile(0x011D)
	if err != nil {
		return err
	}
	sod, err := chip.ParseSOD(sodBytes)
	if err != nil {
		return err
	}
	if rep := sod.Verify(dgs, chip.Trust{DocumentSigners: []*pki.Certificate{p.DSCert}}, time.Now()); rep.Signature != nil || rep.MessageDigest != nil {
		return fmt.Errorf("EF.SOD does not verify: %v %v", rep.Signature, rep.MessageDigest)
	} else {
		for _, d := range rep.DataGroups {
			if d.Status == chip.DGMismatch {
				return fmt.Errorf("DG%d does not match EF.SOD", d.DG)
			}
		}
	}
	dg15, err := chip.ParseDG15(dgs[15])
	if err != nil {
		return err
	}
	pub, err := dg15.CryptoPublicKey()
	if err != nil {
		return err
	}
	return chip.ActiveAuthenticate(st.Card, pub, crypto.SHA256, rnd)
}

// writeChunk is the data of one UPDATE BINARY: a short APDU's worth.
const writeChunk = 0xDF

// WriteCard sends the personalization commands of shared/perso-protocol.md:
// select the application, the BAC seed, the CAN, the AA key, then every
// file (CREATE FILE, SELECT, UPDATE BINARY in chunks).
func WriteCard(c *apdu.Card, card *chip.Card, aa, ca *ecdsa.PrivateKey) error {
	c.SetChannel(nil)
	send := func(what string, cmd apdu.Command) error {
		if _, err := c.Send(cmd); err != nil {
			if errors.Is(err, apdu.ErrConditionsNotSatisfied) {
				return fmt.Errorf("%s: the card refuses personalization (locked already?): %w", what, err)
			}
			if apdu.IsUnsupported(err) || errors.Is(err, apdu.ErrWrongData) {
				return fmt.Errorf("%s: the card lacks this command (not a cccd-capable applet): %w", what, err)
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := send("select applet", apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: chip.EMRTDAID}); err != nil {
		return err
	}
	doc := card.BAC.DocumentNumber
	for len(doc) < 9 {
		doc += "<"
	}
	seed := apdu.EncodeTLV(0x62, bytes.Join([][]byte{apdu.EncodeTLV(0x04, []byte(doc)), apdu.EncodeTLV(0x04, []byte(card.BAC.DateOfBirth)), apdu.EncodeTLV(0x04, []byte(card.BAC.DateOfExpiry))}, nil))
	if err := send("PUT DATA BAC seed", apdu.Command{INS: 0xDA, P2: 0x62, Data: seed}); err != nil {
		return err
	}
	if card.CAN != "" {
		if err := send("PUT DATA CAN", apdu.Command{INS: 0xDA, P2: 0x65, Data: apdu.EncodeTLV(0x65, apdu.EncodeTLV(0x04, []byte(card.CAN)))}); err != nil {
			return err
		}
	}
	if aa != nil {
		oid, ok := pki.CurveOID(aa.Curve)
		if !ok {
			return fmt.Errorf("AA key curve %s has no OID", aa.Curve.Params().Name)
		}
		oidDER, _ := asn1.Marshal(oid)
		scalar := aa.D.FillBytes(make([]byte, (aa.Curve.Params().N.BitLen()+7)/8))
		if err := send("PUT DATA AA key", apdu.Command{INS: 0xDA, P2: 0x66, Data: apdu.EncodeTLV(0x66, append(oidDER, apdu.EncodeTLV(0x04, scalar)...))}); err != nil {
			return err
		}
	}
	if ca != nil {
		oid, ok := pki.CurveOID(ca.Curve)
		if !ok {
			return fmt.Errorf("CA key curve %s has no OID", ca.Curve.Params().Name)
		}
		oidDER, _ := asn1.Marshal(oid)
		scalar := ca.D.FillBytes(make([]byte, (ca.Curve.Params().N.BitLen()+7)/8))
		body := append(append(apdu.EncodeTLV(0x02, []byte{1}), oidDER...), apdu.EncodeTLV(0x04, scalar)...)
		if err := send("PUT DATA CA key", apdu.Command{INS: 0xDA, P2: 0x67, Data: apdu.EncodeTLV(0x67, body)}); err != nil {
			return err
		}
	}
	fids := make([]int, 0, len(card.Files))
	for fid := range card.Files {
		fids = append(fids, int(fid))
	}
	sort.Ints(fids)
	for _, f := range fids {
		fid := uint16(f)
		data := card.Files[fid]
		name := chip.FileName(fid)
		var p1 byte
		if fid == 0x011C || fid == 0x2F01 {
			p1 = 0x01 // master file: readable before access control
		}
		if err := send("CREATE FILE "+name, apdu.Command{INS: 0xE0, P1: p1, Data: []byte{0x63, 0x04, byte(len(data) >> 8), byte(len(data)), byte(fid >> 8), byte(fid)}}); err != nil {
			return err
		}
		if err := send("SELECT "+name, apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}); err != nil {
			return err
		}
		for off := 0; off < len(data); off += writeChunk {
			end := min(off+writeChunk, len(data))
			if err := send("UPDATE BINARY "+name, apdu.Command{INS: 0xD6, P1: byte(off >> 8), P2: byte(off), Data: data[off:end]}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReadBack opens the card as a counter would — PACE with the CAN, then
// BAC with the MRZ — reads every file back, compares it with what was
// written, and runs passive authentication against the DS certificate
// and active authentication with the DG15 key.
func ReadBack(c *apdu.Card, card *chip.Card, ds *pki.Certificate, rnd io.Reader) error {
	var problems []string
	check := func(acc chip.Access, how string) error {
		res, err := chip.Open(c, acc, rnd)
		if err != nil {
			return fmt.Errorf("%s: %w", how, err)
		}
		if acc.CAN != "" && res.Method != "PACE" {
			return fmt.Errorf("%s: the card did not run PACE (%s)", how, res.Fallback)
		}
		r := chip.NewFileReader(c)
		dgs := map[int][]byte{}
		for fid, want := range card.Files {
			if fid == 0x011C {
				continue
			}
			got, err := r.ReadFile(fid)
			if err != nil {
				return fmt.Errorf("%s: %w", how, err)
			}
			if !bytes.Equal(got, want) {
				problems = append(problems, fmt.Sprintf("%s: %s reads back different", how, chip.FileName(fid)))
			}
			if fid >= 0x0101 && fid <= 0x0110 {
				dgs[int(fid-0x0100)] = got
			}
		}
		if how != "PACE" {
			return nil
		}
		sod, err := chip.ParseSOD(card.Files[0x011D])
		if err != nil {
			return err
		}
		rep := sod.Verify(dgs, chip.Trust{DocumentSigners: []*pki.Certificate{ds}}, time.Now())
		for _, d := range rep.DataGroups {
			if d.Status != chip.DGVerified {
				problems = append(problems, fmt.Sprintf("DG%d: %s", d.DG, d.Status))
			}
		}
		if rep.Signature != nil || rep.MessageDigest != nil {
			problems = append(problems, fmt.Sprintf("EF.SOD: %v %v", rep.Signature, rep.MessageDigest))
		}
		if b, ok := dgs[14]; ok {
			dg14, err := chip.ParseDG14(b)
			if err != nil {
				return err
			}
			if p, offered, err := chip.CAFromDG14(dg14); offered {
				if err == nil {
					err = chip.ChipAuthenticate(c, p, rnd)
				}
				if err != nil {
					problems = append(problems, "chip authentication: "+err.Error())
				}
			}
		}
		if b, ok := dgs[15]; ok {
			dg15, err := chip.ParseDG15(b)
			if err != nil {
				return err
			}
			pub, err := dg15.CryptoPublicKey()
			if err != nil {
				return err
			}
			if err := chip.ActiveAuthenticate(c, pub, crypto.SHA256, rnd); err != nil {
				problems = append(problems, "active authentication: "+err.Error())
			}
		}
		return nil
	}
	if card.CAN != "" {
		if err := check(chip.Access{CAN: card.CAN}, "PACE"); err != nil {
			return err
		}
	}
	bac := card.BAC
	if err := check(chip.Access{MRZ: &bac, NoPACE: true}, "BAC"); err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
