package verify

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
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
	// Now is the check time (time.Now() when zero).
	Now time.Time
	// Rand is the source of challenges and ephemeral keys (crypto/rand).
	Rand io.Reader
	// NoPACE opens with BAC even when the chip offers PACE.
	NoPACE bool
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
// wrong secret): exit 3, never "forged".
var ErrNoConclusion = errors.New("no conclusion")

func noConclusion(err error) error { return fmt.Errorf("%w: %w", ErrNoConclusion, err) }

// Inspect is the inspection procedure of ICAO 9303-11 §4.2 and the one
// every caller uses — the counter's verify, personalization's read-back
// and the resume path's recovery of a locked card: read the document
// (access control, then every file), then judge it (passive
// authentication, clone detection, consistency). An error means nothing was
// concluded (it wraps chip.ErrAccessDenied for a wrong secret); a forged or
// tampered card gives a report whose verdict is NOT VERIFIED.
func Inspect(card *apdu.Card, in Input, opt Options) (*Report, error) {
	before := card.Stats()
	rep, doc, err := readDocument(card, in.Secret, opt)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	judge(card, rep, doc, in, opt)
	rep.Stats.ChecksMS = ms(time.Since(start))
	rep.countTraffic(card, before)
	rep.finish()
	return rep, nil
}

// Read opens the chip and reads every file, without checking anything:
// for 'cccd read' and audits. Report.Raw holds the files.
func Read(card *apdu.Card, sec lds.Secret, opt Options) (*Report, error) {
	before := card.Stats()
	rep, _, err := readDocument(card, sec, opt)
	if err != nil {
		return nil, err
	}
	rep.countTraffic(card, before)
	return rep, nil
}

// countTraffic records the APDUs and bytes exchanged since before (the
// card's counters keep running for whoever owns the connection).
func (rep *Report) countTraffic(card *apdu.Card, before apdu.Stats) {
	st := card.Stats()
	rep.Stats.APDUs, rep.Stats.BytesSent, rep.Stats.BytesReceived = st.APDUs-before.APDUs, st.BytesSent-before.BytesSent, st.BytesReceived-before.BytesReceived
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// document is what was read: the files by data-group number (EF.COM and
// EF.SOD apart), and the data groups the chip refused.
type document struct {
	com, sod []byte
	dgs      map[int][]byte
	denied   map[int]bool
}

// readDocument opens the chip and reads EF.COM, EF.SOD and the data groups.
func readDocument(card *apdu.Card, sec lds.Secret, opt Options) (*Report, *document, error) {
	rep := &Report{Raw: map[string][]byte{}}
	start := time.Now()
	res, err := chip.Open(card, sec, chip.OpenOptions{NoPACE: opt.NoPACE, Rand: opt.rand()})
	if err != nil {
		return nil, nil, noConclusion(err)
	}
	rep.Access = Access{Method: res.Method, Password: res.Password.String(), Note: res.Fallback}
	if res.CardAccessRaw != nil {
		rep.Raw["EF.CardAccess"] = res.CardAccessRaw
		rep.Files = append(rep.Files, FileInfo{Name: "EF.CardAccess", Size: len(res.CardAccessRaw)})
	}
	rep.Stats.AccessMS = ms(time.Since(start))

	start = time.Now()
	fr := chip.NewFileReader(card)
	doc := &document{dgs: map[int][]byte{}, denied: map[int]bool{}}
	read := func(fid uint16) ([]byte, error) {
		b, err := fr.ReadFile(fid)
		name := lds.FileName(fid)
		switch {
		case err == nil:
			rep.Raw[name] = b
			rep.Files = append(rep.Files, FileInfo{Name: name, Size: len(b)})
		case errors.Is(err, chip.ErrFileTruncated):
			rep.Raw[name] = b
			rep.Files = append(rep.Files, FileInfo{Name: name, Size: len(b), Note: "truncated: shorter than its header says"})
			return b, nil
		case errors.Is(err, chip.ErrFileAccess):
			rep.Files = append(rep.Files, FileInfo{Name: name, Note: "access denied by the chip (needs EAC terminal authentication); skipped"})
		case errors.Is(err, apdu.ErrFileNotFound):
			rep.Files = append(rep.Files, FileInfo{Name: name, Note: "listed but not on the chip"})
		}
		return b, err
	}
	isTransport := func(err error) bool {
		var se *apdu.StatusError
		return err != nil && !errors.As(err, &se) && !errors.Is(err, chip.ErrFileAccess)
	}
	dgList := []int{1, 2, 13, 14, 15}
	if doc.com, err = read(lds.FIDCOM); err == nil {
		if com, perr := lds.ParseCOM(doc.com); perr == nil {
			dgList = com.DataGroups()
		}
	} else if isTransport(err) {
		return nil, nil, noConclusion(err)
	}
	if doc.sod, err = read(lds.FIDSOD); isTransport(err) {
		return nil, nil, noConclusion(err)
	}
	for _, n := range dgList {
		b, err := read(lds.DGFileID(n))
		switch {
		case err == nil:
			doc.dgs[n] = b
		case errors.Is(err, chip.ErrFileAccess):
			doc.denied[n] = true
		case isTransport(err):
			return nil, nil, noConclusion(err)
		}
	}
	rep.Stats.ReadMS = ms(time.Since(start))
	rep.Stats.ExtendedLength = fr.ExtendedLength()
	return rep, doc, nil
}

// judge parses what was read and runs every check. A file that does not
// parse is a failed check (a malformed file is no genuine card), never a
// panic.
func judge(card *apdu.Card, rep *Report, doc *document, in Input, opt Options) {
	var dg1 *lds.DG1
	var dg13 *lds.DG13
	if b, ok := doc.dgs[1]; ok {
		var err error
		if dg1, err = lds.ParseDG1(b); err != nil {
			rep.add("dg1.parse", Fail, "DG1 does not parse: %v", err)
		}
	} else {
		rep.add("dg1.parse", Fail, "DG1 (the MRZ) is missing")
	}
	if b, ok := doc.dgs[13]; ok {
		var err error
		if dg13, err = lds.ParseDG13(b); err != nil {
			rep.add("dg13.parse", Fail, "DG13 does not parse: %v", err)
		}
	}
	if b, ok := doc.dgs[2]; ok {
		if dg2, err := lds.ParseDG2(b); err != nil {
			rep.add("dg2.parse", Fail, "DG2 does not parse: %v", err)
		} else if len(dg2.Faces) > 0 && dg2.Faces[0].Record != nil && len(dg2.Faces[0].Record.Images) > 0 {
			img := dg2.Faces[0].Record.Images[0]
			rep.Photo, rep.PhotoType = img.Image, img.ImageFormat()
		}
	}
	now := opt.now()
	passiveAuthentication(rep, doc, dg1, opt, now)
	cloneDetection(card, rep, doc, opt.rand())
	consistency(rep, dg1, dg13, in, now)
	rep.Holder = holderOf(dg1, dg13)
}
