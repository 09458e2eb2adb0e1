package verify

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

// Options tune an inspection.
type Options struct {
	// Trust is the trust store; without one, the chain check fails.
	Trust *TrustStore
	// DocumentSigner, when set, replaces the chain check: EF.SOD must be
	// signed by exactly this certificate (personalization's read-back and
	// resume, where the factory knows the DS it signs with).
	DocumentSigner *pki.Certificate
	// RequireCRL fails the revocation check when no current CRL of the
	// CSCA is in the trust store (by default, a warning: unknown).
	RequireCRL bool
	// Timeout is the card's time budget (DefaultTimeout when zero, none
	// when negative): a card that has not answered by then ends the
	// inspection with no conclusion.
	Timeout time.Duration
	// Now is the check time (time.Now() when zero).
	Now time.Time
	// Rand is the source of challenges and ephemeral keys (crypto/rand).
	Rand io.Reader
	// NoPACE opens with BAC even when the chip offers PACE.
	NoPACE bool
	// Terminal is an inspection system's certificate chain and key for
	// Extended Access Control: with it, terminal authentication runs
	// after chip authentication and DG3/DG4 are read and hashed like
	// every data group (ICAO 9303-11 §7.1). A chip that does not accept
	// the terminal, or certificates that do not grant a data group the
	// card signs, end with no conclusion (chip.ErrTerminalNotAuthorized).
	// Nil: DG3/DG4 are reported present and protected.
	Terminal *cvc.Terminal
	// AATranscript makes Read ask a chip with DG15 to sign a fresh
	// challenge and keep both (Raw[AAChallengeFile], Raw[AASignatureFile]),
	// so that an offline inspection of the dump can check the chip's key.
	AATranscript bool
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o Options) rand() io.Reader {
	if o.Rand == nil {
		return rand.Reader
	}
	return o.Rand
}

// ErrNoConclusion marks failures that prevent a verdict (reader, card,
// timeout, budget, wrong secret): exit 3, never "forged".
var ErrNoConclusion = errors.New("no conclusion")

func noConclusion(err error) error {
	if errors.Is(err, ErrNoConclusion) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrNoConclusion, err)
}

// Inspect is the inspection procedure of ICAO 9303-11 §4.2 and the one
// every caller uses — the counter's verify, personalization's read-back
// and the resume path's recovery of a locked card: read the document
// (access control, then every file EF.SOD lists), then judge it (passive
// authentication, clone detection, consistency). An error means nothing was
// concluded (it wraps ErrNoConclusion, and chip.ErrAccessDenied for a wrong
// secret); a forged, cloned or tampered card gives a report whose verdict
// is NOT VERIFIED.
func Inspect(card *apdu.Card, in Input, opt Options) (*Report, error) {
	before := card.Stats()
	defer card.SetLimits(apdu.Limits{})
	rep, doc, err := readDocument(card, in.Secret, opt)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := judge(card, rep, doc, in, opt); err != nil {
		return nil, noConclusion(err)
	}
	rep.Stats.ChecksMS = ms(time.Since(start))
	rep.countTraffic(card, before)
	rep.finish(opt.now())
	return rep, nil
}

// InspectFiles is the offline inspection of files read earlier — a dump
// of 'cccd read --out', or what a phone read by NFC and uploaded — by name
// (FileNames): passive authentication and consistency, with the same
// checks, names and report as a live inspection. The clone checks cannot
// run without the chip and are reported as not possible offline. An error
// (wrapping ErrBadFiles) means the files cannot be inspected at all.
func InspectFiles(files map[string][]byte, in Input, opt Options) (*Report, error) {
	rep, doc, err := documentFromFiles(files)
	if err != nil {
		return nil, err
	}
	if in.AAChallenge == nil && in.AASignature == nil {
		in.AAChallenge, in.AASignature = files[AAChallengeFile], files[AASignatureFile]
	}
	if (in.AAChallenge == nil) != (in.AASignature == nil) {
		return nil, fmt.Errorf("%w: an AA transcript needs both %s and %s", ErrBadFiles, AAChallengeFile, AASignatureFile)
	}
	rep.Access = Access{Method: "offline"}
	start := time.Now()
	if err := judge(nil, rep, doc, in, opt); err != nil {
		return nil, err
	}
	rep.Stats.ChecksMS = ms(time.Since(start))
	rep.finish(opt.now())
	return rep, nil
}

// Read opens the chip and reads every file, without checking anything:
// for 'cccd read' and audits. Report.Raw holds the files.
func Read(card *apdu.Card, sec lds.Secret, opt Options) (*Report, error) {
	before := card.Stats()
	defer card.SetLimits(apdu.Limits{})
	rep, doc, err := readDocument(card, sec, opt)
	if err != nil {
		return nil, err
	}
	if _, ok := doc.dgs[15]; ok && opt.AATranscript {
		challenge := make([]byte, 8)
		if _, err := io.ReadFull(opt.rand(), challenge); err != nil {
			return nil, err
		}
		sig, err := card.Send(apdu.Command{INS: 0x88, Data: challenge, Ne: apdu.MaxShortLe})
		switch {
		case err == nil:
			rep.Raw[AAChallengeFile], rep.Raw[AASignatureFile] = challenge, sig
			rep.Files = append(rep.Files, FileInfo{Name: AAChallengeFile, Size: len(challenge)}, FileInfo{Name: AASignatureFile, Size: len(sig)})
		case apdu.IsTransport(err):
			return nil, noConclusion(err)
		default:
			rep.Files = append(rep.Files, FileInfo{Name: AASignatureFile, Note: fmt.Sprintf("the chip refuses active authentication: %v", err)})
		}
	}
	rep.countTraffic(card, before)
	rep.CheckedAt = opt.now().UTC().Format(time.RFC3339)
	return rep, nil
}

// countTraffic records the APDUs and bytes exchanged since before (the
// card's counters keep running for whoever owns the connection).
func (rep *Report) countTraffic(card *apdu.Card, before apdu.Stats) {
	st := card.Stats()
	rep.Stats.APDUs, rep.Stats.BytesSent, rep.Stats.BytesReceived = st.APDUs-before.APDUs, st.BytesSent-before.BytesSent, st.BytesReceived-before.BytesReceived
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// judge parses what was read and runs every check; card is nil offline. A
// file that does not parse is a failed check (a malformed file is no
// genuine card), never a panic. An error means the card stopped answering
// during a clone check: nothing is concluded.
func judge(card *apdu.Card, rep *Report, doc *document, in Input, opt Options) error {
	var dg1 *lds.DG1
	if b, ok := doc.dgs[1]; ok {
		var err error
		if dg1, err = lds.ParseDG1(b); err != nil {
			rep.add("dg1.parse", Fail, "DG1 does not parse: %v", err)
		}
	} else {
		rep.add("dg1.parse", Fail, "DG1 (the MRZ) is missing")
	}
	dg13 := parseDG13(rep, doc, dg1)
	if b, ok := doc.dgs[2]; ok {
		if dg2, err := lds.ParseDG2(b); err != nil {
			rep.add("dg2.parse", Fail, "DG2 does not parse: %v", err)
		} else if img := dg2.FirstImage(); img != nil {
			rep.Photo, rep.PhotoType = img.Image, img.ImageFormat()
		}
	}
	if b, ok := doc.dgs[3]; ok {
		if _, err := lds.ParseDG3(b); err != nil {
			rep.add("dg3.parse", Fail, "DG3 does not parse: %v", err)
		}
	}
	now := opt.now()
	passiveAuthentication(rep, doc, dg1, opt, now)
	cardAccessVsDG14(rep, doc)
	if err := cloneDetection(card, rep, doc, in, opt.rand()); err != nil {
		return err
	}
	consistency(rep, dg1, dg13, in, now)
	rep.Holder = holderOf(dg1, dg13)
	if dg13 != nil {
		if issue, err := time.Parse("02/01/2006", dg13.DateOfIssue); err == nil {
			g := citizen.GenerationFor(issue)
			rep.Card = &g
		}
	}
	rep.Holder.isoDates(now)
	return nil
}

// parseDG13 reads DG13 with the Vietnamese layout when the document is
// Vietnam's (issuing state VNM); another state's DG13 is its own business:
// hashed like every data group, reported as opaque.
func parseDG13(rep *Report, doc *document, dg1 *lds.DG1) *lds.DG13 {
	b, ok := doc.dgs[13]
	if !ok {
		return nil
	}
	if dg1 != nil && dg1.MRZ.IssuingState != "VNM" {
		rep.add("dg13.parse", Skip, "DG13 of a document of %s: its layout is that state's, not read (hashed against EF.SOD like every data group)", dg1.MRZ.IssuingState)
		return nil
	}
	dg13, err := lds.ParseDG13(b)
	if err != nil {
		rep.add("dg13.parse", Fail, "DG13 does not parse: %v", err)
		return nil
	}
	return dg13
}
