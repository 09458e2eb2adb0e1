package journal

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/journal/pgtest"
	"github.com/cccd-vn/cccd/pki"
)

func TestMain(m *testing.M) {
	if os.Getenv("JOURNAL_TEST_CHILD") != "" {
		childMain()
		return
	}
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// childMain is a station in a process of its own: it joins, claims and
// begins the records of $JOURNAL_IDS (logging the LOCK step when
// $JOURNAL_LOCK is set), says "ready" and waits to be killed.
func childMain() {
	ctx := context.Background()
	j, err := Open(ctx, os.Getenv("JOURNAL_TARGET"), Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	info := StationInfo{Batch: "b", Station: os.Getenv("JOURNAL_STATION"), Reader: "r"}
	if kf := os.Getenv("JOURNAL_KEY"); kf != "" {
		// A station with a station key: its checkpoints are signed.
		if info.Key, err = pki.LoadSigner(kf); err == nil {
			info.KeyCert, err = os.ReadFile(os.Getenv("JOURNAL_CERT"))
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		info.CheckpointEvery, _ = strconv.Atoi(os.Getenv("JOURNAL_EVERY"))
	}
	st, err := j.Join(ctx, info)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	// $JOURNAL_DONE: cards finished done first (they count for the
	// station's checkpoints).
	for _, id := range strings.Split(os.Getenv("JOURNAL_DONE"), ",") {
		if id == "" {
			continue
		}
		if err := cardEvents(ctx, st, id); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	for i, id := range strings.Split(os.Getenv("JOURNAL_IDS"), ",") {
		if id == "" {
			continue
		}
		c, err := st.Claim(ctx, id, i+1)
		if err == nil {
			err = c.Begin(ctx, Card{ID: "card-" + id, ATR: "3B00"})
		}
		if err == nil && os.Getenv("JOURNAL_LOCK") != "" {
			err = c.Log(ctx, StepLock, Started, "")
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}

// killedStation runs childMain in a child process and kills it with
// SIGKILL once its claims are made: a station that died mid-card.
func killedStation(t *testing.T, target, station string, lock bool, ids ...string) {
	t.Helper()
	killedStationEnv(t, nil, target, station, lock, ids...)
}

// killedStationEnv is killedStation with more of the child's environment
// (a station key, cards done first).
func killedStationEnv(t *testing.T, env []string, target, station string, lock bool, ids ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "JOURNAL_TEST_CHILD=1", "JOURNAL_TARGET="+target, "JOURNAL_STATION="+station, "JOURNAL_IDS="+strings.Join(ids, ","))
	cmd.Env = append(cmd.Env, env...)
	if lock {
		cmd.Env = append(cmd.Env, "JOURNAL_LOCK=1")
	}
	in, _ := cmd.StdinPipe()
	defer in.Close()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child station: %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
}

type backend struct {
	name   string
	target func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "journal.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.Shared(t).NewDatabase(t) }},
}

func each(t *testing.T, fn func(t *testing.T, target string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.target(t)) })
	}
}

func open(t *testing.T, target string, opt Options) Journal {
	t.Helper()
	j, err := Open(context.Background(), target, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func join(t *testing.T, j Journal, station string) Station {
	t.Helper()
	s, err := j.Join(context.Background(), StationInfo{Batch: "b", Station: station, Reader: "r", Operator: "op-" + station, DSSerial: "1f"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkEvents: seq runs 1, 2, 3… per batch and station_seq 1, 2, 3… per
// station; every stored canonical form is the row's own.
func checkEvents(t *testing.T, j Journal) int {
	t.Helper()
	var n int64
	per := map[string]int64{}
	err := j.(interface {
		events(context.Context, string, func(Event, string) error) error
	}).events(context.Background(), "b", func(e Event, canon string) error {
		n++
		if e.Seq != n {
			return fmt.Errorf("event %d has seq %d", n, e.Seq)
		}
		k := e.Station + "/" + e.Reader
		per[k]++
		if e.StationSeq != per[k] {
			return fmt.Errorf("event seq %d: station_seq %d, want %d", e.Seq, e.StationSeq, per[k])
		}
		if canon != e.Canonical() {
			return fmt.Errorf("event seq %d: stored canonical form %s differs from %s", e.Seq, canon, e.Canonical())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestClaimLifecycle(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		j := open(t, target, Options{})
		a := join(t, j, "A")
		c, err := a.Claim(ctx, "001099012345", 2)
		if err != nil || c.Prior() != nil {
			t.Fatal(err, c.Prior())
		}
		if err := c.Begin(ctx, Card{ID: "emu:x.card", ATR: "3B8A80", Serial: "S1"}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []Step{StepWrite, StepReadback, StepLock} {
			if err := c.Log(ctx, s, Started, ""); err != nil {
				t.Fatal(err)
			}
			if err := c.Log(ctx, s, Succeeded, `<"quoted" & unicode ữ>`); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Finish(ctx, StateDone, "qr/001099012345.png", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Claim(ctx, "001099012345", 2); !errors.Is(err, ErrDone) {
			t.Fatalf("claim of a done record: %v", err)
		}
		r, err := j.Record(ctx, "b", "001099012345")
		if err != nil || r == nil {
			t.Fatal(err)
		}
		if r.State != StateDone || r.Attempts != 1 || r.Card != "emu:x.card" || r.ATR != "3B8A80" || r.ChipSerial != "S1" || r.DSSerial != "1f" || r.Operator != "op-A" || r.Station != "A" || r.ClaimedBy != "" || r.Line != 2 {
			t.Fatalf("record %+v", r)
		}
		if n := checkEvents(t, j); n != 10 { // station, claim, begin, 6 steps, finish
			t.Fatalf("%d events", n)
		}
		counts, _ := j.Counts(ctx, "b")
		if counts[StateDone] != 1 || len(counts) != 1 {
			t.Fatalf("counts %v", counts)
		}
		bs, _ := j.Batches(ctx)
		if len(bs) != 1 || bs[0].Name != "b" {
			t.Fatalf("batches %+v", bs)
		}
	})
}

func TestSecondStationIsRefused(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		j := open(t, target, Options{})
		join(t, j, "A")
		_, err := j.Join(context.Background(), StationInfo{Batch: "b", Station: "A", Reader: "r"})
		var sr *StationRunningError
		if !errors.As(err, &sr) || !strings.Contains(err.Error(), "already running") {
			t.Fatalf("second station A: %v", err)
		}
		// Another journal object (another process would be the same).
		j2 := open(t, target, Options{})
		if _, err := j2.Join(context.Background(), StationInfo{Batch: "b", Station: "A", Reader: "r"}); !errors.As(err, &sr) {
			t.Fatalf("station A from a second opening: %v", err)
		}
		join(t, j2, "B")
	})
}

func TestBusyWhileHolderLives(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		j := open(t, target, Options{})
		a, b := join(t, j, "A"), join(t, j, "B")
		if _, err := a.Claim(ctx, "1", 1); err != nil {
			t.Fatal(err)
		}
		var be *BusyError
		if _, err := b.Claim(ctx, "1", 1); !errors.As(err, &be) || be.Station != "A" {
			t.Fatalf("claim held by a living station: %v", err)
		}
		// A station closing gives back what it never began.
		a.Close()
		if _, err := b.Claim(ctx, "1", 1); err != nil {
			t.Fatalf("after A closed: %v", err)
		}
		checkEvents(t, j)
	})
}

// TestTakeoverFromKilledStation: a station killed with SIGKILL mid-card
// loses its claims at once (no lease to wait for); a record that reached
// LOCK stays with it.
func TestTakeoverFromKilledStation(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		killedStation(t, target, "A", false, "1", "2")
		killedStation(t, target, "L", true, "3")
		j := open(t, target, Options{})
		b := join(t, j, "B")
		c, err := b.Claim(ctx, "1", 1)
		if err != nil || c.Prior() != nil {
			t.Fatalf("takeover: %v %+v", err, c.Prior())
		}
		if err := c.Begin(ctx, Card{ID: "cardB", ATR: "3B"}); err != nil {
			t.Fatal(err)
		}
		if err := c.Finish(ctx, StateDone, "", ""); err != nil {
			t.Fatal(err)
		}
		var id *InDoubtError
		if _, err := b.Claim(ctx, "3", 3); !errors.As(err, &id) || id.Station != "L" || id.Card != "card-3" {
			t.Fatalf("record at LOCK on a dead station: %v", err)
		}
		// The same station, restarted, finds its own attempts.
		a := join(t, j, "A")
		c2, err := a.Claim(ctx, "2", 2)
		if err != nil || c2.Prior() == nil || c2.Prior().Card != "card-2" || c2.Prior().Locking {
			t.Fatalf("A resumed: %v %+v", err, c2.Prior())
		}
		l := join(t, j, "L")
		c3, err := l.Claim(ctx, "3", 3)
		if err != nil || c3.Prior() == nil || !c3.Prior().Locking {
			t.Fatalf("L resumed: %v %+v", err, c3.Prior())
		}
		sts, err := j.Stations(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		alive := map[string]bool{}
		for _, s := range sts {
			alive[s.Station] = s.Alive
		}
		if len(sts) != 3 || !alive["A"] || !alive["B"] || !alive["L"] {
			t.Fatalf("stations %+v", sts)
		}
		b.Close()
		sts, _ = j.Stations(ctx, "b")
		for _, s := range sts {
			if s.Station == "B" && s.Alive {
				t.Fatal("a closed station is alive")
			}
		}
		var detail string
		j.Events(ctx, "b", func(e Event) error {
			if e.Step == StepClaim && e.IDNumber == "1" && e.Station == "B" {
				detail = e.Detail
			}
			return nil
		})
		if !strings.Contains(detail, "taken over from station A") || !strings.Contains(detail, "gone") {
			t.Fatalf("takeover event: %q", detail)
		}
		checkEvents(t, j)
	})
}

// TestLeaseExpiry: a station that hangs (alive, silent) loses its claim
// when the lease runs out, and its next write is refused. The clock is the
// journal's own, moved by the test.
func TestLeaseExpiry(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		j := open(t, target, Options{Lease: time.Hour, Now: clock})
		a, b := join(t, j, "A"), join(t, j, "B")
		ca, err := a.Claim(ctx, "1", 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := ca.Begin(ctx, Card{ID: "cardA"}); err != nil {
			t.Fatal(err)
		}
		now.Add(int64(59 * time.Minute))
		ca.Log(ctx, StepWrite, Started, "") // renews the lease
		now.Add(int64(59 * time.Minute))
		var be *BusyError
		if _, err := b.Claim(ctx, "1", 1); !errors.As(err, &be) {
			t.Fatalf("within the renewed lease: %v", err)
		}
		now.Add(int64(2 * time.Minute))
		cb, err := b.Claim(ctx, "1", 1)
		if err != nil {
			t.Fatalf("after the lease: %v", err)
		}
		if err := ca.Log(ctx, StepWrite, Succeeded, ""); !errors.Is(err, ErrClaimLost) {
			t.Fatalf("the hung station's write: %v", err)
		}
		if err := ca.Finish(ctx, StateDone, "", ""); !errors.Is(err, ErrClaimLost) {
			t.Fatalf("the hung station's finish: %v", err)
		}
		if err := cb.Begin(ctx, Card{ID: "cardB"}); err != nil {
			t.Fatal(err)
		}
		if err := cb.Finish(ctx, StateDone, "", ""); err != nil {
			t.Fatal(err)
		}
		r, _ := j.Record(ctx, "b", "1")
		if r.State != StateDone || r.Card != "cardB" || r.Attempts != 2 {
			t.Fatalf("%+v", r)
		}
		checkEvents(t, j)
	})
}

// TestConcurrentClaims: stations racing over the same records (goroutines
// and separate journal connections) each get a record at most once.
func TestConcurrentClaims(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		const n, stations = 40, 4
		var got sync.Map
		var wg sync.WaitGroup
		var dup atomic.Int32
		for s := 0; s < stations; s++ {
			j := open(t, target, Options{})
			st := join(t, j, fmt.Sprintf("S%d", s))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					id := fmt.Sprint(i)
					c, err := st.Claim(ctx, id, i+1)
					var be *BusyError
					if errors.Is(err, ErrDone) || errors.As(err, &be) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					if _, loaded := got.LoadOrStore(id, st.Info().Station); loaded {
						dup.Add(1)
					}
					if err := c.Begin(ctx, Card{ID: "c" + id}); err != nil {
						t.Error(err)
						return
					}
					if err := c.Finish(ctx, StateDone, "", ""); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if dup.Load() != 0 {
			t.Fatalf("%d records done twice", dup.Load())
		}
		j := open(t, target, Options{})
		counts, _ := j.Counts(ctx, "b")
		if counts[StateDone] != n {
			t.Fatalf("counts %v", counts)
		}
		checkEvents(t, j)
	})
}

func TestEventsAppendOnly(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		j := open(t, target, Options{})
		join(t, j, "A")
		db := j.(*core).db
		for _, q := range []string{`UPDATE events SET detail = 'x'`, `DELETE FROM events`} {
			if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}

func TestReport(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		var now atomic.Int64
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		now.Store(t0.UnixNano())
		j := open(t, target, Options{Now: func() time.Time { return time.Unix(0, now.Load()) }})
		a, b := join(t, j, "A"), join(t, j, "B")
		card := func(st Station, id string, end State, minutes int) {
			c, err := st.Claim(ctx, id, 1)
			if err != nil {
				t.Fatal(err)
			}
			c.Begin(ctx, Card{ID: id})
			now.Add(int64(time.Duration(minutes) * time.Minute))
			if err := c.Finish(ctx, end, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		card(a, "1", StateDone, 10)    // 08:00-08:10
		card(a, "2", StateDone, 10)    // 08:10-08:20
		card(b, "3", StateFailed, 5)   // 08:20-08:25
		card(a, "4", StateSpoiled, 40) // 08:25-09:05
		card(b, "3", StateDone, 5)     // 09:05-09:10
		rep, err := j.Report(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		want := []ReportRow{
			{Hour: "2026-03-01T08:00Z", Station: "A", Operator: "op-A", Done: 2, Yield: 1, PerHour: 6},
			{Hour: "2026-03-01T08:00Z", Station: "B", Operator: "op-B", Failed: 1},
			{Hour: "2026-03-01T09:00Z", Station: "A", Operator: "op-A", Spoiled: 1},
			{Hour: "2026-03-01T09:00Z", Station: "B", Operator: "op-B", Done: 1, Yield: 1, PerHour: 12},
		}
		if len(rep.Rows) != len(want) {
			t.Fatalf("%+v", rep.Rows)
		}
		for i, w := range want {
			g := rep.Rows[i]
			g.first, g.last = time.Time{}, time.Time{}
			if g != w {
				t.Fatalf("row %d: %+v, want %+v", i, g, w)
			}
		}
		if tot := rep.Total; tot.Done != 3 || tot.Failed != 1 || tot.Spoiled != 1 || tot.Yield != 0.6 || math.Abs(tot.PerHour-3/(70.0/60)) > 1e-9 {
			t.Fatalf("total %+v", tot)
		}
	})
}

// TestSQLiteFileName: a journal beside 'batch#1.jsonl' is that file (a raw
// path in the driver's URI would be cut at '#'), in WAL mode, mode 0600.
func TestSQLiteFileName(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"batch#1.jsonl.journal.db", "a?b%20c d.db"} {
		path := filepath.Join(dir, name)
		j := open(t, path, Options{})
		join(t, j, "A")
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v", name, st.Mode())
		}
		if _, err := os.Stat(path + "-wal"); err != nil {
			t.Fatalf("%s: no WAL file: %v", name, err)
		}
		var mode string
		j.(*core).db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		if mode != "wal" {
			t.Fatalf("%s: journal_mode %s", name, mode)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "batch")); err == nil {
		t.Fatal("a file named 'batch' was made")
	}
	// An existing journal readable by others is narrowed to 0600.
	path := filepath.Join(dir, "wide.db")
	os.WriteFile(path, nil, 0o644)
	open(t, path, Options{})
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
}

func TestSQLiteRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`CREATE TABLE records (id_number TEXT PRIMARY KEY, line INTEGER)`)
	db.Close()
	if _, err := OpenSQLite(context.Background(), old, Options{}); err == nil || !strings.Contains(err.Error(), "older cccd") {
		t.Fatalf("legacy journal: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a database ", 400)), 0o600)
	if _, err := OpenSQLite(context.Background(), junk, Options{}); err == nil || !strings.Contains(err.Error(), "not a SQLite journal") {
		t.Fatalf("junk file: %v", err)
	}
}

// TestCanonicalForm: the hashed form, byte for byte (the commitment
// computed independently: Python's hashlib gave the same), with the ID
// number nowhere in it, a text holding a literal "\u003c", U+2028 and
// invalid UTF-8, and a checkpoint.
func TestCanonicalForm(t *testing.T) {
	e := Event{Batch: "b", BatchID: "9f", Seq: 3, Prev: GenesisHash, Station: "pc1", Reader: "Virtual PCD 00 00", StationSeq: 2, Time: "2026-03-01T08:00:00.000000000Z",
		IDNumber: "001099012345", Salt: "00112233445566778899aabbccddeeff", Line: 7, Attempt: 1, Step: StepLock, Outcome: Started, Operator: "Lan",
		Card: "emu:cards/001099012345.card", Detail: `a<b & "c"` + "\n\\u003c\u2028\xff"}
	want := `{"v":2,"batch":"b","batch_id":"9f","seq":3,"prev":"` + GenesisHash + `","station":"pc1","reader":"Virtual PCD 00 00","station_seq":2,"time":"2026-03-01T08:00:00.000000000Z",` +
		`"subject":"bd56259b623ddae0634ce18594fc8772ad4578ae56042e9f3e95005997d732a8","line":7,"attempt":1,"step":"lock","outcome":"started","operator":"Lan",` +
		`"card":"emu:cards/${id}.card","detail":"a<b & \"c\"\n\\u003c\u2028` + "\ufffd" + `"}`
	got := e.Canonical()
	if got != want {
		t.Fatalf("\n%s\n%s", got, want)
	}
	if strings.Contains(got, e.IDNumber) {
		t.Fatal("the ID number is in the canonical form")
	}
	// It is JSON, and reads back to the same bytes.
	var back canonicalEntry
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatal(err)
	}
	if again := back.event().Canonical(); again != got {
		t.Fatalf("read back:\n%s\n%s", again, got)
	}
	cp := Event{Batch: "b", BatchID: "9f", Seq: 4, Prev: EntryHash(got), Station: "pc1", Reader: "r", StationSeq: 3, Time: "2026-03-01T08:00:01.000000000Z", Step: StepCheckpoint, Outcome: Succeeded,
		Checkpoint: &Checkpoint{Reason: ReasonEvery, Done: 100, StationDone: 50, Records: 500, Every: 50, DSCert: "d5", DSSerial: "1f", Key: "ab", Alg: "ecdsa-sha256", Sig: "c2ln"}}
	wantCP := `,"checkpoint":{"reason":"every","done":100,"station_done":50,"records":500,"every":50,"crash_seq":0,"crash_station_seq":0,"ds_cert":"d5","ds_serial":"1f","key":"ab","alg":"ecdsa-sha256","sig":"c2ln"}}`
	if got := cp.Canonical(); !strings.HasSuffix(got, wantCP) || !strings.Contains(got, `"subject":"",`) {
		t.Fatalf("checkpoint: %s", got)
	}
	if msg := string(CheckpointMessage(cp)); !strings.HasPrefix(msg, "cccd journal checkpoint v2\n{") || !strings.HasSuffix(msg, `"sig":""}}`) {
		t.Fatalf("checkpoint message: %s", msg)
	}
}

func TestPostgresURLRedacted(t *testing.T) {
	if got := redact("postgres://cccd:s3cret@db.local:5432/factory"); strings.Contains(got, "s3cret") {
		t.Fatal(got)
	}
	_, err := Open(context.Background(), "postgres://cccd:s3cret@127.0.0.1:1/x?connect_timeout=2", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("%v", err)
	}
}

// TestOpenSQLiteNotAJournal: a file given as the journal by mistake (the
// batch's input, a report) is refused and left as it was: its bytes, its
// mode, and no lock or SQLite side file beside it.
func TestOpenSQLiteNotAJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "records.jsonl")
	content := []byte(`{"id_number":"001099012345"}` + "\n")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := OpenSQLite(context.Background(), path, Options{})
	if err == nil {
		j.Close()
		t.Fatal("a JSONL file opened as a journal")
	}
	if !strings.Contains(err.Error(), "not a SQLite journal") {
		t.Fatalf("error %q does not say the file is not a journal", err)
	}
	got, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if !bytes.Equal(got, content) || st.Mode().Perm() != 0o644 {
		t.Fatalf("the file was changed: mode %v, %q", st.Mode().Perm(), got)
	}
	for _, side := range []string{"-lock", "-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Fatalf("%s%s was left beside it", path, side)
		}
	}
}
