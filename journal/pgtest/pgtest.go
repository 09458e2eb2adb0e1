// Package pgtest runs a private PostgreSQL server for tests: a cluster
// made by initdb in a temporary directory, listening on 127.0.0.1 only on a
// free port (and a Unix socket in that directory, never the system one),
// stopped and removed when the test ends. Tests get real PostgreSQL — the
// journal's row locks, advisory locks and triggers are the server's own —
// and never touch a system cluster.
//
// The binaries come from Debian's postgresql package
// (/usr/lib/postgresql/N/bin, the newest N), or $CCCD_PG_BIN. Run as root,
// the server runs as the postgres user (initdb refuses root).
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Server is a running private PostgreSQL server.
type Server struct {
	dir, data, bin string
	port           int
	runAs          *user.User
	dbs            atomic.Int64
	stopOnce       sync.Once
}

// binDir finds the PostgreSQL server binaries.
func binDir() (string, error) {
	if d := os.Getenv("CCCD_PG_BIN"); d != "" {
		return d, nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(m) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("no PostgreSQL server binaries: apt-get install postgresql (or set CCCD_PG_BIN)")
	}
	sort.Slice(m, func(i, j int) bool { return version(m[i]) > version(m[j]) })
	return filepath.Dir(m[0]), nil
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// command runs a server binary, as the postgres user when we are root.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.runAs != nil {
		return exec.Command("runuser", append([]string{"-u", s.runAs.Username, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (s *Server) run(name string, args ...string) error {
	cmd := s.command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// Start starts a server for the calling test and stops it when the test
// ends. A server that cannot start fails the test (never skips it).
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// New starts a server; Stop must be called.
func New() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cccd-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, data: filepath.Join(dir, "data"), bin: bin}
	fail := func(err error) (*Server, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root needs the postgres user (Debian's postgresql package makes it): %v", err))
		}
		s.runAs = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The server's user owns the cluster directory and can reach it.
		if err := os.Chmod(dir, 0o755); err != nil {
			return fail(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
	}
	if err := s.run("initdb", "-D", s.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return fail(err)
	}
	// A port found free may be taken before the server binds it: try a
	// few.
	for try := 0; ; try++ {
		if s.port, err = freePort(); err != nil {
			return fail(err)
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200 -c fsync=on", s.port, s.dir)
		err = s.run("pg_ctl", "-D", s.data, "-l", filepath.Join(s.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			break
		}
		if try == 3 {
			log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
			return fail(fmt.Errorf("%v\n%s", err, log))
		}
	}
	return s, nil
}

// URL is the server's postgres database.
func (s *Server) URL() string { return s.urlFor("postgres") }

func (s *Server) urlFor(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// NewDatabase creates an empty database for one test and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	db, err := sql.Open("pgx", s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return s.urlFor(name)
}

// Stop stops the server at once (no checkpoint: the data goes too) and
// removes its directory.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(s.dir)
	})
}

var shared struct {
	sync.Mutex
	s   *Server
	err error
}

// Shared is one server for a whole test binary (initdb once); the
// package's TestMain must call StopShared after m.Run.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.s == nil && shared.err == nil {
		shared.s, shared.err = New()
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.s
}

// StopShared stops the shared server, if one was started.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	if shared.s != nil {
		shared.s.Stop()
		shared.s = nil
	}
}
