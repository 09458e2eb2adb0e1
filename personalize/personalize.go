// Package personalize turns batches of citizen records into personalized,
// locked chips: validate every record first, build and sign each card's
// data, write it with the personalization commands, read it back as a
// counter would, lock it, and journal every step (package journal) so that
// a crash at any moment leaves each record in one known state, and several
// stations can share one batch with each record on exactly one card.
package personalize

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/perso"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/qr"
	"github.com/cccd-vn/cccd/verify"
)

// Personalizer writes records onto cards.
type Personalizer struct {
	DSCert   *pki.Certificate
	DSSigner crypto.Signer
	PSS      bool // RSA-PSS for an RSA Document Signer
	// QROut is where each card's QR payload (.txt) and image (.png) go.
	QROut string
	// Validator loads photos (relative to the input file).
	Validator *Validator
	Rand      io.Reader
	// Now dates the SOD signature (time.Now when zero).
	Now time.Time
	// EAC, when set, writes Extended Access Control: the CVCA trust
	// point (PUT DATA 64) and, with a terminal, DG3 read back through
	// terminal authentication.
	EAC *EAC
	// Profile is the layout of the cards (lds.ProfileCCCD when empty:
	// as real CCCDs are); DG2Format the face's encoding (19794-5 when
	// empty).
	Profile   lds.Profile
	DG2Format lds.FaceEncoding
}

// EAC is the Extended Access Control of a batch (ICAO 9303-11 §7.1): the
// CVCA certificate every chip trusts, and an inspection system of that
// CVCA to read DG3 back before LOCK (nil: DG3 is checked by its hash in
// EF.SOD only, as the chip keeps it).
type EAC struct {
	TrustPoint *cvc.Certificate
	Terminal   *cvc.Terminal
}

func (p *Personalizer) keys(aa, ca *ecdsa.PrivateKey) perso.Keys {
	k := perso.Keys{AA: aa, CA: ca}
	if p.EAC != nil && p.EAC.TrustPoint != nil {
		k.TrustPoints = [][]byte{p.EAC.TrustPoint.Raw}
	}
	return k
}

func (p *Personalizer) terminal() *cvc.Terminal {
	if p.EAC == nil {
		return nil
	}
	return p.EAC.Terminal
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
	Card *apdu.Card
	// Reader names the station: a PC/SC reader, or emu:PATH for an
	// emulated card.
	Reader string
	// Chip identifies the card itself when it can tell more than its ATR
	// (an emulated card's image path); empty otherwise.
	Chip string
	ATR  []byte
}

// CardID is what the journal records as the card's identity: Chip when
// known, else the ATR in hex.
func (st Station) CardID() string {
	if st.Chip != "" {
		return st.Chip
	}
	return fmt.Sprintf("%X", st.ATR)
}

// Result of one card.
type Result struct {
	Line     int
	IDNumber string
	QRFile   string
	Card     string
	// QRErr: the card is done but its QR payload could not be written
	// (it can be made again from the record with 'cccd qr encode').
	QRErr error
}

// Validated is a record that passed validation, ready for a card.
type Validated struct {
	Line   int
	Holder *citizen.Holder
}

// JournalError is a failure to write the journal: the station must stop at
// once (no card may be written that the journal does not account for).
type JournalError struct{ Err error }

func (e *JournalError) Error() string { return "journal: " + e.Err.Error() }
func (e *JournalError) Unwrap() error { return e.Err }

// ErrNotBlank: the card in the reader is not a blank card (it holds files
// already, or has no eMRTD application). It was refused before any write;
// the record is untouched and waits for another card.
var ErrNotBlank = errors.New("not a blank card: remove it")

// ErrStopped: the operator stopped the station while a card was in hand;
// it was given up cleanly before LOCK (the record is failed, the card can
// be written again).
var ErrStopped = errors.New("stopped by the operator before the card was locked")

// SpoiledError: a locked card that does not pass; the record is spoiled
// and the card must be destroyed.
type SpoiledError struct{ Reason string }

func (e *SpoiledError) Error() string { return "spoiled: " + e.Reason }

func (p *Personalizer) rand() io.Reader {
	if p.Rand == nil {
		return rand.Reader
	}
	return p.Rand
}

// DSSerial is the Document Signer certificate's serial (hex), as the
// journal records it.
func (p *Personalizer) DSSerial() string {
	if p.DSCert == nil {
		return ""
	}
	return p.DSCert.SerialNumber.Text(16)
}

// Probe tells a blank card from one that is not, with reads only (SELECT):
// the eMRTD application must be there, and neither DG1 (the first file
// the personalization creates) nor EF.COM (the last). A card that refuses
// a plain SELECT of a file (a locked card of a stricter applet) is not
// blank either. serial is the chip's serial where the reader reports one
// (PC/SC GET DATA, FF CA 00 00); an error means the card did not answer.
func Probe(c *apdu.Card) (blank bool, why, serial string, err error) {
	c.SetChannel(nil)
	if uid, err := c.Send(apdu.Command{CLA: 0xFF, INS: 0xCA, Ne: 256}); err == nil && len(uid) > 0 {
		serial = fmt.Sprintf("%X", uid)
	} else if err != nil && !isStatus(err) {
		return false, "", "", err
	}
	if _, err := c.Send(perso.SelectApplet{}.APDU()); err != nil {
		if isStatus(err) {
			return false, "it has no eMRTD application", serial, nil
		}
		return false, "", serial, err
	}
	for _, fid := range []uint16{lds.FIDCOM, lds.DGFileID(1)} {
		_, err := c.Send(perso.SelectFile{FID: fid}.APDU())
		switch {
		case err == nil:
			return false, "it holds " + lds.FileName(fid) + " already", serial, nil
		case errors.Is(err, apdu.ErrFileNotFound):
		case isStatus(err):
			return false, fmt.Sprintf("it refuses to select %s (%v)", lds.FileName(fid), err), serial, nil
		default:
			return false, "", serial, err
		}
	}
	return true, "", serial, nil
}

func isStatus(err error) bool {
	var se *apdu.StatusError
	return errors.As(err, &se)
}

// Personalize writes one validated record, claimed in the journal, onto
// the card of st: probe that the card is blank (or the very card of this
// record's unfinished attempt on this station), build and sign the data,
// write it with the personalization commands, read it back with the
// inspection procedure a counter runs, then lock the card. The journal
// gets every step before and after; a journal that cannot be written stops
// the card with a *JournalError. ctx ends the card before its next step
// (ErrStopped) unless it is past LOCK.
func (p *Personalizer) Personalize(ctx context.Context, cl journal.Claim, st Station, v Validated) (*Result, error) {
	h := v.Holder
	line := v.Line
	// step journals a step's outcome; a journal error overrides the card's.
	step := func(s journal.Step, o journal.Outcome, detail string) error {
		if err := cl.Log(context.WithoutCancel(ctx), s, o, detail); err != nil {
			return &JournalError{err}
		}
		return nil
	}
	finish := func(state journal.State, errText string) error {
		if err := cl.Finish(context.WithoutCancel(ctx), state, "", errText); err != nil {
			return &JournalError{err}
		}
		return nil
	}
	fail := func(s journal.Step, cause error) (*Result, error) {
		if err := step(s, journal.Failed, cause.Error()); err != nil {
			return nil, err
		}
		if err := finish(journal.StateFailed, string(s)+": "+cause.Error()); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("line %d: %s: %w", line, s, cause)
	}
	stopped := func(journal.Step) bool { return ctx.Err() != nil }

	blank, why, serial, perr := Probe(st.Card)
	card := journal.Card{ID: st.CardID(), ATR: fmt.Sprintf("%X", st.ATR), Serial: serial}
	if st.Chip == "" && serial != "" {
		card.ID = serial
	}
	prior := cl.Prior()
	if perr == nil && !blank && prior == nil {
		// Refused before any write: the record keeps its state.
		if err := step(journal.StepProbe, journal.Failed, "not a blank card: "+why); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w (%s)", ErrNotBlank, why)
	}
	if err := cl.Begin(context.WithoutCancel(ctx), card); err != nil {
		return nil, &JournalError{err}
	}
	if perr != nil {
		return fail(journal.StepProbe, perr)
	}
	probed := "blank card"
	if !blank {
		probed = fmt.Sprintf("not blank (%s): this record's attempt %d was on this station, the card may be its own", why, prior.Number)
	}
	if err := step(journal.StepProbe, journal.Succeeded, probed); err != nil {
		return nil, err
	}
	face, err := p.Validator.LoadPhoto(h.Record.Photo)
	if err != nil {
		return fail(journal.StepPhoto, err)
	}
	rnd := p.rand()
	aa, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return fail(journal.StepKeys, err)
	}
	ca, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return fail(journal.StepKeys, err)
	}
	spec := lds.DocumentSpec{Holder: h, Photo: face, AAPublicKey: &aa.PublicKey, CAPublicKey: &ca.PublicKey,
		Profile: p.Profile, DG2Format: p.DG2Format,
		Sign: lds.SODSignOptions{Certificate: p.DSCert, Signer: p.DSSigner, PSS: p.PSS, SigningTime: p.Now}}
	if len(h.Record.Fingerprints) > 0 {
		fingers, err := p.Validator.LoadFingerprints(h.Record.Fingerprints)
		if err != nil {
			return fail(journal.StepBuild, fmt.Errorf("fingerprints: %w", err))
		}
		dg3, err := lds.NewDG3(fingers)
		if err == nil {
			spec.DG3, err = dg3.Encode()
		}
		if err != nil {
			return fail(journal.StepBuild, err)
		}
	}
	doc, err := lds.BuildDocument(spec)
	if err != nil {
		return fail(journal.StepBuild, err)
	}
	if stopped(journal.StepWrite) {
		return fail(journal.StepWrite, ErrStopped)
	}
	if err := step(journal.StepWrite, journal.Started, ""); err != nil {
		return nil, err
	}
	if err := WriteCard(st.Card, doc, p.keys(aa, ca)); err != nil {
		if errors.Is(err, apdu.ErrConditionsNotSatisfied) {
			return p.recover(ctx, cl, st, v, doc, step, finish)
		}
		return fail(journal.StepWrite, err)
	}
	if err := step(journal.StepWrite, journal.Succeeded, ""); err != nil {
		return nil, err
	}
	if stopped(journal.StepReadback) {
		return fail(journal.StepReadback, ErrStopped)
	}
	if err := step(journal.StepReadback, journal.Started, ""); err != nil {
		return nil, err
	}
	if err := ReadBackWith(st.Card, doc, p.DSCert, rnd, p.terminal()); err != nil {
		return fail(journal.StepReadback, err)
	}
	if err := step(journal.StepReadback, journal.Succeeded, ""); err != nil {
		return nil, err
	}
	if stopped(journal.StepLock) {
		return fail(journal.StepLock, ErrStopped)
	}
	// From this event on the card may be locked: the journal pins the
	// record to this station until it has looked at the card again.
	if err := step(journal.StepLock, journal.Started, ""); err != nil {
		return nil, err
	}
	st.Card.SetChannel(nil)
	if _, err := st.Card.Send(perso.Lock{}.APDU()); err != nil {
		return fail(journal.StepLock, err)
	}
	if err := step(journal.StepLock, journal.Succeeded, ""); err != nil {
		return nil, err
	}
	return p.finish(ctx, cl, st, v)
}

// recover handles a locked card met while writing: a run that stopped
// between LOCK and the journal's "done". The card is this record's only if
// it opens with this record's CAN and holds its ID number; then it is
// accepted only if DG1, DG2 and DG13 are byte for byte the ones this
// record builds and EF.SOD is signed by the Document Signer in use —
// otherwise it is spoiled, with the reason. Any other locked card is not
// blank and is refused, the record untouched.
func (p *Personalizer) recover(ctx context.Context, cl journal.Claim, st Station, v Validated, doc *lds.Document,
	step func(journal.Step, journal.Outcome, string) error, finish func(journal.State, string) error) (*Result, error) {
	err := p.recoverLocked(st.Card, doc)
	var sp *SpoiledError
	switch {
	case err == nil:
		if err := step(journal.StepRecover, journal.Succeeded, "the locked card holds this record exactly and passes"); err != nil {
			return nil, err
		}
		return p.finish(ctx, cl, st, v)
	case errors.Is(err, errOtherRecord):
		if err := step(journal.StepRecover, journal.Failed, "not a blank card: locked with another record"); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w (locked with another record)", ErrNotBlank)
	case errors.As(err, &sp):
		if err := step(journal.StepRecover, journal.Failed, sp.Reason); err != nil {
			return nil, err
		}
		if err := finish(journal.StateSpoiled, fmt.Sprintf("card %s is locked and %s", st.CardID(), sp)); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("line %d: card %s is locked and %w", v.Line, st.CardID(), sp)
	}
	if err := step(journal.StepRecover, journal.Failed, err.Error()); err != nil {
		return nil, err
	}
	if err := finish(journal.StateFailed, "recover: "+err.Error()); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("line %d: recover: %w", v.Line, err)
}

// finish writes the QR payload and marks the record done.
func (p *Personalizer) finish(ctx context.Context, cl journal.Claim, st Station, v Validated) (*Result, error) {
	ctx = context.WithoutCancel(ctx) // past LOCK, the card is finished whatever happens
	qrFile, err := p.writeQR(v.Holder)
	if err != nil {
		// The card is done; the QR can be made again from the record.
		if err := cl.Log(ctx, journal.StepQR, journal.Failed, err.Error()); err != nil {
			return nil, &JournalError{err}
		}
	}
	if err := cl.Finish(ctx, journal.StateDone, qrFile, ""); err != nil {
		return nil, &JournalError{err}
	}
	return &Result{Line: v.Line, IDNumber: v.Holder.ID.Number, QRFile: qrFile, Card: st.CardID(), QRErr: err}, nil
}

func (p *Personalizer) writeQR(h *citizen.Holder) (string, error) {
	if p.QROut == "" {
		return "", nil
	}
	q, err := qr.FromHolder(h)
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
	base := filepath.Join(p.QROut, h.ID.Number)
	if err := os.WriteFile(base+".txt", []byte(text+"\n"), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".png", png, 0o600); err != nil {
		return "", err
	}
	return base + ".png", nil
}

// authenticity is the judgement a personalization takes from the
// inspection: the checks of authenticity (passive authentication, clone
// detection). Consistency and expiry are about the record's data, which
// validation has judged already, with warnings the operator saw.
func authenticity(rep *verify.Report) error {
	var failed []string
	for _, c := range rep.FailedIn(verify.Forged, verify.Cloned) {
		failed = append(failed, c.Name+": "+c.Detail)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// errOtherRecord: a locked card that is not this record's (this record's
// CAN does not open it, or it holds another ID number).
var errOtherRecord = errors.New("the card holds another record")

// recoverLocked inspects a locked card found for a record (see recover).
func (p *Personalizer) recoverLocked(c *apdu.Card, doc *lds.Document) error {
	rep, err := verify.Inspect(c, verify.Input{Secret: doc.Secret.CANOnly()}, verify.Options{DocumentSigner: p.DSCert, Rand: p.rand()})
	if err != nil {
		if errors.Is(err, chip.ErrAccessDenied) {
			return errOtherRecord
		}
		return err
	}
	got, err := lds.ParseDG13(rep.Raw["DG13"])
	if err != nil || got.IDNumber != doc.Data.DG13.IDNumber {
		return errOtherRecord
	}
	// The card is this person's. Same ID number and name is not enough:
	// every byte this record puts on a card must be there.
	var wrong []string
	for _, f := range []struct {
		fid  uint16
		what string
	}{{lds.DGFileID(1), "the MRZ"}, {lds.DGFileID(2), "the photo"}, {lds.DGFileID(13), "the citizen data (name, addresses, parents, dates)"}} {
		if !bytes.Equal(rep.Raw[lds.FileName(f.fid)], doc.Files[f.fid]) {
			wrong = append(wrong, fmt.Sprintf("%s differs from the one this record builds (%s)", lds.FileName(f.fid), f.what))
		}
	}
	if err := authenticity(rep); err != nil {
		wrong = append(wrong, err.Error())
	}
	if len(wrong) > 0 {
		return &SpoiledError{Reason: strings.Join(wrong, "; ")}
	}
	return nil
}

// WriteCard sends the personalization commands of shared/perso-protocol.md
// (perso.Script): the application, the BAC seed, the CAN, the AA and CA
// keys, then every file. It does not lock the card.
func WriteCard(c *apdu.Card, doc *lds.Document, k perso.Keys) error {
	cmds, err := perso.Script(doc, k, 0)
	if err != nil {
		return err
	}
	c.SetChannel(nil)
	for _, cmd := range cmds {
		if _, err := c.Send(cmd.APDU()); err != nil {
			what := cmd.Name()
			if _, ok := cmd.(perso.UpdateBinary); ok {
				what = "UPDATE BINARY"
			}
			switch {
			case errors.Is(err, apdu.ErrConditionsNotSatisfied):
				return fmt.Errorf("%s: the card refuses personalization (locked already?): %w", what, err)
			case apdu.IsUnsupported(err) || errors.Is(err, apdu.ErrWrongData):
				return fmt.Errorf("%s: the card lacks this command (not a cccd-capable applet): %w", what, err)
			}
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// ReadBack checks a written card with the inspection procedure a counter
// runs — PACE with the CAN, every file read, passive authentication against
// the Document Signer in use, chip and active authentication — then opens
// it with BAC (the MRZ) and reads it again. Every file must read back as
// written, both ways.
func ReadBack(c *apdu.Card, doc *lds.Document, ds *pki.Certificate, rnd io.Reader) error {
	return ReadBackWith(c, doc, ds, rnd, nil)
}

// ReadBackWith is ReadBack with an inspection system's chain for Extended
// Access Control: terminal authentication runs, and DG3 (DG4) must read
// back as written too.
func ReadBackWith(c *apdu.Card, doc *lds.Document, ds *pki.Certificate, rnd io.Reader, term *cvc.Terminal) error {
	var problems []string
	compare := func(how string, raw map[string][]byte) {
		for fid, want := range doc.Files {
			if fid == lds.FIDCardAccess {
				continue // read before access control, by Open
			}
			if _, read := raw[lds.FileName(fid)]; !read && term == nil && (fid == lds.DGFileID(3) || fid == lds.DGFileID(4)) {
				continue // behind EAC terminal authentication: reported by the inspection
			}
			if got, ok := raw[lds.FileName(fid)]; !ok || !bytes.Equal(got, want) {
				problems = append(problems, fmt.Sprintf("%s: %s reads back different", how, lds.FileName(fid)))
			}
		}
	}
	if doc.Secret.HasCAN() {
		rep, err := verify.Inspect(c, verify.Input{Secret: doc.Secret.CANOnly()}, verify.Options{DocumentSigner: ds, Rand: rnd, Terminal: term})
		if err != nil {
			return fmt.Errorf("PACE: %w", err)
		}
		if rep.Access.Method != "PACE" {
			return fmt.Errorf("PACE: the card did not run PACE (%s)", rep.Access.Note)
		}
		compare("PACE", rep.Raw)
		if err := authenticity(rep); err != nil {
			problems = append(problems, err.Error())
		}
	}
	rep, err := verify.Read(c, doc.Secret.MRZOnly(), verify.Options{NoPACE: true, Rand: rnd, Terminal: term})
	if err != nil {
		return fmt.Errorf("BAC: %w", err)
	}
	compare("BAC", rep.Raw)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
