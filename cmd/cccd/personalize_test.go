package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/journal"
	"github.com/cccd-vn/cccd/journal/pgtest"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

// factory is a batch for station processes: a test PKI, sample records
// with photos, and the arguments every station takes. The stations are
// the real CLI in processes of their own: this test binary run as "cccd"
// (testscript puts it on PATH under that name).
type factory struct {
	dir, input string
	records    int
	trust      *verify.TrustStore
}

func cccd(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("cccd", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("cccd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newFactory(t testing.TB, n int) *factory {
	t.Helper()
	dir := t.TempDir()
	cccd(t, "pki", "init", "--out", filepath.Join(dir, "pki"))
	cccd(t, "testcards", "sample", "--out", filepath.Join(dir, "s"), "--n", fmt.Sprint(n), "--seed", "11")
	tdir := t.TempDir()
	for _, f := range []string{"csca.pem", "csca.crl"} {
		b, err := os.ReadFile(filepath.Join(dir, "pki", f))
		if err == nil {
			os.WriteFile(filepath.Join(tdir, f), b, 0o644)
		}
	}
	ts, err := verify.LoadTrustStore(tdir)
	if err != nil {
		t.Fatal(err)
	}
	return &factory{dir: dir, input: filepath.Join(dir, "s", "records.jsonl"), records: n, trust: ts}
}

// stationKey is the station's key and certificate (made on first use by
// 'cccd journal keygen'): every station signs its checkpoints.
func (f *factory) stationKey(t testing.TB, name string) (key, cert string) {
	t.Helper()
	dir := filepath.Join(f.dir, "keys", name)
	if _, err := os.Stat(dir); err != nil {
		cccd(t, "journal", "keygen", "--out", dir, "--station", name)
	}
	return filepath.Join(dir, "station.key"), filepath.Join(dir, "station.pem")
}

// station starts one station process on the batch, with its station key
// and a checkpoint every 2 cards.
func (f *factory) station(target, name, cards string, extra ...string) (*exec.Cmd, *bytes.Buffer) {
	key, cert := filepath.Join(f.dir, "keys", name, "station.key"), filepath.Join(f.dir, "keys", name, "station.pem")
	args := append([]string{"personalize", "--input", f.input, "--ds-cert", filepath.Join(f.dir, "pki", "ds.pem"), "--ds-key", filepath.Join(f.dir, "pki", "ds.key"),
		"--reader", "emu:" + cards, "--journal", target, "--station", name, "--operator", "op-" + name, "--resume",
		"--station-key", key, "--station-cert", cert, "--checkpoint-every", "2"}, extra...)
	cmd := exec.Command("cccd", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// check: every record is done in the journal, on exactly one locked card
// image among all the stations' card directories — the one the journal
// names — and that card is genuine.
func (f *factory) check(t *testing.T, j journal.Journal, trialDir string) {
	t.Helper()
	recs, err := j.Records(context.Background(), "records.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != f.records {
		t.Fatalf("%d records in the journal, want %d", len(recs), f.records)
	}
	locked := map[string][]string{}
	m, _ := filepath.Glob(filepath.Join(trialDir, "cards-*", "*.card"))
	for _, path := range m {
		img, err := testcards.LoadImage(path)
		if err != nil {
			t.Fatal(err)
		}
		if img.Locked {
			id := strings.TrimSuffix(filepath.Base(path), ".card")
			locked[id] = append(locked[id], path)
		}
	}
	for _, r := range recs {
		if r.State != journal.StateDone {
			t.Fatalf("line %d is %s (%s)", r.Line, r.State, r.Error)
		}
		if cards := locked[r.IDNumber]; len(cards) != 1 || "emu:"+cards[0] != r.Card {
			t.Fatalf("line %d: locked cards %v, journal says %s", r.Line, cards, r.Card)
		}
		img, _ := testcards.LoadImage(strings.TrimPrefix(r.Card, "emu:"))
		rep, err := verify.Inspect(apdu.NewCard(testcards.NewEmulator(img, "")), verify.Input{Secret: lds.Secret{CAN: r.IDNumber[6:]}}, verify.Options{Trust: f.trust})
		if err != nil || !rep.IsGenuine() {
			t.Fatalf("card of line %d: %v %v", r.Line, err, rep.Summary())
		}
	}
	if len(locked) != f.records {
		t.Fatalf("%d records have locked cards, want %d", len(locked), f.records)
	}
}

// verifyJournal runs 'cccd journal verify --json' on the batch with the
// certificates of the named stations (the auditor's trust) and returns
// its report and exit code.
func (f *factory) verifyJournal(t *testing.T, target string, stations ...string) (*journal.AuditReport, int) {
	t.Helper()
	args := []string{"journal", "verify", "--journal", target, "--json"}
	for _, s := range stations {
		_, cert := f.stationKey(t, s)
		args = append(args, "--station-cert", cert)
	}
	cmd := exec.Command("cccd", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var rep journal.AuditReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("journal verify (exit %d): %v\n%s\n%s", code, err, out, stderr.String())
	}
	return &rep, code
}

// checkEvidence: the batch's journal verifies intact (sealed, pinned,
// complete). A station session that a kill cut short is acknowledged by
// the station's next start checkpoint (acked), or, when the station never
// ran again (the others finished the batch), it is its last session, its
// entries sealed by the others' checkpoints (open).
func (f *factory) checkEvidence(t *testing.T, target string, stations ...string) (acked, open int) {
	t.Helper()
	rep, code := f.verifyJournal(t, target, stations...)
	if code != 0 || rep.Verdict != journal.VerdictIntact || !rep.Pinned || !rep.Complete || rep.Done != int64(f.records) {
		b, _ := json.MarshalIndent(rep, "", "  ")
		t.Fatalf("journal verify: exit %d\n%s", code, b)
	}
	for _, st := range rep.Stations {
		for i, c := range st.Crashes {
			switch {
			case c.AckedBy > 0:
				acked++
			case i == len(st.Crashes)-1 && st.Open:
				open++
			default:
				t.Fatalf("station %s: the session cut after entry %d is not acknowledged by its next start: %+v", st.Station, c.After, st)
			}
		}
	}
	return acked, open
}

func events(j journal.Journal) int64 {
	bs, _ := j.Batches(context.Background())
	for _, b := range bs {
		if b.Name == "records.jsonl" {
			return b.Events
		}
	}
	return 0
}

// TestStationsKilled runs two and three station processes on one batch,
// on a SQLite journal and on a PostgreSQL journal, kills one or two of
// them with SIGKILL at a seeded point (after so many journal events), then
// resumes every station until the batch is done: every record must end on
// exactly one locked, genuine card, the one the journal names, none lost.
// The kill point is an event count read from the journal, never a time.
func TestStationsKilled(t *testing.T) {
	const records = 6
	f := newFactory(t, records)
	pg := pgtest.Start(t)
	for _, s := range []string{"st0", "st1", "st2", "pc1"} {
		f.stationKey(t, s)
	}
	trials, killed, takeovers, recovered, doubts, acked, unresumed := 0, 0, 0, 0, 0, 0, 0
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, stations := range []int{2, 3} {
			for seed := range 5 + stations%2 {
				trials++
				name := fmt.Sprintf("%s/%d-stations/seed-%d", backend, stations, seed)
				t.Run(name, func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(seed), uint64(stations)))
					trialDir := t.TempDir()
					target := filepath.Join(trialDir, "journal.db")
					if backend == "postgres" {
						target = pg.NewDatabase(t)
					}
					j, err := journal.Open(context.Background(), target, journal.Options{})
					if err != nil {
						t.Fatal(err)
					}
					defer j.Close()
					var cmds []*exec.Cmd
					var outs []*bytes.Buffer
					for s := range stations {
						cmd, out := f.station(target, fmt.Sprint("st", s), filepath.Join(trialDir, fmt.Sprint("cards-", s)))
						if err := cmd.Start(); err != nil {
							t.Fatal(err)
						}
						cmds, outs = append(cmds, cmd), append(outs, out)
					}
					exited := make(chan int, stations)
					for i, c := range cmds {
						go func() { c.Wait(); exited <- i }()
					}
					// Kill one station (sometimes two) once the journal
					// has the seeded number of events.
					victims := []int{rng.IntN(stations)}
					if rng.IntN(3) == 0 {
						victims = append(victims, (victims[0]+1)%stations)
					}
					at := int64(10 + rng.IntN(records*9))
					gone := 0
					for gone < stations && events(j) < at {
						select {
						case <-exited:
							gone++
						case <-time.After(2 * time.Millisecond):
						}
					}
					for _, v := range victims {
						cmds[v].Process.Signal(syscall.SIGKILL)
					}
					for ; gone < stations; gone++ {
						<-exited
					}
					for _, v := range victims {
						if ws, ok := cmds[v].ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
							killed++
						}
					}
					names := make([]string, stations)
					for s := range names {
						names[s] = fmt.Sprint("st", s)
					}
					// Right after the kills: never tampered; a tail cut
					// by a kill reads as "cut after entry N".
					if rep, code := f.verifyJournal(t, target, names...); rep.Verdict == journal.VerdictTampered || code != 0 && code != 1 ||
						rep.Verdict == journal.VerdictIncomplete && (rep.Cut == nil || rep.Cut.After != rep.LastSeq || len(rep.Cut.Stations) == 0) {
						b, _ := json.MarshalIndent(rep, "", "  ")
						t.Fatalf("journal verify after the kills: exit %d\n%s", code, b)
					}
					// Resume every station until the batch is done.
					for round := 0; ; round++ {
						counts, _ := j.Counts(context.Background(), "records.jsonl")
						if counts[journal.StateDone] == records {
							break
						}
						if round == 4 {
							for i, o := range outs {
								t.Logf("station %d:\n%s", i, o)
							}
							t.Fatalf("not done after %d resume rounds: %v", round, counts)
						}
						var resumed []*exec.Cmd
						outs = outs[:0]
						for s := range stations {
							cmd, out := f.station(target, fmt.Sprint("st", s), filepath.Join(trialDir, fmt.Sprint("cards-", s)))
							if err := cmd.Start(); err != nil {
								t.Fatal(err)
							}
							resumed, outs = append(resumed, cmd), append(outs, out)
						}
						for i, c := range resumed {
							if err := c.Wait(); err != nil {
								t.Fatalf("resumed station %d: %v\n%s", i, err, outs[i])
							}
						}
					}
					f.check(t, j, trialDir)
					a, o := f.checkEvidence(t, target, names...)
					acked, unresumed = acked+a, unresumed+o
					j.Events(context.Background(), "records.jsonl", func(e journal.Event) error {
						switch {
						case e.Step == journal.StepClaim && strings.Contains(e.Detail, "taken over"):
							takeovers++
						case e.Step == journal.StepRecover && e.Outcome == journal.Succeeded:
							recovered++
						case e.Step == journal.StepProbe && strings.Contains(e.Detail, "may be its own"):
							doubts++
						}
						return nil
					})
				})
			}
		}
	}
	if trials < 20 || acked == 0 {
		t.Fatalf("%d trials, %d crashes acknowledged", trials, acked)
	}
	t.Logf("%d trials: %d stations killed mid-batch, %d claims taken over from them, %d cards of theirs resumed on their reader, %d of them found locked and accepted; journal verify intact after each: %d sessions cut by a kill acknowledged by the station's next start, %d (of stations not needed again) sealed by the others' checkpoints", trials, killed, takeovers, doubts, recovered, acked, unresumed)
	// The shift report on PostgreSQL, through the CLI.
	url := pg.NewDatabase(t)
	f.stationKey(t, "pc1")
	cmd, out := f.station(url, "pc1", filepath.Join(t.TempDir(), "cards-pc1"))
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rep, err := exec.Command("cccd", "journal", "report", "--journal", url, "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var r journal.Report
	if err := json.Unmarshal(rep, &r); err != nil || r.Total.Done != records || len(r.Rows) == 0 || r.Rows[0].Operator != "op-pc1" {
		t.Fatalf("report %s: %v", rep, err)
	}
}

// TestStationStopsOnSIGTERM: SIGTERM stops a station after the card in
// hand; it still prints its --json summary (stopped) and the resume
// command, leaves no record half-done, and --resume finishes the batch.
func TestStationStopsOnSIGTERM(t *testing.T) {
	const records = 8
	f := newFactory(t, records)
	f.stationKey(t, "st0")
	trialDir := t.TempDir()
	target := filepath.Join(trialDir, "journal.db")
	cards := filepath.Join(trialDir, "cards-0")
	j, err := journal.Open(context.Background(), target, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	cmd, _ := f.station(target, "st0", cards, "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Signal once a first card is done (the journal says so).
wait:
	for {
		select {
		case err := <-exited:
			t.Fatalf("the station ended before the signal: %v\n%s", err, stderr.String())
		case <-time.After(2 * time.Millisecond):
			if c, _ := j.Counts(context.Background(), "records.jsonl"); c[journal.StateDone] > 0 {
				break wait
			}
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err = <-exited
	var sum struct {
		Done    int  `json:"done"`
		Stopped bool `json:"stopped"`
	}
	if jerr := json.Unmarshal(stdout.Bytes(), &sum); jerr != nil {
		t.Fatalf("no JSON summary: %v\n%s", jerr, stdout.String())
	}
	ee, _ := err.(*exec.ExitError)
	switch {
	case sum.Done == records && err == nil:
		// The batch was over before the signal landed.
	case ee == nil || ee.ExitCode() != ExitIOFailed || !sum.Stopped:
		t.Fatalf("exit %v, summary %+v\n%s", err, sum, stderr.String())
	case !strings.Contains(stderr.String(), "to resume: cccd personalize --input "+f.input) || !strings.Contains(stderr.String(), " --resume"):
		t.Fatalf("no resume command:\n%s", stderr.String())
	}
	recs, _ := j.Records(context.Background(), "records.jsonl")
	for _, r := range recs {
		if r.State == journal.StateWriting || r.ClaimedBy != "" {
			t.Fatalf("line %d left %s, claimed by %q", r.Line, r.State, r.ClaimedBy)
		}
	}
	// Stopped safely: its closing checkpoint says "stop", nothing is cut.
	if rep, code := f.verifyJournal(t, target, "st0"); code != 0 || rep.Verdict != journal.VerdictIntact {
		b, _ := json.MarshalIndent(rep, "", "  ")
		t.Fatalf("journal verify after SIGTERM: exit %d\n%s", code, b)
	}
	cmd, out := f.station(target, "st0", cards)
	if err := cmd.Run(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	f.check(t, j, trialDir)
	if _, open := f.checkEvidence(t, target, "st0"); open != 0 {
		t.Fatal("a station stopped by SIGTERM left its session open")
	}
}

// openPTY opens a pseudo-terminal: the station's stderr is then a
// terminal, as an operator's is, and gets the progress bar.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// onTerminal runs the CLI with its stderr on a terminal and returns what
// the terminal got.
func onTerminal(t *testing.T, args ...string) string {
	t.Helper()
	m, s := openPTY(t)
	defer m.Close()
	cmd := exec.Command("cccd", args...)
	cmd.Stderr = s
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { out.ReadFrom(m); close(done) }() // ends with EIO once the child is gone
	cmd.Wait()
	<-done
	return out.String()
}

// TestTerminalKeepsLines: on a terminal (progress bar), validation errors
// and the station's lines — a card refused as not blank, the summary's
// resume hint — reach the operator.
func TestTerminalKeepsLines(t *testing.T) {
	f := newFactory(t, 2)
	bad := filepath.Join(f.dir, "s", "bad.jsonl")
	os.WriteFile(bad, []byte(`{"id_number":"12345","full_name":"A","date_of_birth":"1999-05-18","sex":"Nam","date_of_issue":"2021-03-01","photo":"x.jpg"}`+"\n"), 0o644)
	got := onTerminal(t, "personalize", "--input", bad, "--ds-cert", filepath.Join(f.dir, "pki", "ds.pem"), "--ds-key", filepath.Join(f.dir, "pki", "ds.key"), "--reader", "emu:"+t.TempDir())
	if !strings.Contains(got, "line 1: error: id_number:") {
		t.Fatalf("validation error lost on a terminal: %q", got)
	}
	// A card that is not blank in the reader: the refusal shows.
	cards := t.TempDir()
	raw, _ := os.ReadFile(f.input)
	var first struct {
		ID string `json:"id_number"`
	}
	json.Unmarshal(raw[:bytes.IndexByte(raw, '\n')], &first)
	img := testcards.NewBlankImage(testcards.ProfileCCCD)
	img.SetFile(lds.DGFileID(1), false, []byte{0x61, 0x01, 0x00})
	img.Save(filepath.Join(cards, first.ID+".card"))
	got = onTerminal(t, "personalize", "--input", f.input, "--ds-cert", filepath.Join(f.dir, "pki", "ds.pem"), "--ds-key", filepath.Join(f.dir, "pki", "ds.key"), "--reader", "emu:"+cards, "--journal", filepath.Join(t.TempDir(), "j.db"))
	if !strings.Contains(got, "not a blank card: remove it") {
		t.Fatalf("the refusal is not on the terminal: %q", got)
	}
}
