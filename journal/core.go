package journal

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// dialect is what differs between the backends; the rules of claims and
// events are written once, in core, over database/sql.
type dialect interface {
	// rebind turns the ? placeholders of a query into the backend's.
	rebind(q string) string
	// forUpdate locks the row a claim reads, skipping a row another
	// claim holds locked ("" where the transaction locks the database).
	forUpdate() string
	// insertStation adds a station row with a new slot, if missing
	// (args: batch, station, reader, started).
	insertStation() string
	// lockSlot takes a station's liveness lock for as long as the
	// station runs; ok is false when another process holds it.
	lockSlot(ctx context.Context, slot int64) (unlock func() error, ok bool, err error)
	// writeLock orders write transactions (a no-op where the database
	// queues them itself).
	writeLock() func()
	// writableCTE: a WITH clause may hold an INSERT (PostgreSQL), so the
	// entry and the batch's new head go in one statement.
	writableCTE() bool
	// slotAlive reports whether some process holds a slot's liveness lock.
	slotAlive(ctx context.Context, q queryer, slot int64) (bool, error)
	where() string
	close() error
}

// queryer is a transaction or the database itself.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// core implements Journal over a dialect.
type core struct {
	db  *sql.DB
	d   dialect
	opt Options
	qs  sync.Map   // query text -> rebound text
	wmu sync.Mutex // one write transaction of this journal at a time
}

func (c *core) q(query string) string {
	if v, ok := c.qs.Load(query); ok {
		return v.(string)
	}
	r := c.d.rebind(query)
	c.qs.Store(query, r)
	return r
}

func (c *core) Where() string { return c.d.where() }

func (c *core) Close() error {
	err := c.db.Close()
	if cerr := c.d.close(); err == nil {
		err = cerr
	}
	return err
}

// tx runs fn in a transaction, committed when fn returns nil. A failure
// of the database itself (disk full, connection lost) names the journal;
// the outcomes of the rules (ErrDone, BusyError, …) pass as they are.
func (c *core) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	defer c.d.writeLock()()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.dbError(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return c.dbError(err)
	}
	return c.dbError(tx.Commit())
}

func (c *core) dbError(err error) error {
	var be *BusyError
	var de *InDoubtError
	switch {
	case err == nil, errors.Is(err, ErrDone), errors.Is(err, ErrClaimLost), errors.Is(err, errSuperseded), errors.Is(err, ErrNoBatch),
		errors.As(err, &be), errors.As(err, &de):
		return err
	}
	return fmt.Errorf("cannot write %s (disk full? database down?): %w", c.Where(), err)
}

// errSuperseded: the station row names another session (a newer process
// of the same station and reader took over after this one lost its
// liveness lock).
var errSuperseded = errors.New("this station was superseded by a newer process of the same station and reader")

// appendEvent numbers ev (per batch, then per station: always in this
// order, so that concurrent transactions take the rows' locks in one
// order), links it to the batch's chain, stores it with its canonical
// form and its hash, and returns it. join, when set, starts the station's
// new session instead of checking it. A checkpoint entry (ev.Checkpoint
// set) gets its counts here and is signed with key, inside the
// transaction: the batch's row is locked from the first statement to the
// commit, so the head it signs is the head, whichever station writes.
func (c *core) appendEvent(ctx context.Context, tx *sql.Tx, ev *Event, session string, join *StationInfo, key *stationKey) error {
	// The chain's head is a column of the batch's row, so it comes back
	// from the statement that locks that row: on PostgreSQL a statement
	// waiting for the lock re-reads the row as the holder committed it,
	// where a read of the events table would see the statement's older
	// snapshot and miss the entry just committed.
	var head string
	if err := tx.QueryRowContext(ctx, c.q(`UPDATE batches SET last_seq = last_seq + 1 WHERE batch = ? RETURNING last_seq, uid, head`), ev.Batch).Scan(&ev.Seq, &ev.BatchID, &head); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("batch %q: %w", ev.Batch, ErrNoBatch)
		}
		return err
	}
	isDone := 0
	if ev.Step == StepFinish && ev.Outcome == Outcome(StateDone) {
		isDone = 1
	}
	cp := ev.Checkpoint
	// sealed: the station's last entry is its closing checkpoint (a
	// session that ends otherwise crashed; the next start says so).
	sealed := 0
	if cp != nil && cp.Reason != ReasonStart && cp.Reason != ReasonEvery {
		sealed = 1
	}
	var err error
	if join != nil {
		err = tx.QueryRowContext(ctx, c.q(`UPDATE stations SET last_seq = last_seq + 1, last_entry = ?, sealed = 0, session = ?, operator = ?, ds_serial = ?, host = ?, pid = ?, started = ?
			WHERE batch = ? AND station = ? AND reader = ? RETURNING last_seq, done`),
			ev.Seq, session, join.Operator, join.DSSerial, join.Host, join.PID, ev.Time, ev.Batch, ev.Station, ev.Reader).Scan(&ev.StationSeq, &ev.stationDone)
	} else {
		err = tx.QueryRowContext(ctx, c.q(`UPDATE stations SET last_seq = last_seq + 1, last_entry = ?, done = done + ?, sealed = ? WHERE batch = ? AND station = ? AND reader = ? AND session = ? RETURNING last_seq, done`),
			ev.Seq, isDone, sealed, ev.Batch, ev.Station, ev.Reader, session).Scan(&ev.StationSeq, &ev.stationDone)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errSuperseded
	}
	if err != nil {
		return err
	}
	ev.Prev = head
	ev.Salt = ""
	if ev.IDNumber != "" {
		ev.Salt = newSalt()
	}
	cpJSON := ""
	if cp != nil {
		// The batch's done cards: the stations' counts (a few rows),
		// read only for a checkpoint.
		var done int64
		if err := tx.QueryRowContext(ctx, c.q(`SELECT COALESCE(SUM(done), 0) FROM stations WHERE batch = ?`), ev.Batch).Scan(&done); err != nil {
			return err
		}
		cp.Done, cp.StationDone = done, ev.stationDone
		if sealed == 1 {
			cp.Reason = ReasonStop
			if key.records > 0 && done >= key.records {
				cp.Reason = ReasonEnd
			}
		}
		if err := key.sign(ev); err != nil {
			return err
		}
		b, _ := json.Marshal(cp) // plain strings and numbers
		cpJSON = string(b)
	}
	canon := ev.Canonical()
	ev.Hash = EntryHash(canon)
	args := []any{ev.Batch, ev.Seq, ev.Station, ev.Reader, ev.StationSeq, ev.Time, ev.IDNumber, ev.Line, ev.Attempt, string(ev.Step), string(ev.Outcome), ev.Operator, ev.Card, ev.Detail,
		ev.Prev, ev.Hash, ev.Salt, cpJSON, canon}
	const insert = `INSERT INTO events (batch, seq, station, reader, station_seq, time, id_number, line, attempt, step, outcome, operator, card, detail, prev, hash, salt, checkpoint, canonical)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	const setHead = `UPDATE batches SET head = ? WHERE batch = ?`
	if c.d.writableCTE() {
		// One round trip for the entry and the new head (PostgreSQL).
		_, err = tx.ExecContext(ctx, c.q(`WITH entry AS (`+insert+`) `+setHead), append(args, ev.Hash, ev.Batch)...)
		return err
	}
	if _, err = tx.ExecContext(ctx, c.q(insert), args...); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, c.q(setHead), ev.Hash, ev.Batch)
	return err
}

func newSession() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}

// Join implements Journal.
func (c *core) Join(ctx context.Context, info StationInfo) (Station, error) {
	for _, f := range []struct{ name, v string }{{"batch", info.Batch}, {"station", info.Station}, {"reader", info.Reader}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, fmt.Errorf("journal: a station needs a %s name", f.name)
		}
	}
	key, err := newStationKey(info)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	now := formatTime(c.opt.now())
	var slot int64
	err = c.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.q(`INSERT INTO batches (batch, created, last_seq, uid, head) VALUES (?, ?, 0, ?, ?) ON CONFLICT (batch) DO NOTHING`),
			info.Batch, now, newSession(), GenesisHash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.q(c.d.insertStation()), info.Batch, info.Station, info.Reader, now); err != nil {
			return err
		}
		// The certificates the checkpoints name go with the journal,
		// so that an audit export carries them.
		for _, cert := range []struct {
			role string
			der  []byte
		}{{"ds", info.DSCert}, {"station", info.KeyCert}} {
			if len(cert.der) == 0 || (cert.role == "station" && key == nil) {
				continue
			}
			if _, err := tx.ExecContext(ctx, c.q(`INSERT INTO certificates (sha256, role, der) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING`),
				CertFingerprint(cert.der), cert.role, base64.StdEncoding.EncodeToString(cert.der)); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, c.q(`SELECT slot FROM stations WHERE batch = ? AND station = ? AND reader = ?`), info.Batch, info.Station, info.Reader).Scan(&slot)
	})
	if err != nil {
		return nil, err
	}
	unlock, ok, err := c.d.lockSlot(ctx, slot)
	if err != nil {
		return nil, fmt.Errorf("journal %s: station lock: %w", c.Where(), err)
	}
	if !ok {
		return nil, &StationRunningError{Station: info.Station, Reader: info.Reader, Journal: c.Where()}
	}
	s := &station{j: c, info: info, key: key, session: newSession(), unlock: unlock, open: map[*claim]bool{}}
	err = c.tx(ctx, func(tx *sql.Tx) error {
		// How the station's previous session ended: with its closing
		// checkpoint (sealed), or not (the process died).
		var lastSeq, lastEntry, sealed int64
		if err := tx.QueryRowContext(ctx, c.q(`SELECT last_seq, last_entry, sealed FROM stations WHERE batch = ? AND station = ? AND reader = ?`),
			info.Batch, info.Station, info.Reader).Scan(&lastSeq, &lastEntry, &sealed); err != nil {
			return err
		}
		detail := fmt.Sprintf("operator %q, DS certificate serial %s, host %s, pid %d", info.Operator, info.DSSerial, info.Host, info.PID)
		if key != nil {
			detail += fmt.Sprintf(", station key %s, checkpoint every %d cards", key.cert[:16], key.every)
		}
		if lastSeq > 0 && sealed == 0 {
			detail += fmt.Sprintf(", previous session ended without its closing checkpoint after entry %d", lastEntry)
		}
		ev := s.event(StepStation, Started, detail)
		if err := c.appendEvent(ctx, tx, &ev, s.session, &info, nil); err != nil {
			return err
		}
		if key == nil {
			return nil
		}
		cp := &Checkpoint{Reason: ReasonStart}
		if lastSeq > 0 && sealed == 0 {
			cp.CrashSeq, cp.CrashStationSeq = lastEntry, lastSeq
		}
		return s.checkpoint(ctx, tx, cp)
	})
	if err != nil {
		unlock()
		return nil, err
	}
	return s, nil
}

// checkpoint appends a signed checkpoint entry of the station.
func (s *station) checkpoint(ctx context.Context, tx *sql.Tx, cp *Checkpoint) error {
	ev := s.event(StepCheckpoint, Succeeded, "")
	ev.Checkpoint = cp
	return s.j.appendEvent(ctx, tx, &ev, s.session, nil, s.key)
}

// station implements Station.
type station struct {
	j       *core
	info    StationInfo
	key     *stationKey // nil: the station signs no checkpoints
	session string
	unlock  func() error
	mu      sync.Mutex
	open    map[*claim]bool
	closed  bool
}

func (s *station) Info() StationInfo { return s.info }

func (s *station) event(step Step, o Outcome, detail string) Event {
	return Event{Batch: s.info.Batch, Station: s.info.Station, Reader: s.info.Reader, Time: formatTime(s.j.opt.now()),
		Step: step, Outcome: o, Operator: s.info.Operator, Detail: detail}
}

// recordRow is what a claim reads of a record.
type recordRow struct {
	state                                State
	attempts, line                       int
	station, reader, card, stage         string
	claimStation, claimReader, claimSess string
	leaseUntil                           string
}

func (s *station) alive(ctx context.Context, tx *sql.Tx, st, reader string) (bool, error) {
	var slot int64
	err := tx.QueryRowContext(ctx, s.j.q(`SELECT slot FROM stations WHERE batch = ? AND station = ? AND reader = ?`), s.info.Batch, st, reader).Scan(&slot)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.j.d.slotAlive(ctx, tx, slot)
}

// Claim implements Station.
func (s *station) Claim(ctx context.Context, id string, line int) (Claim, error) {
	now := s.j.opt.now()
	lease := formatTime(now.Add(s.j.opt.lease()))
	c := &claim{s: s, id: id, line: line}
	err := s.j.tx(ctx, func(tx *sql.Tx) error {
		var r recordRow
		err := tx.QueryRowContext(ctx, s.j.q(`SELECT state, attempts, line, station, reader, card, stage, claim_station, claim_reader, claim_session, lease_until
			FROM records WHERE batch = ? AND id_number = ?`+s.j.d.forUpdate()), s.info.Batch, id).
			Scan(&r.state, &r.attempts, &r.line, &r.station, &r.reader, &r.card, &r.stage, &r.claimStation, &r.claimReader, &r.claimSess, &r.leaseUntil)
		detail := ""
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err := tx.ExecContext(ctx, s.j.q(`INSERT INTO records (batch, id_number, line, state, claim_station, claim_reader, claim_session, lease_until, updated)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (batch, id_number) DO NOTHING`),
				s.info.Batch, id, line, string(StatePending), s.info.Station, s.info.Reader, s.session, lease, formatTime(now))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				// Another station's claim of the same record is in
				// flight (its row is locked or just inserted).
				return &BusyError{Station: "another station", Reader: "?"}
			}
		case err != nil:
			return err
		default:
			if r.state == StateDone {
				return ErrDone
			}
			mine := r.claimStation == s.info.Station && r.claimReader == s.info.Reader
			if r.claimSess != "" && !mine {
				alive, err := s.alive(ctx, tx, r.claimStation, r.claimReader)
				if err != nil {
					return err
				}
				expired := r.leaseUntil < formatTime(now)
				if alive && !expired {
					return &BusyError{Station: r.claimStation, Reader: r.claimReader}
				}
				why := "its station is gone"
				if alive {
					why = "its lease expired at " + r.leaseUntil
				}
				detail = fmt.Sprintf("taken over from station %s (reader %s): %s", r.claimStation, r.claimReader, why)
			}
			here := r.station == s.info.Station && r.reader == s.info.Reader
			if r.stage == stageLock && !here {
				return &InDoubtError{Station: r.station, Reader: r.reader, Card: r.card}
			}
			if here && r.attempts > 0 && (r.state == StateWriting || r.state == StateFailed) {
				c.prior = &Attempt{Number: r.attempts, Station: r.station, Reader: r.reader, Card: r.card, State: r.state, Locking: r.stage == stageLock}
			}
			c.attempt = r.attempts
			if _, err := tx.ExecContext(ctx, s.j.q(`UPDATE records SET claim_station = ?, claim_reader = ?, claim_session = ?, lease_until = ?, updated = ? WHERE batch = ? AND id_number = ?`),
				s.info.Station, s.info.Reader, s.session, lease, formatTime(now), s.info.Batch, id); err != nil {
				return err
			}
		}
		ev := c.event(StepClaim, Succeeded, detail)
		return s.j.appendEvent(ctx, tx, &ev, s.session, nil, nil)
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.open[c] = true
	s.mu.Unlock()
	c.startHeartbeat()
	return c, nil
}

// Close implements Station.
func (s *station) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	open := make([]*claim, 0, len(s.open))
	for c := range s.open {
		open = append(open, c)
	}
	s.mu.Unlock()
	ctx := context.Background()
	var first error
	for _, c := range open {
		c.stopHeartbeat()
		if !c.begun {
			if err := c.Release(ctx, "station stopped"); err != nil && first == nil && !errors.Is(err, ErrClaimLost) {
				first = err
			}
		}
	}
	err := s.j.tx(ctx, func(tx *sql.Tx) error {
		ev := s.event(StepStation, Succeeded, "stopped")
		if err := s.j.appendEvent(ctx, tx, &ev, s.session, nil, nil); err != nil || s.key == nil {
			return err
		}
		// The closing checkpoint, in the same transaction as the stop:
		// a session that ends cleanly always ends signed ("end" when the
		// batch is complete, else "stop").
		return s.checkpoint(ctx, tx, &Checkpoint{})
	})
	if err != nil && first == nil && !errors.Is(err, errSuperseded) {
		first = err
	}
	if err := s.unlock(); err != nil && first == nil {
		first = err
	}
	return first
}

// stageLock marks a record whose attempt reached the LOCK step.
const stageLock = "lock"

// claim implements Claim.
type claim struct {
	s       *station
	id      string
	line    int
	attempt int
	card    Card
	prior   *Attempt
	begun   bool

	hbMu   sync.Mutex
	hbStop chan struct{}
	hbDone chan struct{}
	lost   bool
}

func (c *claim) ID() string      { return c.id }
func (c *claim) Prior() *Attempt { return c.prior }

func (c *claim) event(step Step, o Outcome, detail string) Event {
	ev := c.s.event(step, o, detail)
	ev.IDNumber, ev.Line, ev.Attempt, ev.Card = c.id, c.line, c.attempt, c.card.ID
	return ev
}

// startHeartbeat renews the lease every third of it while the claim is
// held, so that a long card (a slow reader, an operator fetching cards)
// keeps it; every journal write renews it as well.
func (c *claim) startHeartbeat() {
	stop, done := make(chan struct{}), make(chan struct{})
	c.hbMu.Lock()
	c.hbStop, c.hbDone = stop, done
	c.hbMu.Unlock()
	go func() {
		defer close(done)
		t := time.NewTicker(c.s.j.opt.lease() / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				err := c.s.j.tx(context.Background(), func(tx *sql.Tx) error { return c.fenced(context.Background(), tx, "") })
				if errors.Is(err, ErrClaimLost) {
					c.hbMu.Lock()
					c.lost = true
					c.hbMu.Unlock()
					return
				}
			}
		}
	}()
}

func (c *claim) stopHeartbeat() {
	c.hbMu.Lock()
	stop, done := c.hbStop, c.hbDone
	c.hbStop = nil
	c.hbMu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (c *claim) end() {
	c.stopHeartbeat()
	c.s.mu.Lock()
	delete(c.s.open, c)
	c.s.mu.Unlock()
}

// fenced updates the record only while this session holds the claim,
// renewing the lease; set adds assignments ("" for none).
func (c *claim) fenced(ctx context.Context, tx *sql.Tx, set string, args ...any) error {
	now := c.s.j.opt.now()
	if set != "" {
		set += ", "
	}
	args = append(args, formatTime(now.Add(c.s.j.opt.lease())), formatTime(now), c.s.info.Batch, c.id, c.s.session)
	res, err := tx.ExecContext(ctx, c.s.j.q(`UPDATE records SET `+set+`lease_until = ?, updated = ? WHERE batch = ? AND id_number = ? AND claim_session = ?`), args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrClaimLost
	}
	return nil
}

func (c *claim) check() error {
	c.hbMu.Lock()
	defer c.hbMu.Unlock()
	if c.lost {
		return ErrClaimLost
	}
	return nil
}

// Begin implements Claim.
func (c *claim) Begin(ctx context.Context, card Card) error {
	if err := c.check(); err != nil {
		return err
	}
	s := c.s
	return s.j.tx(ctx, func(tx *sql.Tx) error {
		if err := c.fenced(ctx, tx, `state = ?, attempts = attempts + 1, station = ?, reader = ?, operator = ?, card = ?, atr = ?, chip_serial = ?, ds_serial = ?, stage = 'write', error = ''`,
			string(StateWriting), s.info.Station, s.info.Reader, s.info.Operator, card.ID, card.ATR, card.Serial, s.info.DSSerial); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.j.q(`SELECT attempts FROM records WHERE batch = ? AND id_number = ?`), s.info.Batch, c.id).Scan(&c.attempt); err != nil {
			return err
		}
		c.card, c.begun = card, true
		detail := "ATR " + card.ATR
		if card.Serial != "" {
			detail += ", chip serial " + card.Serial
		}
		detail += ", DS certificate serial " + s.info.DSSerial
		ev := c.event(StepBegin, Started, detail)
		return s.j.appendEvent(ctx, tx, &ev, s.session, nil, nil)
	})
}

// Log implements Claim.
func (c *claim) Log(ctx context.Context, step Step, o Outcome, detail string) error {
	if err := c.check(); err != nil {
		return err
	}
	return c.s.j.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if step == StepLock && o == Started {
			// From here the card may be locked: the record is pinned to
			// this station until it looks at the card again.
			err = c.fenced(ctx, tx, "stage = ?", stageLock)
		} else {
			err = c.fenced(ctx, tx, "")
		}
		if err != nil {
			return err
		}
		ev := c.event(step, o, detail)
		return c.s.j.appendEvent(ctx, tx, &ev, c.s.session, nil, nil)
	})
}

// Finish implements Claim.
func (c *claim) Finish(ctx context.Context, st State, qrFile, errText string) error {
	if err := c.check(); err != nil {
		return err
	}
	err := c.s.j.tx(ctx, func(tx *sql.Tx) error {
		// A failure keeps the stage: a record that failed at its LOCK
		// step stays pinned to this station (its card may be locked).
		stage := "stage"
		if st == StateDone || st == StateSpoiled {
			stage = "''"
		}
		res, err := tx.ExecContext(ctx, c.s.j.q(`UPDATE records SET state = ?, qr_file = ?, error = ?, stage = `+stage+`, claim_station = '', claim_reader = '', claim_session = '', lease_until = '', updated = ?
			WHERE batch = ? AND id_number = ? AND claim_session = ?`),
			string(st), qrFile, errText, formatTime(c.s.j.opt.now()), c.s.info.Batch, c.id, c.s.session)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrClaimLost
		}
		ev := c.event(StepFinish, Outcome(st), errText)
		if err := c.s.j.appendEvent(ctx, tx, &ev, c.s.session, nil, nil); err != nil {
			return err
		}
		// Every so many cards, a checkpoint in the card's own
		// transaction: the card is never done without it.
		if k := c.s.key; k != nil && k.every > 0 && st == StateDone && ev.stationDone%k.every == 0 {
			return c.s.checkpoint(ctx, tx, &Checkpoint{Reason: ReasonEvery})
		}
		return nil
	})
	if err == nil {
		c.end()
	}
	return err
}

// Release implements Claim.
func (c *claim) Release(ctx context.Context, reason string) error {
	c.stopHeartbeat()
	err := c.s.j.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, c.s.j.q(`UPDATE records SET claim_station = '', claim_reader = '', claim_session = '', lease_until = '', updated = ?
			WHERE batch = ? AND id_number = ? AND claim_session = ?`), formatTime(c.s.j.opt.now()), c.s.info.Batch, c.id, c.s.session)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrClaimLost
		}
		ev := c.event(StepRelease, Succeeded, reason)
		return c.s.j.appendEvent(ctx, tx, &ev, c.s.session, nil, nil)
	})
	c.end()
	return err
}

const recordCols = `batch, id_number, line, state, attempts, station, reader, operator, card, atr, chip_serial, ds_serial, qr_file, error, claim_station, claim_reader, stage, updated`

func scanRecord(sc interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var cs, cr, stage string
	err := sc.Scan(&r.Batch, &r.IDNumber, &r.Line, &r.State, &r.Attempts, &r.Station, &r.Reader, &r.Operator, &r.Card, &r.ATR, &r.ChipSerial, &r.DSSerial, &r.QRFile, &r.Error, &cs, &cr, &stage, &r.Updated)
	if cs != "" {
		r.ClaimedBy = cs + "/" + cr
	}
	r.Locking = stage == stageLock && r.State != StateDone
	return r, err
}

// Stations implements Journal.
func (c *core) Stations(ctx context.Context, batch string) ([]StationStatus, error) {
	rows, err := c.db.QueryContext(ctx, c.q(`SELECT batch, station, reader, slot, operator, ds_serial, host, pid, started, last_seq FROM stations WHERE batch = ? ORDER BY station, reader`), batch)
	if err != nil {
		return nil, err
	}
	var out []StationStatus
	var slots []int64
	for rows.Next() {
		var s StationStatus
		var slot int64
		if err := rows.Scan(&s.Batch, &s.Station, &s.Reader, &slot, &s.Operator, &s.DSSerial, &s.Host, &s.PID, &s.Started, &s.Events); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
		slots = append(slots, slot)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Alive, err = c.d.slotAlive(ctx, c.db, slots[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Record implements Journal.
func (c *core) Record(ctx context.Context, batch, id string) (*Record, error) {
	r, err := scanRecord(c.db.QueryRowContext(ctx, c.q(`SELECT `+recordCols+` FROM records WHERE batch = ? AND id_number = ?`), batch, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Records implements Journal.
func (c *core) Records(ctx context.Context, batch string) ([]Record, error) {
	rows, err := c.db.QueryContext(ctx, c.q(`SELECT `+recordCols+` FROM records WHERE batch = ? ORDER BY line, id_number`), batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const eventCols = `e.batch, e.seq, e.station, e.reader, e.station_seq, e.time, e.id_number, e.line, e.attempt, e.step, e.outcome, e.operator, e.card, e.detail, e.prev, e.hash, e.salt, e.checkpoint, b.uid`

// eventFrom is the events joined with their batch (for its uid).
const eventFrom = ` FROM events e JOIN batches b ON b.batch = e.batch`

// scanEvent reads a row of eventCols (and the stored canonical form into
// canon when set). A checkpoint column that does not parse leaves the
// event without its checkpoint: the canonical form then differs from the
// row, which is what journal verify reports.
func scanEvent(sc interface{ Scan(...any) error }, canon *string) (Event, error) {
	var e Event
	var cp string
	dest := []any{&e.Batch, &e.Seq, &e.Station, &e.Reader, &e.StationSeq, &e.Time, &e.IDNumber, &e.Line, &e.Attempt, &e.Step, &e.Outcome, &e.Operator, &e.Card, &e.Detail,
		&e.Prev, &e.Hash, &e.Salt, &cp, &e.BatchID}
	if canon != nil {
		dest = append(dest, canon)
	}
	if err := sc.Scan(dest...); err != nil {
		return e, err
	}
	if cp != "" {
		var c Checkpoint
		if json.Unmarshal([]byte(cp), &c) == nil {
			e.Checkpoint = &c
		}
	}
	if e.IDNumber != "" {
		e.Subject = SubjectCommitment(e.Salt, e.IDNumber)
	}
	return e, nil
}

// Events implements Journal.
func (c *core) Events(ctx context.Context, batch string, fn func(Event) error) error {
	return c.events(ctx, batch, func(e Event, _ string) error { return fn(e) })
}

// events passes each event with its stored canonical form ("" batch: all
// batches), in seq order.
func (c *core) events(ctx context.Context, batch string, fn func(Event, string) error) error {
	query, args := `SELECT `+eventCols+`, e.canonical`+eventFrom+` WHERE e.batch = ? ORDER BY e.seq`, []any{batch}
	if batch == "" {
		query, args = `SELECT `+eventCols+`, e.canonical`+eventFrom+` ORDER BY e.batch, e.seq`, nil
	}
	rows, err := c.db.QueryContext(ctx, c.q(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var canon string
		e, err := scanEvent(rows, &canon)
		if err != nil {
			return err
		}
		if err := fn(e, canon); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Counts implements Journal.
func (c *core) Counts(ctx context.Context, batch string) (map[State]int, error) {
	rows, err := c.db.QueryContext(ctx, c.q(`SELECT state, COUNT(*) FROM records WHERE batch = ? GROUP BY state`), batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[State]int{}
	for rows.Next() {
		var s State
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// Batches implements Journal.
func (c *core) Batches(ctx context.Context) ([]BatchInfo, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT batch, created, last_seq FROM batches ORDER BY created, batch`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BatchInfo
	for rows.Next() {
		var b BatchInfo
		if err := rows.Scan(&b.Name, &b.Created, &b.Events); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// schema is the tables, common to both backends (types both take); the
// dialects add their own statements (the stations' slot column, the
// append-only triggers).
var schemaTables = []string{
	`CREATE TABLE IF NOT EXISTS batches (
		batch TEXT PRIMARY KEY,
		created TEXT NOT NULL,
		last_seq BIGINT NOT NULL DEFAULT 0,
		uid TEXT NOT NULL,
		head TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS records (
		batch TEXT NOT NULL,
		id_number TEXT NOT NULL,
		line BIGINT NOT NULL,
		state TEXT NOT NULL,
		attempts BIGINT NOT NULL DEFAULT 0,
		station TEXT NOT NULL DEFAULT '',
		reader TEXT NOT NULL DEFAULT '',
		operator TEXT NOT NULL DEFAULT '',
		card TEXT NOT NULL DEFAULT '',
		atr TEXT NOT NULL DEFAULT '',
		chip_serial TEXT NOT NULL DEFAULT '',
		ds_serial TEXT NOT NULL DEFAULT '',
		stage TEXT NOT NULL DEFAULT '',
		qr_file TEXT NOT NULL DEFAULT '',
		error TEXT NOT NULL DEFAULT '',
		claim_station TEXT NOT NULL DEFAULT '',
		claim_reader TEXT NOT NULL DEFAULT '',
		claim_session TEXT NOT NULL DEFAULT '',
		lease_until TEXT NOT NULL DEFAULT '',
		updated TEXT NOT NULL,
		PRIMARY KEY (batch, id_number))`,
	`CREATE TABLE IF NOT EXISTS events (
		batch TEXT NOT NULL,
		seq BIGINT NOT NULL,
		station TEXT NOT NULL,
		reader TEXT NOT NULL,
		station_seq BIGINT NOT NULL,
		time TEXT NOT NULL,
		id_number TEXT NOT NULL,
		line BIGINT NOT NULL,
		attempt BIGINT NOT NULL,
		step TEXT NOT NULL,
		outcome TEXT NOT NULL,
		operator TEXT NOT NULL,
		card TEXT NOT NULL,
		detail TEXT NOT NULL,
		prev TEXT NOT NULL,
		hash TEXT NOT NULL,
		salt TEXT NOT NULL,
		checkpoint TEXT NOT NULL,
		canonical TEXT NOT NULL,
		PRIMARY KEY (batch, seq),
		UNIQUE (batch, station, reader, station_seq))`,
	// The certificates checkpoints name (by SHA-256): station
	// certificates and Document Signer certificates, DER in base64.
	`CREATE TABLE IF NOT EXISTS certificates (
		sha256 TEXT PRIMARY KEY,
		role TEXT NOT NULL,
		der TEXT NOT NULL)`,
}
