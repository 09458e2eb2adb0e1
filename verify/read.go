package verify

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
)

// document is what was read from a chip, or given as files: the files by
// data-group number (EF.COM, EF.SOD and EF.CardAccess apart), what the chip
// refused, and how it was opened.
type document struct {
	cardAccess []byte // nil when the chip has none
	com, sod   []byte
	dgs        map[int][]byte
	// refused holds the data groups the chip would not give, with its
	// answer: 6982 (security status: EAC-protected, or withheld) or
	// 6A82 (not found).
	refused map[int]apdu.SW
	// sodList is the data groups EF.SOD lists (nil when it does not parse).
	sodList []int
	// pace is the PACE variant the chip was opened with (nil: BAC, or
	// offline).
	pace *chip.PACEParams
	// offline: files given, no chip to talk to.
	offline bool
	// noCardAccess: EF.CardAccess was not read (BAC asked for).
	noCardAccess bool
	// ca is the outcome of chip authentication, run while reading (live):
	// nil when it did not run.
	ca *caOutcome
	// unread are the data groups not read because chip authentication
	// failed before them (the session is gone).
	unread []int
	// ta is the outcome of terminal authentication (nil: not run) and
	// taSkip why it could not run when a terminal was given.
	ta     *chip.TAResult
	taSkip string
}

// recordRead keeps the outcome of reading data group n into the document
// and the report's file list.
func recordRead(rep *Report, doc *document, n int, b []byte, err error) {
	name := lds.FileName(lds.DGFileID(n))
	var se *apdu.StatusError
	switch {
	case err == nil, errors.Is(err, chip.ErrFileTruncated):
		rep.Raw[name] = b
		fi := FileInfo{Name: name, Size: len(b)}
		if err != nil {
			fi.Note = "truncated: shorter than its header says"
		}
		rep.Files = append(rep.Files, fi)
		doc.dgs[n] = b
	case errors.As(err, &se):
		rep.Files = append(rep.Files, FileInfo{Name: name, Note: refusalNote(se.SW)})
		doc.refused[n] = se.SW
	}
}

// caProofFailed tells the answer of a chip that does not hold the chip
// authentication key: it fails secure messaging under the new keys, or
// says the secure messaging objects are missing or wrong (6987, 6988).
func caProofFailed(err error) bool {
	var se *apdu.StatusError
	return errors.Is(err, apdu.ErrSM) || errors.As(err, &se) && (se.SW == apdu.SWSMDataObjectsMissing || se.SW == apdu.SWSMDataObjectsIncorrect)
}

func refusalNote(sw apdu.SW) string {
	switch sw {
	case apdu.SWSecurityStatus:
		return "access refused by the chip (6982)"
	case apdu.SWFileNotFound:
		return "not on the chip (6A82)"
	}
	return fmt.Sprintf("the chip answers %04X", uint16(sw))
}

// startChipAuthentication runs the key agreement of chip authentication
// when DG14 offers it and this terminal supports it; the returned params
// are pending their proof. The outcome is set when it is already decided
// (refused: cloned; unsupported). An error is a transport failure.
// The terminal's ephemeral key comes back too: terminal authentication
// signs it.
func startChipAuthentication(card *apdu.Card, dg14 []byte, opt Options) (*chip.CAParams, *caOutcome, []byte, error) {
	d, err := lds.ParseDG14(dg14)
	if err != nil {
		return nil, nil, nil, nil // dg14.parse fails in judge
	}
	p, offered, err := chip.CAFromDG14(d)
	if !offered || err != nil {
		return nil, nil, nil, nil // judge reports it
	}
	if err := chip.CheckCASupported(p); err != nil {
		return nil, &caOutcome{err: err, unsupported: true}, nil, nil
	}
	eph, err := chip.StartChipAuthenticationKey(card, p, opt.rand())
	if err != nil {
		if apdu.IsTransport(err) {
			return nil, nil, nil, err
		}
		// The chip refuses the key agreement DG14 promises.
		return nil, &caOutcome{err: fmt.Errorf("%w (%v)", chip.ErrCAFailed, err)}, nil, nil
	}
	return &p, nil, eph, nil
}

// caOutcome is how chip authentication went: err nil (the chip answered
// under the new keys), wrapping chip.ErrCAFailed (it could not), or the
// check could not run (unsupported).
type caOutcome struct {
	err         error
	unsupported bool
}

func newDocument() *document {
	return &document{dgs: map[int][]byte{}, refused: map[int]apdu.SW{}}
}

// toRead is the data groups to read: every one EF.SOD lists — the signed
// list decides what must be there — and those EF.COM lists besides, so that
// an unsigned extra is seen and reported. Without a readable EF.SOD, EF.COM
// (or, without it, the CCCD's usual set) tells what to read for display;
// the verdict fails anyway.
func (d *document) toRead() []int {
	set := map[int]bool{}
	for _, n := range d.sodList {
		set[n] = true
	}
	if com, err := lds.ParseCOM(d.com); err == nil {
		for _, n := range com.DataGroups() {
			set[n] = true
		}
	}
	if len(set) == 0 {
		for _, n := range []int{1, 2, 13, 14, 15} {
			set[n] = true
		}
	}
	var out []int
	for n := range set {
		if n >= 1 && n <= 16 {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

// parseSODList reads the data-group list of EF.SOD, if it parses. A budget
// error (an EF.SOD built to exhaust the terminal) is returned.
func (d *document) parseSODList() error {
	if d.sod == nil {
		return nil
	}
	sod, err := lds.ParseSOD(d.sod)
	if err != nil {
		if errors.Is(err, apdu.ErrBudget) {
			return err
		}
		return nil // reported by passive authentication
	}
	for _, h := range sod.Object.DataGroupHashes {
		d.sodList = append(d.sodList, h.Number)
	}
	return nil
}

// sessionLimits are the limits of one chip session: the time budget and an
// APDU budget far above any genuine card's needs (a full read of a CCCD
// takes 16 to 40 APDUs; a card that answers 64 bytes at a time, 500).
func sessionLimits(opt Options, start time.Time) apdu.Limits {
	l := apdu.Limits{MaxAPDUs: maxSessionAPDUs}
	t := opt.Timeout
	if t == 0 {
		t = DefaultTimeout
	}
	if t > 0 {
		l.Deadline = start.Add(t)
	}
	return l
}

// DefaultTimeout is a card's time budget when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxSessionAPDUs bounds one inspection: access control (PACE takes 5),
// the files at chip.MaxReadRounds each, chip and active authentication.
const maxSessionAPDUs = 4096

// readDocument opens the chip and reads EF.COM, EF.SOD and the data groups.
// Any transport failure, timeout or budget overrun ends it with an error
// wrapping ErrNoConclusion: nothing is concluded from a card that could not
// be read.
func readDocument(card *apdu.Card, sec lds.Secret, opt Options) (*Report, *document, error) {
	rep := newReport()
	start := time.Now()
	card.SetLimits(sessionLimits(opt, start))
	res, err := chip.Open(card, sec, chip.OpenOptions{NoPACE: opt.NoPACE, Rand: opt.rand()})
	if err != nil {
		return nil, nil, noConclusion(err)
	}
	rep.Access = Access{Method: res.Method, Password: res.Password.String(), Note: res.Fallback}
	doc := newDocument()
	doc.noCardAccess = opt.NoPACE
	if res.Method == "PACE" {
		doc.pace = res.PACE
	}
	if res.CardAccessRaw != nil {
		doc.cardAccess = res.CardAccessRaw
		rep.Raw["EF.CardAccess"] = res.CardAccessRaw
		rep.Files = append(rep.Files, FileInfo{Name: "EF.CardAccess", Size: len(res.CardAccessRaw)})
	}
	rep.Stats.AccessMS = ms(time.Since(start))

	start = time.Now()
	fr := chip.NewFileReader(card)
	// read reads one file. Only a status word from the card is an answer;
	// anything else ends the reading with no conclusion.
	read := func(fid uint16) ([]byte, apdu.SW, error) {
		b, err := fr.ReadFile(fid)
		name := lds.FileName(fid)
		var se *apdu.StatusError
		switch {
		case err == nil:
			rep.Raw[name] = b
			rep.Files = append(rep.Files, FileInfo{Name: name, Size: len(b)})
			return b, apdu.SWSuccess, nil
		case errors.Is(err, chip.ErrFileTruncated):
			rep.Raw[name] = b
			rep.Files = append(rep.Files, FileInfo{Name: name, Size: len(b), Note: "truncated: shorter than its header says"})
			return b, apdu.SWSuccess, nil
		case errors.As(err, &se):
			rep.Files = append(rep.Files, FileInfo{Name: name, Note: refusalNote(se.SW)})
			return nil, se.SW, nil
		}
		return nil, 0, noConclusion(err)
	}
	if doc.com, _, err = read(lds.FIDCOM); err != nil {
		return nil, nil, err
	}
	if doc.sod, _, err = read(lds.FIDSOD); err != nil {
		return nil, nil, err
	}
	if err := doc.parseSODList(); err != nil {
		return nil, nil, noConclusion(err)
	}
	// DG14 first: chip authentication runs as soon as its key is known,
	// so that the next file read — needed anyway — is the proof that the
	// chip holds the key (ICAO 9303-11 §6.2: only the genuine chip can
	// answer under the new keys). No APDU is spent on the proof alone.
	list := doc.toRead()
	sort.SliceStable(list, func(i, j int) bool { return list[i] == 14 && list[j] != 14 })
	if opt.Terminal != nil {
		// DG3 and DG4 last: terminal authentication runs before them,
		// once chip authentication is proven (ICAO 9303-11 §7.1).
		sort.SliceStable(list, func(i, j int) bool { return !isEAC(list[i]) && isEAC(list[j]) })
	}
	var pending *chip.CAParams
	var caKey []byte
	taTried := false
	// reopen opens the chip again after chip authentication failed (the
	// session of a clone is gone), so that the rest is read and the
	// verdict says "cloned" with every other check made (a copy's data
	// may well hash right); ok is false when the chip does not open again,
	// and the files of rest are marked unread.
	reopen := func(rest []int) (ok bool, err error) {
		if _, oerr := chip.Open(card, sec, chip.OpenOptions{NoPACE: opt.NoPACE, Rand: opt.rand()}); oerr != nil {
			if apdu.IsTransport(oerr) {
				return false, noConclusion(oerr)
			}
			for _, m := range rest {
				rep.Files = append(rep.Files, FileInfo{Name: lds.FileName(lds.DGFileID(m)), Note: "not read: the chip could not be opened again after chip authentication failed"})
				doc.unread = append(doc.unread, m)
			}
			return false, nil
		}
		return true, nil
	}
	for i, n := range list {
		if isEAC(n) && opt.Terminal != nil && !taTried {
			taTried = true
			if pending != nil {
				// Only DG3/DG4 are left: EF.COM gives the proof.
				if err := proveCA(card, doc); err != nil {
					return nil, nil, err
				}
				pending = nil
				if doc.ca.err != nil {
					if ok, err := reopen(list[i:]); err != nil {
						return nil, nil, err
					} else if !ok {
						break
					}
				}
			}
			if err := terminalAuthentication(card, rep, doc, res, caKey, fr, opt); err != nil {
				return nil, nil, err
			}
		}
		if pending != nil {
			// The proof read: an answer that passes secure messaging
			// under the new keys (a MACed status word included) proves
			// the key; a bare status word proves nothing — a clone can
			// send one — and EF.COM is asked for the proof.
			pending = nil
			b, err := fr.ReadFile(lds.DGFileID(n))
			var se *apdu.StatusError
			switch {
			case caProofFailed(err):
				doc.ca = &caOutcome{err: fmt.Errorf("%w (%v)", chip.ErrCAFailed, err)}
			case apdu.IsTransport(err):
				return nil, nil, noConclusion(err)
			case errors.As(err, &se) && !card.ResponseAuthentic():
				if err := proveCA(card, doc); err != nil {
					return nil, nil, err
				}
			default:
				doc.ca = &caOutcome{}
			}
			if doc.ca.err != nil {
				if ok, err := reopen(list[i:]); err != nil {
					return nil, nil, err
				} else if !ok {
					break
				}
				b, err = fr.ReadFile(lds.DGFileID(n))
				if apdu.IsTransport(err) {
					return nil, nil, noConclusion(err)
				}
			}
			recordRead(rep, doc, n, b, err)
			continue
		}
		b, sw, err := read(lds.DGFileID(n))
		if err != nil {
			return nil, nil, err
		}
		if b != nil {
			doc.dgs[n] = b
		} else {
			doc.refused[n] = sw
		}
		if n == 14 && b != nil && card.Secured() {
			p, outcome, eph, err := startChipAuthentication(card, b, opt)
			if err != nil {
				return nil, nil, noConclusion(err)
			}
			doc.ca, pending, caKey = outcome, p, eph
		}
		if isEAC(n) && doc.ta != nil && sw == apdu.SWSecurityStatus {
			if err := eacRefused(n, doc.ta); err != nil {
				return nil, nil, noConclusion(err)
			}
		}
	}
	if pending != nil {
		// Nothing left to read after DG14: the proof is the first bytes of
		// EF.COM under the new keys.
		if err := proveCA(card, doc); err != nil {
			return nil, nil, err
		}
	}
	rep.Stats.ReadMS = ms(time.Since(start))
	rep.Stats.ExtendedLength = fr.ExtendedLength()
	return rep, doc, nil
}

// proveCA reads the first bytes of EF.COM under the keys of chip
// authentication: only the chip holding the key of DG14 can answer it
// (9000 under a MAC that verifies). Any refusal fails the proof: every
// chip gives EF.COM once opened, and a bare status word can come from
// anyone.
func proveCA(card *apdu.Card, doc *document) error {
	_, err := card.Send(apdu.Command{INS: 0xB0, P1: 0x80 | lds.ShortEF(lds.FIDCOM), Ne: 4})
	switch {
	case err == nil:
		doc.ca = &caOutcome{}
	case apdu.IsTransport(err):
		return noConclusion(err)
	default:
		doc.ca = &caOutcome{err: fmt.Errorf("%w (%v)", chip.ErrCAFailed, err)}
	}
	return nil
}

// isEAC: DG3 and DG4, which the chip gives only after terminal
// authentication.
func isEAC(n int) bool { return n == 3 || n == 4 }

// terminalAuthentication runs terminal authentication with opt.Terminal
// when chip authentication succeeded in this session (TA signs its
// ephemeral key). A chip that refuses the terminal ends the inspection
// with no conclusion: the terminal is not authorised, which says nothing
// of the card.
func terminalAuthentication(card *apdu.Card, rep *Report, doc *document, res *chip.OpenResult, caKey []byte, fr *chip.FileReader, opt Options) error {
	switch {
	case doc.ca == nil || caKey == nil:
		doc.taSkip = "the chip offers no chip authentication, which terminal authentication needs"
		return nil
	case doc.ca.err != nil:
		doc.taSkip = "chip authentication failed, and terminal authentication needs it"
		return nil
	}
	r, err := chip.TerminalAuthenticate(card, opt.Terminal, res.IDPICC, caKey, chip.TAOptions{Extended: fr.ExtendedLength(), Now: opt.now()})
	if err != nil {
		return noConclusion(err)
	}
	doc.ta = r
	rep.Access.Terminal = r.Terminal
	return nil
}

// eacRefused explains a data group the chip refuses after terminal
// authentication: the terminal's certificates do not grant it (no
// conclusion: this terminal is not authorised), else nil (the chip
// withholds what it granted: reported by the hash check).
func eacRefused(n int, ta *chip.TAResult) error {
	need, what := cvc.ReadDG3, "DG3 (fingerprints)"
	if n == 4 {
		need, what = cvc.ReadDG4, "DG4 (iris)"
	}
	if ta.Rights&need != 0 {
		return nil
	}
	return &chip.TAError{Step: "READ BINARY", CHR: ta.Terminal, SW: apdu.SWSecurityStatus,
		Reason: fmt.Sprintf("the certificates of %s (CHAT) do not grant read access to %s, which the card signs: they grant %s", ta.Terminal, what, ta.Rights)}
}

// Names of an Active Authentication transcript among the files of an
// offline inspection: the challenge the verifier sent and the chip's
// INTERNAL AUTHENTICATE answer ('cccd read --out' writes them).
const (
	AAChallengeFile = "AA.challenge"
	AASignatureFile = "AA.signature"
)

// FileNames are the names InspectFiles takes, as 'cccd read --out' writes
// them (without .bin): EF.COM, EF.SOD, EF.CardAccess, DG1 … DG16, and the
// AA transcript (AAChallengeFile, AASignatureFile).
func FileNames() []string {
	names := []string{"EF.COM", "EF.SOD", "EF.CardAccess"}
	for n := 1; n <= 16; n++ {
		names = append(names, lds.FileName(lds.DGFileID(n)))
	}
	return append(names, AAChallengeFile, AASignatureFile)
}

// documentFromFiles takes files read earlier, by name.
func documentFromFiles(files map[string][]byte) (*Report, *document, error) {
	rep := newReport()
	doc := newDocument()
	doc.offline = true
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b := files[name]
		if name == AAChallengeFile || name == AASignatureFile {
			if len(b) > 1024 {
				return nil, nil, fmt.Errorf("%w: %s is %d bytes: no AA transcript is that long", ErrBadFiles, name, len(b))
			}
			continue // taken by InspectFiles
		}
		fid, ok := lds.FileID(name)
		if !ok || fid == lds.FIDATRInfo {
			return nil, nil, fmt.Errorf("%w: unknown file %q (expected EF.COM, EF.SOD, EF.CardAccess, DG1 … DG16)", ErrBadFiles, name)
		}
		if len(b) > chip.MaxFileSize {
			return nil, nil, fmt.Errorf("%w: %s is %d bytes, more than any LDS file (%d)", ErrBadFiles, name, len(b), chip.MaxFileSize)
		}
		rep.Raw[name] = b
		rep.Files = append(rep.Files, FileInfo{Name: name, Size: len(b)})
		switch fid {
		case lds.FIDCOM:
			doc.com = b
		case lds.FIDSOD:
			doc.sod = b
		case lds.FIDCardAccess:
			doc.cardAccess = b
		default:
			doc.dgs[int(fid-0x0100)] = b
		}
	}
	if doc.sod == nil {
		return nil, nil, fmt.Errorf("%w: no EF.SOD: without it nothing can be authenticated", ErrBadFiles)
	}
	if err := doc.parseSODList(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadFiles, err)
	}
	return rep, doc, nil
}

// ErrBadFiles reports files that cannot be inspected at all (unknown
// names, no EF.SOD): bad input, not a verdict.
var ErrBadFiles = errors.New("bad files")
