// Package journal is the record of personalization batches: which citizen
// record went onto which chip, every step of it before and after, and
// which station holds which record while several stations work on one
// batch. It is one interface, Journal, with two backends: SQLite (a file,
// the embedded default, modernc.org/sqlite: no cgo) and PostgreSQL (pgx/v5)
// for stations on several machines sharing one batch.
//
// # Claims
//
// A station claims a record before it touches a card and holds the claim
// while it works: the claim names the station and carries a lease that
// every journal write renews. Another station takes a claim over only when
// its holder is gone (its liveness lock is free: the process died) or its
// lease expired (the process hangs); the holder's next write then fails
// with ErrClaimLost, so it never locks a card it no longer owns. A record
// whose attempt reached the LOCK step may be on a locked card in that
// station's reader: no other station may take it (InDoubtError) until that
// station resumes and looks at the card.
//
// # Events
//
// The events table is append-only (triggers refuse UPDATE and DELETE) and
// numbered twice: seq increases by one per batch, station_seq per station
// of the batch. Each row keeps its own fields in a canonical form
// (Event.Canonical), and the canonical forms are a hash chain: each holds
// the hash of the batch's entry before it (chain.go). A station with a
// station key signs checkpoint entries over the chain's head (at its start,
// every N cards, at its stop); Audit and VerifyAuditFile walk the chain,
// the signatures and the stations' sessions (audit.go), ExportAudit writes
// the audit file an auditor checks without the database (export.go).
package journal

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// State is where a record stands.
type State string

const (
	// StatePending: known to the journal (claimed, perhaps), no card begun.
	StatePending State = "pending"
	// StateWriting: an attempt began on a card and did not finish; after a
	// crash the card may be half-written or, past the LOCK step, locked.
	StateWriting State = "writing"
	// StateDone: written, read back, verified and locked.
	StateDone State = "done"
	// StateFailed: the last attempt failed before locking; retried later.
	StateFailed State = "failed"
	// StateSpoiled: a card was locked but did not pass; the card is named.
	StateSpoiled State = "spoiled"
)

// Step is a step of a record's personalization, as the journal names it.
type Step string

// The steps, in the order they happen. StepStation marks a station's
// start and stop (events with no record).
const (
	StepStation  Step = "station"
	StepClaim    Step = "claim"
	StepProbe    Step = "probe"
	StepBegin    Step = "begin"
	StepPhoto    Step = "photo"
	StepKeys     Step = "keys"
	StepBuild    Step = "build"
	StepWrite    Step = "write"
	StepRecover  Step = "recover"
	StepReadback Step = "readback"
	StepLock     Step = "lock"
	StepQR       Step = "qr"
	StepFinish   Step = "finish"
	StepRelease  Step = "release"
)

// Outcome is how a step went. A finish event's outcome is the record's
// new state.
type Outcome string

const (
	Started   Outcome = "started"
	Succeeded Outcome = "done"
	Failed    Outcome = "failed"
)

// Errors of claims.
var (
	// ErrDone: the record is on a locked card already.
	ErrDone = errors.New("the record is on a locked card already")
	// ErrClaimLost: another station took the claim over (this one's
	// lease expired); the card in hand must not be locked.
	ErrClaimLost = errors.New("the claim on this record was taken over by another station (this station's lease expired): the card must not be finished here")
	// ErrNoBatch: the journal holds no batch of that name.
	ErrNoBatch = errors.New("no such batch in the journal")
)

// BusyError: another station, alive, holds the claim.
type BusyError struct{ Station, Reader string }

func (e *BusyError) Error() string {
	return fmt.Sprintf("claimed by station %s (reader %s), which is at work", e.Station, e.Reader)
}

// InDoubtError: the record's last attempt reached the LOCK step on another
// station, so its card there may be locked; only that station can tell.
type InDoubtError struct{ Station, Reader, Card string }

func (e *InDoubtError) Error() string {
	return fmt.Sprintf("in doubt: its card %s on station %s (reader %s) may be locked; resume that station to settle it", e.Card, e.Station, e.Reader)
}

// StationRunningError: a station of the same name and reader already
// works on this journal.
type StationRunningError struct{ Station, Reader, Journal string }

func (e *StationRunningError) Error() string {
	return fmt.Sprintf("station %s with reader %s is already running on %s (another cccd personalize process): give each process its own --station or reader", e.Station, e.Reader, e.Journal)
}

// StationInfo names a station: the machine (or the name the operator gives
// it) and the one reader it works with; a process with several readers
// runs several stations.
type StationInfo struct {
	Batch    string
	Station  string
	Reader   string
	Operator string
	// DSSerial is the serial number (hex) of the Document Signer
	// certificate the station signs with.
	DSSerial string
	// Host and PID say where the station runs (journal show).
	Host string
	PID  int

	// DSCert is the Document Signer certificate (DER) the station signs
	// cards with: its SHA-256 goes into every checkpoint, the
	// certificate into the journal (and the audit export).
	DSCert []byte
	// Key, when set, signs the station's checkpoints: a key file's or an
	// HSM's crypto.Signer (the private key is never copied). KeyCert is
	// its certificate (DER); CheckStationKey tells whether they belong
	// together.
	Key     crypto.Signer
	KeyCert []byte
	// CheckpointEvery is the checkpoint interval: a signed checkpoint
	// after every CheckpointEvery cards done by the station (0: only at
	// the start and the end of its session).
	CheckpointEvery int
	// Records is the valid records of the station's input: the closing
	// checkpoint says "end" (the batch is complete) when the batch's done
	// cards reach it.
	Records int
}

// Card is the identity of the card an attempt writes.
type Card struct {
	// ID is what the journal calls the card: an emulated card's image
	// path, a chip serial, else the ATR.
	ID string
	// ATR in hex.
	ATR string
	// Serial is the chip's own serial number where it has one.
	Serial string
}

// Attempt is a record's last attempt, as a new claim finds it.
type Attempt struct {
	Number  int
	Station string
	Reader  string
	Card    string
	State   State
	// Locking: the attempt reached the LOCK step, so its card may be
	// locked.
	Locking bool
}

// Record is one record's row.
type Record struct {
	Batch      string `json:"batch"`
	IDNumber   string `json:"id_number"`
	Line       int    `json:"line"`
	State      State  `json:"state"`
	Attempts   int    `json:"attempts"`
	Station    string `json:"station"`
	Reader     string `json:"reader"`
	Operator   string `json:"operator"`
	Card       string `json:"card"`
	ATR        string `json:"atr"`
	ChipSerial string `json:"chip_serial,omitempty"`
	DSSerial   string `json:"ds_serial"`
	QRFile     string `json:"qr_file"`
	Error      string `json:"error,omitempty"`
	// ClaimedBy is "station/reader" while a station holds the record.
	ClaimedBy string `json:"claimed_by,omitempty"`
	// Locking: the last attempt reached LOCK and did not end done, so its
	// card on Station may be locked.
	Locking bool   `json:"locking,omitempty"`
	Updated string `json:"updated"`
}

// Event is one row of the append-only events table: one entry of its
// batch's hash chain.
type Event struct {
	Batch string `json:"batch"`
	// BatchID is the batch's random identity, made when the batch is
	// created: two batches of one name (two journals, or a name used
	// again) never share a chain.
	BatchID string `json:"batch_id"`
	Seq     int64  `json:"seq"`
	// Prev is the hash of the batch's entry Seq-1 (GenesisHash for the
	// first), Hash the SHA-256 of this entry's canonical form (hex).
	Prev       string  `json:"prev"`
	Hash       string  `json:"hash"`
	Station    string  `json:"station"`
	Reader     string  `json:"reader"`
	StationSeq int64   `json:"station_seq"`
	Time       string  `json:"time"`
	IDNumber   string  `json:"id_number,omitempty"`
	Line       int     `json:"line,omitempty"`
	Attempt    int     `json:"attempt,omitempty"`
	Step       Step    `json:"step"`
	Outcome    Outcome `json:"outcome"`
	Operator   string  `json:"operator,omitempty"`
	Card       string  `json:"card,omitempty"`
	Detail     string  `json:"detail,omitempty"`
	// Salt opens the ID number's commitment (Subject); it never leaves
	// the journal but in a full audit export or a find.
	Salt string `json:"-"`
	// Subject is the commitment to the ID number that the chain hashes
	// (SubjectCommitment); set from IDNumber and Salt when the entry is
	// written, read from the canonical form when the ID number is not
	// known (a pseudonymised audit file).
	Subject string `json:"subject,omitempty"`
	// Checkpoint is set on a checkpoint entry (step "checkpoint").
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`

	// stationDone is the station's done cards after this entry (set by
	// appendEvent, for the periodic checkpoint).
	stationDone int64
}

// StepCheckpoint marks a checkpoint entry: a station's signature over the
// chain's head.
const StepCheckpoint Step = "checkpoint"

// CheckpointReason says why a station signed.
type CheckpointReason string

const (
	// ReasonStart: a station's session begins; it acknowledges a previous
	// session of the station that ended without its closing checkpoint
	// (a crash: CrashSeq).
	ReasonStart CheckpointReason = "start"
	// ReasonEvery: the station finished another Every cards.
	ReasonEvery CheckpointReason = "every"
	// ReasonStop: the session ends (a safe stop) with records of the
	// batch left to do.
	ReasonStop CheckpointReason = "stop"
	// ReasonEnd: the session ends and the batch is complete: Done
	// reached Records.
	ReasonEnd CheckpointReason = "end"
)

// Checkpoint is what a station signs with its station key: the batch, its
// own place (the entry's Seq, Prev = the chain's head, StationSeq), the
// counts, and the certificates it works with.
type Checkpoint struct {
	Reason CheckpointReason `json:"reason"`
	// Done is the cards done in the batch by the chain up to here
	// (finish events of outcome done); StationDone those of this station
	// (station and reader).
	Done        int64 `json:"done"`
	StationDone int64 `json:"station_done"`
	// Records is the valid records of the station's input (0: not known).
	Records int64 `json:"records"`
	// Every is the station's checkpoint interval in cards (0: only at
	// start and stop).
	Every int64 `json:"every"`
	// CrashSeq and CrashStationSeq, on a start checkpoint, name the last
	// entry of the station's previous session when that session ended
	// without its closing checkpoint (0: it closed, or it is the first).
	CrashSeq        int64 `json:"crash_seq"`
	CrashStationSeq int64 `json:"crash_station_seq"`
	// DSCert is the SHA-256 (hex) of the Document Signer certificate the
	// station signs cards with, DSSerial its serial number (hex).
	DSCert   string `json:"ds_cert"`
	DSSerial string `json:"ds_serial"`
	// Key is the SHA-256 (hex) of the station certificate, Alg the
	// signature algorithm (one of sigAlgs: ecdsa-sha256…, rsa-pkcs1-sha256…), Sig the signature
	// (base64) over CheckpointMessage.
	Key string `json:"key"`
	Alg string `json:"alg"`
	Sig string `json:"sig"`
}

// canonicalVersion is the version of the canonical form; a change of the
// form is a new version. Version 2 chains the entries (batch_id, prev)
// and commits to the ID number instead of carrying it (subject).
const canonicalVersion = 2

// idPlaceholder stands for the entry's ID number inside its other text
// fields (an emulated card's path holds it), so that the hashed form
// carries no ID number at all and a pseudonymised export still verifies.
const idPlaceholder = "${id}"

// Canonical is the entry's fields in one fixed form, the bytes the chain
// hashes: a JSON object with the keys in a fixed order, no insignificant
// space, Go's string escaping (HTML characters kept as they are). The ID
// number is replaced by its commitment (Subject) and, inside the card and
// detail fields, by ${id}: the form holds no ID number.
func (e Event) Canonical() string { return e.canonical(false) }

// canonical writes the form; unsigned leaves a checkpoint's sig empty
// (the statement the station signs).
func (e Event) canonical(unsigned bool) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString(`{"v":`)
	b.WriteString(strconv.Itoa(canonicalVersion))
	str := func(k, v string) {
		b.WriteString(`,"`)
		b.WriteString(k)
		b.WriteString(`":`)
		writeJSONString(&b, v)
	}
	num := func(k string, v int64) {
		b.WriteString(`,"`)
		b.WriteString(k)
		b.WriteString(`":`)
		b.WriteString(strconv.FormatInt(v, 10))
	}
	subject, card, detail := e.Subject, e.Card, e.Detail
	if e.IDNumber != "" {
		subject = SubjectCommitment(e.Salt, e.IDNumber)
		card = strings.ReplaceAll(card, e.IDNumber, idPlaceholder)
		detail = strings.ReplaceAll(detail, e.IDNumber, idPlaceholder)
	}
	str("batch", e.Batch)
	str("batch_id", e.BatchID)
	num("seq", e.Seq)
	str("prev", e.Prev)
	str("station", e.Station)
	str("reader", e.Reader)
	num("station_seq", e.StationSeq)
	str("time", e.Time)
	str("subject", subject)
	num("line", int64(e.Line))
	num("attempt", int64(e.Attempt))
	str("step", string(e.Step))
	str("outcome", string(e.Outcome))
	str("operator", e.Operator)
	str("card", card)
	str("detail", detail)
	if cp := e.Checkpoint; cp != nil {
		b.WriteString(`,"checkpoint":{"reason":`)
		writeJSONString(&b, string(cp.Reason))
		num("done", cp.Done)
		num("station_done", cp.StationDone)
		num("records", cp.Records)
		num("every", cp.Every)
		num("crash_seq", cp.CrashSeq)
		num("crash_station_seq", cp.CrashStationSeq)
		str("ds_cert", cp.DSCert)
		str("ds_serial", cp.DSSerial)
		str("key", cp.Key)
		str("alg", cp.Alg)
		sig := cp.Sig
		if unsigned {
			sig = ""
		}
		str("sig", sig)
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.String()
}

// writeJSONString writes s as a JSON string the way encoding/json does
// (control characters and U+2028, U+2029 escaped, invalid UTF-8 written
// as U+FFFD) except that <, > and & are kept as they are. Written out here
// rather than by undoing json.Marshal's HTML escapes, which would misread
// a text that holds a literal "\u003c".
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			// As the rune itself, so that the form read back and
			// written again is the same bytes.
			b.WriteString("\ufffd")
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// timeFormat is fixed-width, so that times sort as text in both backends.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// ParseTime reads a journal time.
func ParseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }

// BatchInfo is one batch of the journal.
type BatchInfo struct {
	Name    string `json:"batch"`
	Created string `json:"created"`
	Events  int64  `json:"events"`
}

// StationStatus is a station of a batch as the journal knows it.
type StationStatus struct {
	Batch    string `json:"batch"`
	Station  string `json:"station"`
	Reader   string `json:"reader"`
	Operator string `json:"operator"`
	DSSerial string `json:"ds_serial"`
	Host     string `json:"host"`
	PID      int    `json:"pid"`
	Started  string `json:"started"`
	// Events is how many events the station wrote (its station_seq).
	Events int64 `json:"events"`
	// Alive: a process runs the station now (it holds its liveness lock).
	Alive bool `json:"alive"`
}

// Journal is a journal of batches, on SQLite or PostgreSQL.
type Journal interface {
	// Join starts a station on a batch (created on first use): it takes
	// the station's liveness lock, so the same station and reader cannot
	// run twice (StationRunningError).
	Join(ctx context.Context, info StationInfo) (Station, error)
	// Batches lists the batches.
	Batches(ctx context.Context) ([]BatchInfo, error)
	// Record returns one record's row, nil when the journal does not know
	// it.
	Record(ctx context.Context, batch, id string) (*Record, error)
	// Records lists a batch's records in line order.
	Records(ctx context.Context, batch string) ([]Record, error)
	// Events calls fn for each event of a batch in seq order.
	Events(ctx context.Context, batch string, fn func(Event) error) error
	// Stations lists a batch's stations, each with whether it runs now.
	Stations(ctx context.Context, batch string) ([]StationStatus, error)
	// Counts returns how many records of a batch are in each state.
	Counts(ctx context.Context, batch string) (map[State]int, error)
	// Report is the shift report of a batch ("" for every batch).
	Report(ctx context.Context, batch string) (*Report, error)
	// Audit verifies a batch's hash chain and checkpoints as stored
	// (journal verify): what is intact, what was changed, removed or
	// moved, and which checkpoints are missing.
	Audit(ctx context.Context, batch string, opt AuditOptions) (*AuditReport, error)
	// ExportAudit writes a batch's audit file (journal export --signed),
	// which VerifyAuditFile checks without the database.
	ExportAudit(ctx context.Context, batch string, w io.Writer, opt ExportOptions) error
	// Where names the journal for messages (a path, or a URL without
	// its password).
	Where() string
	Close() error
}

// Station is one station's session on a batch.
type Station interface {
	Info() StationInfo
	// Claim claims a record for this station: ErrDone when it is on a
	// locked card already, *BusyError when another living station holds
	// it, *InDoubtError when another station's card may hold it locked.
	Claim(ctx context.Context, id string, line int) (Claim, error)
	// Close ends the session: claims never begun on a card are released,
	// the liveness lock is freed.
	Close() error
}

// Claim is a station's hold on one record. Every method is fenced: once
// another station took the claim over, each returns ErrClaimLost and
// writes nothing.
type Claim interface {
	ID() string
	// Prior is the record's last attempt when it was on this station and
	// did not end done or spoiled: its card may still be in this reader
	// (half-written, or locked if Prior.Locking). Nil otherwise.
	Prior() *Attempt
	// Begin starts an attempt on a card (before its first write).
	Begin(ctx context.Context, c Card) error
	// Log records a step's start or end (a record event; before Begin it
	// is about the claim, e.g. a card refused as not blank).
	Log(ctx context.Context, s Step, o Outcome, detail string) error
	// Finish sets the attempt's final state and gives the record up.
	Finish(ctx context.Context, s State, qrFile, errText string) error
	// Release gives the record up without a new state (nothing was begun,
	// or the station stops).
	Release(ctx context.Context, reason string) error
}

// Options tune a journal.
type Options struct {
	// Lease is how long a claim holds without a journal write from its
	// station (DefaultLease when zero). Stations renew it while they work.
	Lease time.Duration
	// Now is the clock (time.Now when nil); tests move it to expire
	// leases.
	Now func() time.Time
}

// DefaultLease is the default claim lease: long enough for a slow card on
// a slow reader between two journal writes (stations renew it every third
// of it anyway), short enough for a hung station's record to move on.
const DefaultLease = 2 * time.Minute

func (o Options) lease() time.Duration {
	if o.Lease <= 0 {
		return DefaultLease
	}
	return o.Lease
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// IsPostgres reports whether target names a PostgreSQL journal.
func IsPostgres(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// Open opens the journal target names: a postgres:// or postgresql:// URL,
// else a SQLite file (created with mode 0600 when missing).
func Open(ctx context.Context, target string, opt Options) (Journal, error) {
	if IsPostgres(target) {
		return OpenPostgres(ctx, target, opt)
	}
	return OpenSQLite(ctx, target, opt)
}
