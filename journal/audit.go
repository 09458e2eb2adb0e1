package journal

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/pki"
)

// The verifier walks a batch's entries as they are stored (a journal's
// rows in seq order, or an audit file's lines), puts them back in the
// order of their own seq (a window of reorderWindow entries), and checks
// each link, each checkpoint's signature and counts, and the stations'
// sessions. It holds the window and a few counters per station, never the
// whole batch: a batch of a million cards verifies in flat memory.

// reorderWindow bounds how far out of place an entry may be stored and
// still be put back (and named as moved rather than missing).
const reorderWindow = 4096

// maxProblemsListed bounds the problems a report lists; the rest are
// counted.
const maxProblemsListed = 200

// Verdicts of a verification.
const (
	// VerdictIntact: every entry is linked, every checkpoint verifies,
	// and the chain ends with a checkpoint: nothing was changed, removed
	// or added, up to the last entry.
	VerdictIntact = "intact"
	// VerdictIncomplete: nothing shows a change, but the chain ends with
	// entries no checkpoint covers (a station that crashed, or a tail
	// removed: the journal cannot tell them apart), or nothing is signed.
	VerdictIncomplete = "incomplete"
	// VerdictTampered: an entry was changed, removed, moved or added, or
	// a checkpoint does not verify.
	VerdictTampered = "tampered"
)

// Problem kinds.
const (
	ProblemEdited       = "edited"
	ProblemDeleted      = "deleted"
	ProblemReordered    = "reordered"
	ProblemDuplicate    = "duplicate"
	ProblemForeign      = "foreign"
	ProblemReplayed     = "replayed"
	ProblemForged       = "forged"
	ProblemUntrusted    = "untrusted"
	ProblemCount        = "count"
	ProblemNotCanonical = "not-canonical"
	ProblemSession      = "session"
	ProblemCounters     = "counters"
	ProblemFile         = "file"
)

// Problem is one sign of tampering, at an entry.
type Problem struct {
	Kind string `json:"kind"`
	// Seq is the entry it is about (0: none in particular), Time that
	// entry's time when known.
	Seq  int64  `json:"seq,omitempty"`
	Time string `json:"time,omitempty"`
	Text string `json:"text"`
}

// CheckpointRef names a checkpoint in a report.
type CheckpointRef struct {
	Seq     int64            `json:"seq"`
	Time    string           `json:"time"`
	Station string           `json:"station"`
	Reader  string           `json:"reader"`
	Reason  CheckpointReason `json:"reason"`
	Done    int64            `json:"done"`
	Records int64            `json:"records"`
}

// Cut is the chain's unsigned tail: the entries after the last checkpoint.
type Cut struct {
	// After is the last entry, Time its time.
	After int64  `json:"after"`
	Time  string `json:"time"`
	// LastCheckpoint is the last checkpoint's seq (0: none), and its time.
	LastCheckpoint     int64  `json:"last_checkpoint"`
	LastCheckpointTime string `json:"last_checkpoint_time,omitempty"`
	// Stations wrote the tail without closing their sessions; Running
	// those of them still at work (journal only).
	Stations []string `json:"stations"`
	Running  []string `json:"running,omitempty"`
	// Cause says what the journal can tell about it.
	Cause string `json:"cause"`
}

// Crash is a station session that ended without its closing checkpoint.
type Crash struct {
	// After is the session's last entry, Time its time.
	After int64  `json:"after"`
	Time  string `json:"time"`
	// AckedBy is the start checkpoint of the station's next session that
	// says so (0: none yet).
	AckedBy int64 `json:"acked_by,omitempty"`
	// Unsigned: the session had no station key (it could not close
	// signed); Stopped: it did log its stop.
	Unsigned bool `json:"unsigned,omitempty"`
	Stopped  bool `json:"stopped,omitempty"`
}

// StationAudit is what the chain shows of one station (station and
// reader).
type StationAudit struct {
	Station     string `json:"station"`
	Reader      string `json:"reader"`
	Entries     int64  `json:"entries"`
	Sessions    int    `json:"sessions"`
	Unsigned    int    `json:"unsigned_sessions"`
	Checkpoints int    `json:"checkpoints"`
	Done        int64  `json:"done"`
	// Crashes are the sessions that ended without their closing
	// checkpoint: their checkpoints are the missing ones.
	Crashes []Crash `json:"crashes,omitempty"`
	// Open: the station's last session has not closed (in the tail, or
	// crashed before the last checkpoint and not yet resumed).
	Open  bool `json:"open"`
	Alive bool `json:"alive,omitempty"`

	last    int64
	lastT   string
	session *session
	// unsignedEnd is the last entry of the station's previous session
	// when it ended unsigned (no station key: never sealed), which the
	// next start checkpoint names as it names a crash.
	unsignedEnd int64
}

type session struct {
	start   int64
	keyed   bool
	stopped bool
}

// KeyUse is one station key as the checkpoints use it.
type KeyUse struct {
	SHA256      string   `json:"sha256"`
	Subject     string   `json:"subject,omitempty"`
	Pinned      bool     `json:"pinned"`
	Checkpoints int      `json:"checkpoints"`
	Stations    []string `json:"stations"`
}

// DSUse is a Document Signer certificate the checkpoints name.
type DSUse struct {
	SHA256      string `json:"sha256"`
	Serial      string `json:"serial"`
	Subject     string `json:"subject,omitempty"`
	Checkpoints int    `json:"checkpoints"`
}

// AuditReport is what journal verify tells.
type AuditReport struct {
	Batch   string `json:"batch"`
	BatchID string `json:"batch_id"`
	Source  string `json:"source"`
	Verdict string `json:"verdict"`
	// Entries is the entries read; Chained those linked in seq order.
	Entries   int64  `json:"entries"`
	FirstTime string `json:"first_time,omitempty"`
	LastTime  string `json:"last_time,omitempty"`
	// Head is the hash of the chain's last entry.
	Head string `json:"head"`
	// LastSeq is the chain's last entry.
	LastSeq        int64          `json:"last_seq"`
	Checkpoints    int            `json:"checkpoints"`
	LastCheckpoint *CheckpointRef `json:"last_checkpoint,omitempty"`
	// IntactUpTo is the last entry before the first problem: entries 1
	// to IntactUpTo are linked and unaltered (LastSeq when nothing is
	// wrong); SignedUpTo the last checkpoint among them that verifies,
	// which signs them (0: none).
	IntactUpTo int64 `json:"intact_up_to"`
	SignedUpTo int64 `json:"signed_up_to"`
	// Sealed: the chain ends with a checkpoint that verifies.
	Sealed bool `json:"sealed"`
	Cut    *Cut `json:"cut,omitempty"`
	// Complete: the chain ends with an "end" checkpoint: the batch's
	// done cards reached its records.
	Complete bool  `json:"complete"`
	Done     int64 `json:"done"`
	Records  int64 `json:"records"`
	// Pinned: the signatures were checked against the station
	// certificates given (--station-cert), not the journal's own.
	Pinned   bool           `json:"pinned"`
	Keys     []KeyUse       `json:"keys"`
	DSCerts  []DSUse        `json:"ds_certificates"`
	Stations []StationAudit `json:"stations"`
	// Pseudonymised: the entries carry pseudonyms, not ID numbers;
	// Opened counts the entries whose ID number was checked against the
	// commitment the chain holds.
	Pseudonymised bool      `json:"pseudonymised,omitempty"`
	Opened        int64     `json:"opened"`
	Problems      []Problem `json:"problems"`
	// ProblemsNotListed counts the problems beyond those listed.
	ProblemsNotListed int      `json:"problems_not_listed,omitempty"`
	Notes             []string `json:"notes,omitempty"`
}

// Tampered reports whether the verification found a change.
func (r *AuditReport) Tampered() bool { return r.Verdict == VerdictTampered }

// AuditEntry is one stored entry as a verifier gets it.
type AuditEntry struct {
	// Canonical is the entry's hashed form, as stored.
	Canonical string
	// Row is the row's own fields (a journal; nil in an audit file), its
	// seq the row's place.
	Row *Event
	// IDNumber and Salt open the entry's commitment (a full export; a
	// journal's Row has its own); PID is its pseudonym.
	IDNumber, Salt, PID string
	// Line is the entry's line in an audit file (0 in a journal).
	Line int
}

// AuditOptions tune a verification.
type AuditOptions struct {
	// Trusted are the station certificates the auditor trusts
	// (--station-cert): a checkpoint signed by any other key is a
	// problem. Empty: the journal's (or file's) own certificates are
	// used, and the report says the signers were not pinned.
	Trusted []*pki.Certificate
}

// Counters are the journal's own bookkeeping of a batch, read before its
// entries: the chain must reach at least that far.
type Counters struct {
	LastSeq int64
	// Head is the hash of the last entry, as the batch's row has it.
	Head     string
	Stations []StationCounter
}

// StationCounter is a station row's bookkeeping.
type StationCounter struct {
	Station, Reader string
	LastSeq         int64 // its entries (station_seq)
	LastEntry       int64 // the seq of its last entry
	Alive           bool
}

// canonicalEntry is the canonical form as JSON reads it.
type canonicalEntry struct {
	V          int         `json:"v"`
	Batch      string      `json:"batch"`
	BatchID    string      `json:"batch_id"`
	Seq        int64       `json:"seq"`
	Prev       string      `json:"prev"`
	Station    string      `json:"station"`
	Reader     string      `json:"reader"`
	StationSeq int64       `json:"station_seq"`
	Time       string      `json:"time"`
	Subject    string      `json:"subject"`
	Line       int         `json:"line"`
	Attempt    int         `json:"attempt"`
	Step       Step        `json:"step"`
	Outcome    Outcome     `json:"outcome"`
	Operator   string      `json:"operator"`
	Card       string      `json:"card"`
	Detail     string      `json:"detail"`
	Checkpoint *Checkpoint `json:"checkpoint"`
}

func (c canonicalEntry) event() Event {
	return Event{Batch: c.Batch, BatchID: c.BatchID, Seq: c.Seq, Prev: c.Prev, Station: c.Station, Reader: c.Reader, StationSeq: c.StationSeq, Time: c.Time,
		Subject: c.Subject, Line: c.Line, Attempt: c.Attempt, Step: c.Step, Outcome: c.Outcome, Operator: c.Operator, Card: c.Card, Detail: c.Detail, Checkpoint: c.Checkpoint}
}

// parseCanonical reads a canonical form; canonical tells whether writing
// it again gives the same bytes (keys in order, none missing or extra,
// escaping as the writer does it).
func parseCanonical(s string) (e Event, canonical bool, err error) {
	var c canonicalEntry
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Event{}, false, err
	}
	e = c.event()
	return e, c.V == canonicalVersion && e.Canonical() == s, nil
}

// verified is an entry read, waiting in the window for its turn.
type verified struct {
	e    Event
	hash string
	// pos is its place in storage (1-based), at its stored seq (a
	// journal row's seq; 0 in a file).
	pos, storedSeq int64
	line           int
}

// Verifier checks a batch's entries, fed in storage order.
type Verifier struct {
	rep     *AuditReport
	certs   map[string]*pki.Certificate // the journal's or file's own
	trusted map[string]*pki.Certificate // --station-cert; nil: none given

	pos, lastStored int64
	window          map[int64]*verified
	expect          int64
	prevHash        string
	prev            *verified
	gapBefore       bool
	// suspect is the seq of an entry already reported as changed: the
	// broken link after it is the same problem.
	suspect int64

	done     int64
	stations map[string]*StationAudit
	order    []string
	keys     map[string]*KeyUse
	ds       map[string]*DSUse
	lastCP   *CheckpointRef
	lastWas  bool // the last chained entry is a checkpoint that verifies
	nProblem int
	firstBad int64   // the lowest entry a problem names (0: none)
	goodCPs  []int64 // the checkpoints that verify, in seq order
}

// NewVerifier starts the verification of one batch (batchID from the
// journal's batch row or the file's header: every entry must carry it).
// certs are the certificates (DER) the journal or file carries.
func NewVerifier(batch, batchID, source string, certs [][]byte, opt AuditOptions) *Verifier {
	v := &Verifier{
		rep:      &AuditReport{Batch: batch, BatchID: batchID, Source: source, Problems: []Problem{}, Keys: []KeyUse{}, DSCerts: []DSUse{}, Stations: []StationAudit{}},
		certs:    map[string]*pki.Certificate{},
		window:   map[int64]*verified{},
		expect:   1,
		prevHash: GenesisHash,
		stations: map[string]*StationAudit{},
		keys:     map[string]*KeyUse{},
		ds:       map[string]*DSUse{},
	}
	for _, der := range certs {
		if c, err := pki.ParseCertificate(der); err == nil {
			v.certs[CertFingerprint(der)] = c
		}
	}
	if len(opt.Trusted) > 0 {
		v.trusted = map[string]*pki.Certificate{}
		for _, c := range opt.Trusted {
			v.trusted[CertFingerprint(c.Raw)] = c
		}
		v.rep.Pinned = true
	}
	return v
}

func (v *Verifier) problem(kind string, seq int64, t, format string, args ...any) {
	v.nProblem++
	if seq > 0 && (v.firstBad == 0 || seq < v.firstBad) {
		v.firstBad = seq
	}
	if len(v.rep.Problems) >= maxProblemsListed {
		v.rep.ProblemsNotListed++
		return
	}
	v.rep.Problems = append(v.rep.Problems, Problem{Kind: kind, Seq: seq, Time: shortTime(t), Text: fmt.Sprintf(format, args...)})
}

// shortTime is a journal time to the second, for reports.
func shortTime(t string) string {
	if pt, err := ParseTime(t); err == nil {
		return pt.Format("2006-01-02T15:04:05Z")
	}
	return t
}

// describe names an entry for a report: "entry 17 (2026-03-01T08:00:01Z,
// station st0, write done)".
func describe(e Event) string {
	what := string(e.Step) + " " + string(e.Outcome)
	if e.Checkpoint != nil {
		what = "checkpoint " + string(e.Checkpoint.Reason)
	}
	if e.Line > 0 {
		what += fmt.Sprintf(", line %d", e.Line)
	}
	return fmt.Sprintf("entry %d (%s, station %s, %s)", e.Seq, shortTime(e.Time), e.Station, what)
}

// Add feeds the next stored entry.
func (v *Verifier) Add(a AuditEntry) {
	v.pos++
	v.rep.Entries++
	where := fmt.Sprintf("the entry stored at position %d", v.pos)
	switch {
	case a.Line > 0:
		where = fmt.Sprintf("line %d", a.Line)
	case a.Row != nil:
		where = fmt.Sprintf("the row with seq %d", a.Row.Seq)
	}
	e, canonical, err := parseCanonical(a.Canonical)
	if err != nil {
		seq := int64(0)
		if a.Row != nil {
			seq = a.Row.Seq
		}
		v.problem(ProblemNotCanonical, seq, "", "%s is not an entry any more (its hashed form does not read: %v): it was changed", where, err)
		return
	}
	if !canonical {
		v.problem(ProblemNotCanonical, e.Seq, e.Time, "%s: its hashed form is not in the canonical form (keys, order or escaping): it was written by something else than cccd", describe(e))
		v.suspect = e.Seq
	}
	if e.Batch != v.rep.Batch || e.BatchID != v.rep.BatchID {
		kind, what := ProblemForeign, "an entry"
		if e.Checkpoint != nil {
			kind, what = ProblemReplayed, "a checkpoint"
		}
		seq := int64(0)
		if a.Row != nil {
			seq = a.Row.Seq
		}
		v.problem(kind, seq, e.Time, "%s is %s of another batch (%q, id %s; this is %q, id %s): its %s there; it was inserted", where, what, e.Batch, short(e.BatchID), v.rep.Batch, short(v.rep.BatchID), describe(e))
		return
	}
	storedSeq := int64(0)
	if r := a.Row; r != nil {
		storedSeq = r.Seq
		v.checkRow(e, a.Canonical, r)
	} else if a.IDNumber != "" {
		if SubjectCommitment(a.Salt, a.IDNumber) != e.Subject {
			v.problem(ProblemEdited, e.Seq, e.Time, "%s: its ID number (or salt) does not open the commitment its hashed form holds: the ID number was changed", describe(e))
		} else {
			v.rep.Opened++
		}
	} else if e.Subject != "" && a.PID != "" {
		v.rep.Pseudonymised = true
	}
	if e.Seq < v.lastStored {
		v.problem(ProblemReordered, e.Seq, e.Time, "%s is stored after entry %d: the entries were reordered (their hashes link them in seq order, which is how they are checked)", describe(e), v.lastStored)
	}
	v.lastStored = max(v.lastStored, e.Seq)
	if e.Seq < v.expect || v.window[e.Seq] != nil {
		what := "an entry"
		if e.Checkpoint != nil {
			what = "a checkpoint"
		}
		v.problem(ProblemDuplicate, e.Seq, e.Time, "%s: %s with this seq was read already; this second copy (%s) was inserted (replayed)", describe(e), what, where)
		return
	}
	v.window[e.Seq] = &verified{e: e, hash: EntryHash(a.Canonical), pos: v.pos, storedSeq: storedSeq, line: a.Line}
	v.drain(false)
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

// checkRow compares a journal row's own fields with its hashed form.
func (v *Verifier) checkRow(e Event, canon string, r *Event) {
	row := *r
	if row.Canonical() == canon {
		if e.Subject != "" {
			v.rep.Opened++
		}
		return
	}
	var diff []string
	add := func(name string, differ bool) {
		if differ {
			diff = append(diff, name)
		}
	}
	rc := row.canonicalView()
	add("batch", rc.Batch != e.Batch || rc.BatchID != e.BatchID)
	add("prev", rc.Prev != e.Prev)
	add("station", rc.Station != e.Station || rc.Reader != e.Reader)
	add("station_seq", rc.StationSeq != e.StationSeq)
	add("time", rc.Time != e.Time)
	add("id_number (or its salt)", rc.Subject != e.Subject)
	add("line", rc.Line != e.Line)
	add("attempt", rc.Attempt != e.Attempt)
	add("step", rc.Step != e.Step)
	add("outcome", rc.Outcome != e.Outcome)
	add("operator", rc.Operator != e.Operator)
	add("card", rc.Card != e.Card)
	add("detail", rc.Detail != e.Detail)
	cpa, cpb := "", ""
	if rc.Checkpoint != nil {
		b, _ := json.Marshal(rc.Checkpoint)
		cpa = string(b)
	}
	if e.Checkpoint != nil {
		b, _ := json.Marshal(e.Checkpoint)
		cpb = string(b)
	}
	add("checkpoint", cpa != cpb)
	if len(diff) == 0 {
		// Only the row's seq differs from the entry's own: the row was
		// moved; the reordering is named where it shows.
		return
	}
	v.problem(ProblemEdited, e.Seq, e.Time, "%s: the row's %s differ from what its hashed form says: the row was edited", describe(e), strings.Join(diff, ", "))
}

// canonicalView is the row's fields as its canonical form has them (the
// ID number as its commitment, placeholders in card and detail).
func (e Event) canonicalView() Event {
	c, _, _ := parseCanonical(e.Canonical())
	return c
}

// drain chains the entries of the window that are next in seq order;
// when the window is full (or at the end: all) a missing seq is a gap.
func (v *Verifier) drain(all bool) {
	for len(v.window) > 0 {
		if w := v.window[v.expect]; w != nil {
			delete(v.window, v.expect)
			v.chain(w)
			continue
		}
		if !all && len(v.window) <= reorderWindow {
			return
		}
		next := int64(-1)
		for s := range v.window {
			if next < 0 || s < next {
				next = s
			}
		}
		w := v.window[next]
		from := "the start of the batch"
		if v.prev != nil {
			from = describe(v.prev.e)
		}
		n := next - v.expect
		what := fmt.Sprintf("entries %d to %d are", v.expect, next-1)
		if n == 1 {
			what = fmt.Sprintf("entry %d is", v.expect)
		}
		v.problem(ProblemDeleted, v.expect, w.e.Time, "%s missing: the chain goes from %s to %s, which links to other content: %s deleted", what, from, describe(w.e), map[bool]string{true: "it was", false: "they were"}[n == 1])
		v.expect = next
		v.gapBefore = true
	}
}

// chain links the next entry in seq order and takes in what it says.
func (v *Verifier) chain(w *verified) {
	e := w.e
	if e.Prev != v.prevHash && !v.gapBefore {
		if v.prev == nil {
			v.problem(ProblemEdited, e.Seq, e.Time, "%s, the first of the batch, does not start the chain: it was changed, or entries before it were removed", describe(e))
		} else if v.suspect != v.prev.e.Seq {
			v.problem(ProblemEdited, v.prev.e.Seq, v.prev.e.Time, "%s was changed after it was written: %s links to other content", describe(v.prev.e), describe(e))
		}
	}
	v.gapBefore = false
	v.prevHash, v.prev = w.hash, w
	v.expect = e.Seq + 1
	v.rep.LastSeq, v.rep.Head = e.Seq, w.hash
	if v.rep.FirstTime == "" {
		v.rep.FirstTime = shortTime(e.Time)
	}
	v.rep.LastTime = shortTime(e.Time)

	sk := e.Station + "\x00" + e.Reader
	st := v.stations[sk]
	if st == nil {
		st = &StationAudit{Station: e.Station, Reader: e.Reader}
		v.stations[sk] = st
		v.order = append(v.order, sk)
	}
	st.Entries++
	if e.StationSeq != st.Entries && v.nProblem == 0 {
		v.problem(ProblemCount, e.Seq, e.Time, "%s is the station's entry %d, but the chain holds %d of its entries up to here", describe(e), e.StationSeq, st.Entries)
	}
	v.lastWas = false
	switch {
	case e.Step == StepStation && e.Outcome == Started:
		if st.session == nil && st.unsignedEnd != st.last {
			st.unsignedEnd = 0
		}
		if s := st.session; s != nil {
			st.Crashes = append(st.Crashes, Crash{After: st.last, Time: shortTime(st.lastT), Unsigned: !s.keyed, Stopped: s.stopped})
		}
		st.session = &session{start: e.Seq}
		st.Sessions++
	case e.Step == StepStation && e.Outcome == Succeeded:
		if st.session != nil {
			st.session.stopped = true
			if !st.session.keyed {
				// An unsigned session ends here: nothing will close it.
				st.Unsigned++
				st.session = nil
				st.unsignedEnd = e.Seq
			}
		}
	case e.Step == StepFinish && e.Outcome == Outcome(StateDone):
		v.done++
		st.Done++
	case e.Checkpoint != nil:
		v.checkpoint(w, st)
	}
	st.last, st.lastT = e.Seq, e.Time
}

// checkpoint checks a checkpoint entry: its signer, its signature, its
// counts, and what it says of the station's sessions.
func (v *Verifier) checkpoint(w *verified, st *StationAudit) {
	e := w.e
	cp := e.Checkpoint
	v.rep.Checkpoints++
	st.Checkpoints++
	ok := true
	cert, own := v.certs[cp.Key], v.certs[cp.Key] != nil
	if v.trusted != nil {
		if tc := v.trusted[cp.Key]; tc != nil {
			cert = tc
		} else {
			ok = false
			who := "a certificate the journal does not hold"
			if own {
				who = "the journal's certificate " + certName(cert)
			}
			v.problem(ProblemUntrusted, e.Seq, e.Time, "%s is signed by a key that is none of the station certificates given (%s, sha256 %s): forged", describe(e), who, short(cp.Key))
			cert = nil
		}
	}
	if cert == nil && ok {
		ok = false
		v.problem(ProblemForged, e.Seq, e.Time, "%s names a station certificate (sha256 %s) that neither the journal nor --station-cert holds: it cannot be checked", describe(e), short(cp.Key))
	}
	if cert != nil {
		if err := verifyCheckpoint(cert, e); err != nil {
			ok = false
			v.problem(ProblemForged, e.Seq, e.Time, "%s: its signature does not verify with the certificate %s (%v): forged or changed", describe(e), certName(cert), err)
		} else if t, err := ParseTime(e.Time); err == nil && (t.Before(cert.NotBefore) || t.After(cert.NotAfter)) {
			ok = false
			v.problem(ProblemForged, e.Seq, e.Time, "%s is dated outside the validity of the certificate %s (%s to %s)", describe(e), certName(cert), cert.NotBefore.Format(time.DateOnly), cert.NotAfter.Format(time.DateOnly))
		}
	}
	if cp.Done != v.done || cp.StationDone != st.Done {
		ok = false
		v.problem(ProblemCount, e.Seq, e.Time, "%s says %d cards done in the batch and %d by the station; the chain shows %d and %d", describe(e), cp.Done, cp.StationDone, v.done, st.Done)
	}
	ku := v.keys[cp.Key]
	if ku == nil {
		ku = &KeyUse{SHA256: cp.Key, Pinned: v.trusted != nil && v.trusted[cp.Key] != nil}
		if cert != nil {
			ku.Subject = cert.Subject.String()
		}
		v.keys[cp.Key] = ku
	}
	ku.Checkpoints++
	if name := st.Station + " (" + st.Reader + ")"; !contains(ku.Stations, name) {
		ku.Stations = append(ku.Stations, name)
	}
	if cp.DSCert != "" {
		du := v.ds[cp.DSCert]
		if du == nil {
			du = &DSUse{SHA256: cp.DSCert, Serial: cp.DSSerial}
			if c := v.certs[cp.DSCert]; c != nil {
				du.Subject = c.Subject.String()
			}
			v.ds[cp.DSCert] = du
		}
		du.Checkpoints++
	}
	switch cp.Reason {
	case ReasonStart:
		var crash *Crash
		if n := len(st.Crashes); n > 0 && st.Crashes[n-1].AckedBy == 0 && st.session != nil && st.Crashes[n-1].After < st.session.start {
			crash = &st.Crashes[n-1]
		}
		switch {
		case crash != nil && cp.CrashSeq == crash.After:
			crash.AckedBy = e.Seq
		case crash != nil && cp.CrashSeq == 0:
			v.problem(ProblemSession, e.Seq, e.Time, "%s says the station's previous session closed, but the chain shows it ended without its closing checkpoint after entry %d: that checkpoint was removed", describe(e), crash.After)
		case crash != nil:
			v.problem(ProblemSession, e.Seq, e.Time, "%s says the station's previous session ended after entry %d; the chain shows it ended after entry %d: entries of that session were removed or added", describe(e), cp.CrashSeq, crash.After)
		case cp.CrashSeq != 0 && cp.CrashSeq == st.unsignedEnd:
			// The previous session ran without a key: it ended
			// unsigned, as the start checkpoint says.
		case cp.CrashSeq != 0:
			v.problem(ProblemSession, e.Seq, e.Time, "%s says the station's previous session ended without its closing checkpoint after entry %d; the chain shows no such session: its entries were removed", describe(e), cp.CrashSeq)
		}
		if st.session != nil {
			st.session.keyed = true
		}
	case ReasonStop, ReasonEnd:
		st.session = nil
	}
	v.lastCP = &CheckpointRef{Seq: e.Seq, Time: shortTime(e.Time), Station: e.Station, Reader: e.Reader, Reason: cp.Reason, Done: cp.Done, Records: cp.Records}
	v.lastWas = ok
	if ok {
		v.goodCPs = append(v.goodCPs, e.Seq)
	}
}

func certName(c *pki.Certificate) string {
	return fmt.Sprintf("%q (serial %s)", c.Subject.String(), c.SerialNumber.Text(16))
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// Finish ends the verification: the entries left in the window, the
// unsigned tail, the journal's counters (nil for a file), the verdict.
func (v *Verifier) Finish(counters *Counters) *AuditReport {
	v.drain(true)
	rep := v.rep
	rep.Done = v.done
	alive := map[string]bool{}
	if counters != nil {
		v.checkCounters(counters)
		for _, s := range counters.Stations {
			alive[s.Station+"\x00"+s.Reader] = s.Alive
		}
	}
	rep.LastCheckpoint = v.lastCP
	rep.Sealed = v.lastWas
	if v.lastCP != nil && v.lastWas && v.lastCP.Reason == ReasonEnd {
		rep.Complete = v.lastCP.Records > 0 && v.lastCP.Done >= v.lastCP.Records
		rep.Records = v.lastCP.Records
	} else if v.lastCP != nil {
		rep.Records = v.lastCP.Records
	}
	var tail, running []string
	for _, sk := range v.order {
		st := v.stations[sk]
		st.Alive = alive[sk]
		name := st.Station + " (" + st.Reader + ")"
		if s := st.session; s != nil {
			st.Open = true
			if v.lastCP == nil || st.last > v.lastCP.Seq {
				tail = append(tail, name)
				if st.Alive {
					running = append(running, name)
				}
			} else if !st.Alive {
				// Closed by nothing, covered by a later checkpoint of
				// another station: it crashed and was not resumed.
				st.Crashes = append(st.Crashes, Crash{After: st.last, Time: shortTime(st.lastT), Unsigned: !s.keyed, Stopped: s.stopped})
			}
		}
		rep.Stations = append(rep.Stations, *st)
	}
	if !rep.Sealed && rep.LastSeq > 0 {
		cut := &Cut{After: rep.LastSeq, Time: rep.LastTime, Stations: tail, Running: running}
		if cut.Stations == nil {
			cut.Stations = []string{}
		}
		if v.lastCP != nil {
			cut.LastCheckpoint, cut.LastCheckpointTime = v.lastCP.Seq, v.lastCP.Time
		}
		switch {
		case v.lastCP == nil && len(v.keys) == 0:
			cut.Cause = "nothing is signed: the stations ran without a station key (cccd personalize --station-key)"
		case len(running) > 0:
			cut.Cause = "stations are at work (" + strings.Join(running, ", ") + "): their next checkpoint covers the tail"
		case len(tail) > 0:
			agree := ""
			if counters != nil {
				agree = " (the journal's counters agree)"
			}
			cut.Cause = "the session of " + strings.Join(tail, ", ") + " ended without its closing checkpoint: a crash" + agree + ", or entries after " + fmt.Sprint(rep.LastSeq) + " were removed; nothing after the last checkpoint is signed. Resume the station (cccd personalize --resume): its start checkpoint seals the tail and says where the crash was"
		default:
			cut.Cause = "nothing after the last checkpoint is signed"
		}
		rep.Cut = cut
	}
	for _, k := range v.keys {
		if k.Stations == nil {
			k.Stations = []string{}
		}
		rep.Keys = append(rep.Keys, *k)
	}
	sort.Slice(rep.Keys, func(i, j int) bool { return rep.Keys[i].SHA256 < rep.Keys[j].SHA256 })
	for _, d := range v.ds {
		rep.DSCerts = append(rep.DSCerts, *d)
	}
	sort.Slice(rep.DSCerts, func(i, j int) bool { return rep.DSCerts[i].SHA256 < rep.DSCerts[j].SHA256 })
	if !rep.Pinned && rep.Checkpoints > 0 {
		rep.Notes = append(rep.Notes, "the checkpoints were checked with the station certificates the journal itself carries: give --station-cert to check who signed them")
	}
	v.intact()
	switch {
	case v.nProblem > 0:
		rep.Verdict = VerdictTampered
	case !rep.Sealed:
		rep.Verdict = VerdictIncomplete
	default:
		rep.Verdict = VerdictIntact
	}
	return rep
}

// checkCounters compares the journal's own bookkeeping (written in the
// same transaction as each entry) with the chain: a chain shorter than
// its counters lost entries; a crash never leaves them apart.
func (v *Verifier) checkCounters(c *Counters) {
	rep := v.rep
	if c.LastSeq > rep.LastSeq {
		v.problem(ProblemDeleted, rep.LastSeq+1, "", "the journal's batch row counts %d entries, the chain ends at entry %d: %s removed (a crash never leaves them apart: each entry and the count are one transaction)", c.LastSeq, rep.LastSeq, span(rep.LastSeq+1, c.LastSeq))
	} else if c.LastSeq == rep.LastSeq && rep.LastSeq > 0 && c.Head != rep.Head {
		v.problem(ProblemEdited, rep.LastSeq, rep.LastTime, "entry %d, the last, is not the one the journal's batch row names as its head: it was changed", rep.LastSeq)
	}
	for _, s := range c.Stations {
		st := v.stations[s.Station+"\x00"+s.Reader]
		n, last := int64(0), int64(0)
		if st != nil {
			n, last = st.Entries, st.last
		}
		if s.LastSeq > n || (s.LastSeq == n && s.LastEntry != last) {
			v.problem(ProblemDeleted, s.LastEntry, "", "station %s (reader %s): its row counts %d entries, the last at seq %d; the chain holds %d, the last at seq %d: entries of the station were removed", s.Station, s.Reader, s.LastSeq, s.LastEntry, n, last)
		}
	}
}

// span names entries from a to b: "entry 7 was" or "entries 7 to 9 were".
func span(a, b int64) string {
	if a == b {
		return fmt.Sprintf("entry %d was", a)
	}
	return fmt.Sprintf("entries %d to %d were", a, b)
}

// intact sets how far the chain is linked, unaltered and signed: up to
// the first entry a problem names.
func (v *Verifier) intact() {
	rep := v.rep
	rep.IntactUpTo = rep.LastSeq
	if v.firstBad > 0 {
		rep.IntactUpTo = min(rep.LastSeq, v.firstBad-1)
	}
	rep.SignedUpTo = 0
	for _, s := range v.goodCPs {
		if s <= rep.IntactUpTo {
			rep.SignedUpTo = s
		}
	}
}
