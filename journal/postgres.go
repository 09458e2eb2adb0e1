package journal

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// advisoryNamespace is the first key of the journal's advisory locks
// ("cccd"); the second is a station's slot (0 serialises schema set-up).
const advisoryNamespace = 0x63636364

// pgDialect is the PostgreSQL backend: stations on several machines share
// one batch. A claim reads its record row FOR UPDATE SKIP LOCKED (a row
// another station is claiming this instant is passed over, not waited
// for); a station's liveness lock is a session advisory lock held on a
// connection of its own, which the server drops when the station's
// process or machine goes away.
type pgDialect struct {
	db   *sql.DB
	name string
}

func (d *pgDialect) rebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (d *pgDialect) forUpdate() string { return " FOR UPDATE SKIP LOCKED" }

func (d *pgDialect) insertStation() string {
	return `INSERT INTO stations (batch, station, reader, started) VALUES (?, ?, ?, ?) ON CONFLICT (batch, station, reader) DO NOTHING`
}

func (d *pgDialect) lockSlot(ctx context.Context, slot int64) (func() error, bool, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, advisoryNamespace, slot).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, err
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() error {
		// Closing the connection would return it to the pool with the
		// lock still held: unlock first, then drop the connection.
		conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, advisoryNamespace, slot)
		// ErrBadConn makes database/sql close the connection rather than
		// pool it: whatever the unlock did, the lock dies with it.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		// The connection is closed by then; Close says so.
		if err := conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
			return err
		}
		return nil
	}, true, nil
}

func (d *pgDialect) slotAlive(ctx context.Context, q queryer, slot int64) (bool, error) {
	// pg_locks shows the advisory lock of the two-key form with the keys
	// in classid and objid and objsubid 2; asking takes no lock.
	var alive bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2)`, advisoryNamespace, slot).Scan(&alive)
	return alive, err
}

func (d *pgDialect) writeLock() func() { return func() {} }
func (d *pgDialect) writableCTE() bool { return true }
func (d *pgDialect) where() string     { return d.name }
func (d *pgDialect) close() error      { return nil }

// redact gives a URL for messages: the password never leaves.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// OpenPostgres opens the PostgreSQL journal at url (postgres://user@host/db),
// creating its tables on first use.
func OpenPostgres(ctx context.Context, target string, opt Options) (Journal, error) {
	name := redact(target)
	db, err := sql.Open("pgx", target)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", name, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal %s: %w", name, err)
	}
	j := &core{db: db, d: &pgDialect{db: db, name: name}, opt: opt}
	if err := pgSchema(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal %s: %w", name, err)
	}
	return j, nil
}

func pgSchema(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Stations starting together must not create the tables together.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, advisoryNamespace); err != nil {
		return err
	}
	stmts := append([]string{`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`}, schemaTables...)
	stmts = append(stmts,
		`CREATE TABLE IF NOT EXISTS stations (
			batch TEXT NOT NULL,
			station TEXT NOT NULL,
			reader TEXT NOT NULL,
			slot BIGSERIAL UNIQUE,
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
		`CREATE OR REPLACE FUNCTION cccd_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'journal events are append-only'; END $$`,
		`CREATE OR REPLACE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
			FOR EACH ROW EXECUTE FUNCTION cccd_events_append_only()`,
		`INSERT INTO meta (key, value) VALUES ('schema', '`+schemaVersion+`') ON CONFLICT (key) DO NOTHING`,
	)
	return applySchema(ctx, tx, stmts)
}
