package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // pure-Go SQLite driver: no cgo for the journal
)

// schemaVersion is the journal's layout; a journal of another layout is
// refused rather than misread. Layout 3 chains the events (prev, hash,
// salt, checkpoint) and keeps the certificates checkpoints name.
const schemaVersion = "3"

// applySchema runs a store's schema statements in tx and commits it if the
// journal's layout is this cccd's (schemaVersion); an older journal is
// refused by name (layoutError), never migrated half-way.
func applySchema(ctx context.Context, tx *sql.Tx, stmts []string) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	var v string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema'`).Scan(&v); err != nil {
		return err
	}
	if v != schemaVersion {
		return layoutError(v)
	}
	return tx.Commit()
}

// layoutError refuses a journal of another layout.
func layoutError(v string) error {
	if n, err := strconv.Atoi(v); err == nil && n < 3 {
		return fmt.Errorf("this journal has layout %s, written by an older cccd before the hash chain (this one writes layout %s): finish its batches with that version, or give a new --journal", v, schemaVersion)
	}
	return fmt.Errorf("this journal has layout %s, written by a newer cccd (this one reads layout %s)", v, schemaVersion)
}

// sqliteDialect is the SQLite backend: one file, WAL with
// synchronous=FULL, write transactions taken at BEGIN (BEGIN IMMEDIATE,
// so that a claim's read and write cannot interleave with another
// process's), stations' liveness locks as byte-range locks on a lock file
// beside the journal.
type sqliteDialect struct {
	path  string
	locks *slotLocks
}

func (d *sqliteDialect) rebind(q string) string { return q }
func (d *sqliteDialect) forUpdate() string      { return "" }
func (d *sqliteDialect) insertStation() string {
	return `INSERT INTO stations (batch, station, reader, started, slot)
		SELECT ?, ?, ?, ?, COALESCE(MAX(slot), 0) + 1 FROM stations WHERE true
		ON CONFLICT (batch, station, reader) DO NOTHING`
}
func (d *sqliteDialect) lockSlot(ctx context.Context, slot int64) (func() error, bool, error) {
	return d.locks.lock(slot)
}
func (d *sqliteDialect) slotAlive(ctx context.Context, q queryer, slot int64) (bool, error) {
	return d.locks.held(slot)
}
func (d *sqliteDialect) writeLock() func() { return d.locks.writeLock() }
func (d *sqliteDialect) writableCTE() bool { return false }
func (d *sqliteDialect) where() string     { return d.path }
func (d *sqliteDialect) close() error      { return d.locks.close() }

// sqliteURI is the driver's name for the file at path: a file: URI with
// the path percent-encoded, so that '#', '?' and '%' in a file name stay
// part of it (a raw path is cut at '#', and its pragmas dropped).
func sqliteURI(abs string) string {
	return "file:" + (&url.URL{Path: abs}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(15000)&_txlock=immediate"
}

// sqliteMagic starts every SQLite database file (the SQLite file format,
// §1.3 "The Database Header").
const sqliteMagic = "SQLite format 3\x00"

// errNotJournal: the file is something else than a SQLite journal.
var errNotJournal = errors.New("the file is not a SQLite journal (or it is corrupt)")

// checkSQLiteHeader tells a SQLite file from anything else by its first
// 16 bytes.
func checkSQLiteHeader(f *os.File) error {
	var b [len(sqliteMagic)]byte
	if _, err := io.ReadFull(f, b[:]); err != nil || string(b[:]) != sqliteMagic {
		return errNotJournal
	}
	return nil
}

// OpenSQLite opens (or creates) the SQLite journal at path. The file holds
// ID numbers: it is created with mode 0600, and an existing one readable
// by others is narrowed to 0600 (SQLite gives its -wal and -shm files the
// same mode).
func OpenSQLite(ctx context.Context, path string, opt Options) (Journal, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() > 0 {
		err = checkSQLiteHeader(f)
	}
	f.Close()
	if err != nil {
		// Before any mode change, lock file or SQLite side file: a file
		// given by mistake (the input, a report) is left as it was.
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(abs, 0o600); err != nil {
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
	}
	locks, err := openSlotLocks(abs + "-lock")
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", sqliteURI(abs))
	if err != nil {
		locks.close()
		return nil, err
	}
	// One connection: the stations of a process take turns (each write is
	// short), other processes wait on the busy timeout.
	db.SetMaxOpenConns(1)
	j := &core{db: db, d: &sqliteDialect{path: path, locks: locks}, opt: opt}
	if err := sqliteSchema(ctx, db); err != nil {
		j.Close()
		if strings.Contains(err.Error(), "not a database") {
			err = errNotJournal
		}
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return j, nil
}

func sqliteSchema(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// A journal of cccd before batches had a records table without a
	// batch column: refuse it rather than mix two layouts.
	var legacy int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'records'
		AND NOT EXISTS (SELECT 1 FROM pragma_table_info('records') WHERE name = 'batch')`).Scan(&legacy); err != nil {
		return err
	}
	if legacy > 0 {
		return errors.New("this journal was written by an older cccd (no batches, no claims): finish its batch with that version, or give a new --journal")
	}
	stmts := append([]string{
		`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	}, schemaTables...)
	stmts = append(stmts,
		`CREATE TABLE IF NOT EXISTS stations (
			batch TEXT NOT NULL,
			station TEXT NOT NULL,
			reader TEXT NOT NULL,
			slot BIGINT NOT NULL UNIQUE,
			session TEXT NOT NULL DEFAULT '',
			operator TEXT NOT NULL DEFAULT '',
			ds_serial TEXT NOT NULL DEFAULT '',
			host TEXT NOT NULL DEFAULT '',
			pid BIGINT NOT NULL DEFAULT 0,
			started TEXT NOT NULL,
			last_seq BIGINT NOT NULL DEFAULT 0,
			last_entry BIGINT NOT NULL DEFAULT 0,
			done BIGINT NOT NULL DEFAULT 0,
			sealed BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (batch, station, reader))`,
		`CREATE INDEX IF NOT EXISTS records_line ON records (batch, line)`,
		`CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END`,
		`CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END`,
		`INSERT INTO meta (key, value) VALUES ('schema', '`+schemaVersion+`') ON CONFLICT (key) DO NOTHING`,
	)
	return applySchema(ctx, tx, stmts)
}
