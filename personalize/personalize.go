package personalize

import (
	"bytes"
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
	"github.com/cccd-vn/cccd/citizen"
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
	Card *apdu.Card
	// Reader names the station: a PC/SC reader, or emu:PATH for an
	// emulated card.
	Reader string
	// Chip identifies the card itself when it can tell more than its ATR
	// (an emulated card's image path, a chip serial); empty otherwise.
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

func (p *Personalizer) rand() io.Reader {
	if p.Rand == nil {
		return rand.Reader
	}
	return p.Rand
}

// Personalize writes one validated record onto the card of st: build and
// sign the data, write it with the personalization commands, read it back
// with the inspection procedure a counter runs, then lock the card. The
// journal gets every step before and after; a journal that cannot be
// written stops the card with a *JournalError.
func (p *Personalizer) Personalize(st Station, v Validated) (*Result, error) {
	h := v.Holder
	id, line := h.ID.Number, v.Line
	a, err := p.Journal.Begin(id, line, st)
	if err != nil {
		return nil, &JournalError{err}
	}
	// step journals a step's outcome; a journal error overrides the card's.
	step := func(s Step, o Outcome, detail string) error {
		if err := a.Log(s, o, detail); err != nil {
			return &JournalError{err}
		}
		return nil
	}
	fail := func(s Step, cause error) (*Result, error) {
		if err := step(s, Failed, cause.Error()); err != nil {
			return nil, err
		}
		if err := a.Finish(StateFailed, "", string(s)+": "+cause.Error()); err != nil {
			return nil, &JournalError{err}
		}
		return nil, fmt.Errorf("line %d: %s: %w", line, s, cause)
	}
	face, err := p.Validator.LoadPhoto(h.Record.Photo)
	if err != nil {
		return fail(StepPhoto, err)
	}
	rnd := p.rand()
	aa, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return fail(StepKeys, err)
	}
	ca, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return fail(StepKeys, err)
	}
	doc, err := lds.BuildDocument(lds.DocumentSpec{Holder: h, Photo: face, AAPublicKey: &aa.PublicKey, CAPublicKey: &ca.PublicKey,
		Sign: lds.SODSignOptions{Certificate: p.DSCert, Signer: p.DSSigner, PSS: p.PSS, SigningTime: p.Now}})
	if err != nil {
		return fail(StepBuild, err)
	}
	if err := step(StepWrite, Started, ""); err != nil {
		return nil, err
	}
	if err := WriteCard(st.Card, doc, perso.Keys{AA: aa, CA: ca}); err != nil {
		if errors.Is(err, apdu.ErrConditionsNotSatisfied) {
			// A locked card: a run that stopped between LOCK and the
			// journal's "done". It is finished only if it holds this
			// record and passes; else it is spoiled, named in the journal.
			if rerr := p.recoverLocked(st, doc); rerr != nil {
				if err := step(StepRecover, Failed, rerr.Error()); err != nil {
					return nil, err
				}
				if err := a.Finish(StateSpoiled, "", fmt.Sprintf("card %s is locked and does not pass: %v", st.Reader, rerr)); err != nil {
					return nil, &JournalError{err}
				}
				return nil, fmt.Errorf("line %d: card %s is locked and spoiled: %w", line, st.Reader, rerr)
			}
			if err := step(StepRecover, Done, "locked card holds this record and passes"); err != nil {
				return nil, err
			}
			return p.finish(a, st, v)
		}
		return fail(StepWrite, err)
	}
	if err := step(StepWrite, Done, ""); err != nil {
		return nil, err
	}
	if err := step(StepReadback, Started, ""); err != nil {
		return nil, err
	}
	if err := ReadBack(st.Card, doc, p.DSCert, rnd); err != nil {
		return fail(StepReadback, err)
	}
	if err := step(StepReadback, Done, ""); err != nil {
		return nil, err
	}
	if err := step(StepLock, Started, ""); err != nil {
		return nil, err
	}
	st.Card.SetChannel(nil)
	if _, err := st.Card.Send(perso.Lock{}.APDU()); err != nil {
		return fail(StepLock, err)
	}
	if err := step(StepLock, Done, ""); err != nil {
		return nil, err
	}
	return p.finish(a, st, v)
}

// finish writes the QR payload and marks the record done.
func (p *Personalizer) finish(a *Attempt, st Station, v Validated) (*Result, error) {
	qrFile, err := p.writeQR(v.Holder)
	if err != nil {
		// The card is done; the QR can be made again from the record.
		if err := a.Log(StepQR, Failed, err.Error()); err != nil {
			return nil, &JournalError{err}
		}
	}
	if err := a.Finish(StateDone, qrFile, ""); err != nil {
		return nil, &JournalError{err}
	}
	return &Result{Line: v.Line, IDNumber: v.Holder.ID.Number, QRFile: qrFile, Card: st.Reader}, nil
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

// recoverLocked checks a locked card found while resuming, with the same
// inspection as the read-back: it must open with this record's CAN, pass
// against the Document Signer in use, and hold this record's ID number and
// name in DG13.
func (p *Personalizer) recoverLocked(st Station, doc *lds.Document) error {
	rep, err := verify.Inspect(st.Card, verify.Input{Secret: doc.Secret.CANOnly()}, verify.Options{DocumentSigner: p.DSCert, Rand: p.rand()})
	if err != nil {
		return err
	}
	got, err := lds.ParseDG13(rep.Raw["DG13"])
	if err != nil || got.IDNumber != doc.Data.DG13.IDNumber || got.FullName != doc.Data.DG13.FullName {
		return errors.New("the card holds another record")
	}
	return authenticity(rep)
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
	var problems []string
	compare := func(how string, raw map[string][]byte) {
		for fid, want := range doc.Files {
			if fid == lds.FIDCardAccess {
				continue // read before access control, by Open
			}
			if _, read := raw[lds.FileName(fid)]; !read && (fid == lds.DGFileID(3) || fid == lds.DGFileID(4)) {
				continue // behind EAC terminal authentication: reported by the inspection
			}
			if got, ok := raw[lds.FileName(fid)]; !ok || !bytes.Equal(got, want) {
				problems = append(problems, fmt.Sprintf("%s: %s reads back different", how, lds.FileName(fid)))
			}
		}
	}
	if doc.Secret.HasCAN() {
		rep, err := verify.Inspect(c, verify.Input{Secret: doc.Secret.CANOnly()}, verify.Options{DocumentSigner: ds, Rand: rnd})
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
	rep, err := verify.Read(c, doc.Secret.MRZOnly(), verify.Options{NoPACE: true, Rand: rnd})
	if err != nil {
		return fmt.Errorf("BAC: %w", err)
	}
	compare("BAC", rep.Raw)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
