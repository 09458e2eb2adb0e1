package personalize

import (
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver: no cgo for the journal
)

// Record states in the journal.
const (
	StateWriting = "writing" // being written onto a card (see its card column)
	StateDone    = "done"    // written, read back, verified and locked
	StateFailed  = "failed"  // the last attempt failed before locking; retried on --resume
	StateSpoiled = "spoiled" // a card was locked but did not pass; the card is named
)

// Journal is the SQLite record of a batch: every record's state and every
// step, written before and after each step with synchronous=FULL, so that
// after a crash each record is in exactly one known state.
type Journal struct {
	db *sql.DB
}

// OpenJournal opens (or creates) the journal file.
func OpenJournal(path string) (*Journal, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE TABLE IF NOT EXISTS records (
			id_number TEXT PRIMARY KEY,
			line INTEGER NOT NULL,
			state TEXT NOT NULL,
			reader TEXT NOT NULL DEFAULT '',
			card TEXT NOT NULL DEFAULT '',
			atr TEXT NOT NULL DEFAULT '',
			qr_file TEXT NOT NULL DEFAULT '',
			error TEXT NOT NULL DEFAULT '',
			attempts INTEGER NOT NULL DEFAULT 0,
			updated TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS events (
			seq INTEGER PRIMARY KEY AUTOINCREMENT,
			time TEXT NOT NULL,
			id_number TEXT NOT NULL,
			line INTEGER NOT NULL,
			step TEXT NOT NULL,
			outcome TEXT NOT NULL,
			reader TEXT NOT NULL DEFAULT '',
			card TEXT NOT NULL DEFAULT '',
			detail TEXT NOT NULL DEFAULT '')`,
	} {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
	}
	return &Journal{db: db}, nil
}

// Close closes the journal.
func (j *Journal) Close() error { return j.db.Close() }

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// JournalRecord is one record's row.
type JournalRecord struct {
	IDNumber string `json:"id_number"`
	Line     int    `json:"line"`
	State    string `json:"state"`
	Reader   string `json:"reader"`
	Card     string `json:"card"`
	ATR      string `json:"atr"`
	QRFile   string `json:"qr_file"`
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts"`
	Updated  string `json:"updated"`
}

// Get returns a record's row, or nil.
func (j *Journal) Get(id string) (*JournalRecord, error) {
	r := &JournalRecord{}
	err := j.db.QueryRow(`SELECT id_number, line, state, reader, card, atr, qr_file, error, attempts, updated FROM records WHERE id_number = ?`, id).
		Scan(&r.IDNumber, &r.Line, &r.State, &r.Reader, &r.Card, &r.ATR, &r.QRFile, &r.Error, &r.Attempts, &r.Updated)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return r, err
}

// IsDone reports a record already on a locked, verified card.
func (j *Journal) IsDone(id string) bool {
	r, err := j.Get(id)
	return err == nil && r != nil && r.State == StateDone
}

// Step is a step of one card's personalization, as the journal names it.
type Step string

// The steps, in order.
const (
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
)

// Outcome is how a step went.
type Outcome string

const (
	Started Outcome = "started"
	Done    Outcome = "done"
	Failed  Outcome = "failed"
)

// Attempt is one record going onto one card: every event it journals names
// the record, its line, the station and the card.
type Attempt struct {
	j             *Journal
	id            string
	line          int
	station, card string
}

// Begin records that a record goes onto the card of a station (before the
// first APDU): the station's reader, the card's identity and its ATR.
func (j *Journal) Begin(id string, line int, st Station) (*Attempt, error) {
	a := &Attempt{j: j, id: id, line: line, station: st.Reader, card: st.CardID()}
	atr := fmt.Sprintf("%X", st.ATR)
	tx, err := j.db.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t := now()
	if _, err := tx.Exec(`INSERT INTO records (id_number, line, state, reader, card, atr, updated, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
		ON CONFLICT(id_number) DO UPDATE SET state = excluded.state, reader = excluded.reader, card = excluded.card, atr = excluded.atr, error = '', updated = excluded.updated, attempts = attempts + 1`,
		id, line, StateWriting, a.station, a.card, atr, t); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`INSERT INTO events (time, id_number, line, step, outcome, reader, card) VALUES (?, ?, ?, ?, ?, ?, ?)`, t, id, line, StepBegin, Started, a.station, a.card); err != nil {
		return nil, err
	}
	return a, tx.Commit()
}

// Log records a step's start or end.
func (a *Attempt) Log(s Step, o Outcome, detail string) error {
	_, err := a.j.db.Exec(`INSERT INTO events (time, id_number, line, step, outcome, reader, card, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		now(), a.id, a.line, s, o, a.station, a.card, detail)
	return err
}

// Finish sets the record's final state for this attempt.
func (a *Attempt) Finish(state, qrFile, errText string) error {
	tx, err := a.j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t := now()
	if _, err := tx.Exec(`UPDATE records SET state = ?, qr_file = ?, error = ?, updated = ? WHERE id_number = ?`, state, qrFile, errText, t, a.id); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO events (time, id_number, line, step, outcome, reader, card, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t, a.id, a.line, StepFinish, state, a.station, a.card, errText); err != nil {
		return err
	}
	return tx.Commit()
}

// Records lists every record's row in line order.
func (j *Journal) Records() ([]JournalRecord, error) {
	rows, err := j.db.Query(`SELECT id_number, line, state, reader, card, atr, qr_file, error, attempts, updated FROM records ORDER BY line`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JournalRecord
	for rows.Next() {
		var r JournalRecord
		if err := rows.Scan(&r.IDNumber, &r.Line, &r.State, &r.Reader, &r.Card, &r.ATR, &r.QRFile, &r.Error, &r.Attempts, &r.Updated); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Event is one journal event.
type Event struct {
	Seq      int    `json:"seq"`
	Time     string `json:"time"`
	IDNumber string `json:"id_number"`
	Line     int    `json:"line"`
	Step     string `json:"step"`
	Outcome  string `json:"outcome"`
	Reader   string `json:"reader,omitempty"`
	Card     string `json:"card,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// Events lists every event in order.
func (j *Journal) Events() ([]Event, error) {
	rows, err := j.db.Query(`SELECT seq, time, id_number, line, step, outcome, reader, card, detail FROM events ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Seq, &e.Time, &e.IDNumber, &e.Line, &e.Step, &e.Outcome, &e.Reader, &e.Card, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Counts returns how many records are in each state.
func (j *Journal) Counts() (map[string]int, error) {
	rows, err := j.db.Query(`SELECT state, COUNT(*) FROM records GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
