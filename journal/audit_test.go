package journal

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/pki"
)

// testKey is a station key with its self-signed certificate, in memory
// and in files (for station processes).
type testKey struct {
	signer            crypto.Signer
	cert              []byte
	pc                *pki.Certificate
	keyFile, certFile string
}

func newTestKey(t *testing.T, name string) *testKey {
	t.Helper()
	k, _, err := pki.GenerateKey("ecdsa-p256")
	if err != nil {
		t.Fatal(err)
	}
	der, err := NewStationCertificate(k, name, time.Now().Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := pki.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kd, _ := pki.MarshalPrivateKey(k)
	tk := &testKey{signer: k, cert: der, pc: pc, keyFile: filepath.Join(dir, name+".key"), certFile: filepath.Join(dir, name+".der")}
	os.WriteFile(tk.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600)
	os.WriteFile(tk.certFile, der, 0o644)
	return tk
}

// dsCert is any certificate standing for the Document Signer's.
var dsCert = sync.OnceValue(func() []byte {
	p, err := pki.NewTestPKI("ecdsa-p256", time.Now())
	if err != nil {
		panic(err)
	}
	return p.DS.Raw
})

func joinKeyed(t *testing.T, j Journal, batch, station string, k *testKey, every, records int) Station {
	t.Helper()
	s, err := j.Join(context.Background(), StationInfo{Batch: batch, Station: station, Reader: "r", Operator: "op-" + station, DSSerial: "1f", DSCert: dsCert(),
		Key: k.signer, KeyCert: k.cert, CheckpointEvery: every, Records: records})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func id(i int) string { return fmt.Sprintf("0010990%05d", i) }

// signedBatch: stations A and B with their keys take turns on n cards
// (a checkpoint every 2 cards each), then stop: a complete batch.
func signedBatch(t *testing.T, target string, n int) (Journal, *testKey, *testKey) {
	t.Helper()
	ctx := context.Background()
	j := open(t, target, Options{})
	ka, kb := newTestKey(t, "A"), newTestKey(t, "B")
	a, b := joinKeyed(t, j, "b", "A", ka, 2, n), joinKeyed(t, j, "b", "B", kb, 2, n)
	for i := 0; i < n; i++ {
		st := a
		if i%2 == 1 {
			st = b
		}
		if err := cardEvents(ctx, st, id(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return j, ka, kb
}

func audit(t *testing.T, j Journal, trusted ...*testKey) *AuditReport {
	t.Helper()
	var opt AuditOptions
	for _, k := range trusted {
		opt.Trusted = append(opt.Trusted, k.pc)
	}
	rep, err := j.Audit(context.Background(), "b", opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func dump(rep *AuditReport) string {
	b, _ := json.MarshalIndent(rep, "", "  ")
	return string(b)
}

// wantProblem: the report is "tampered" with a problem of that kind at
// that entry, whose text holds each of texts.
func wantProblem(t *testing.T, rep *AuditReport, kind string, seq int64, texts ...string) {
	t.Helper()
	if rep.Verdict != VerdictTampered {
		t.Fatalf("verdict %s, want tampered:\n%s", rep.Verdict, dump(rep))
	}
	for _, p := range rep.Problems {
		if p.Kind != kind || p.Seq != seq {
			continue
		}
		ok := true
		for _, s := range texts {
			ok = ok && strings.Contains(p.Text, s)
		}
		if ok {
			t.Logf("%s at entry %d: %s", p.Kind, p.Seq, p.Text)
			return
		}
	}
	t.Fatalf("no %s problem at entry %d with %q:\n%s", kind, seq, texts, dump(rep))
}

// tamper runs SQL on the journal's database as someone with file or
// server access would, past the append-only triggers.
func tamper(t *testing.T, j Journal, query string, args ...any) {
	t.Helper()
	c := j.(*core)
	pre, post := []string{`DROP TRIGGER IF EXISTS events_no_update`, `DROP TRIGGER IF EXISTS events_no_delete`}, []string(nil)
	if _, ok := c.d.(*pgDialect); ok {
		pre, post = []string{`ALTER TABLE events DISABLE TRIGGER events_append_only`}, []string{`ALTER TABLE events ENABLE TRIGGER events_append_only`}
	}
	for _, q := range pre {
		if _, err := c.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.db.Exec(c.q(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	for _, q := range post {
		c.db.Exec(q)
	}
}

// stored reads the batch's events as stored, by seq.
func stored(t *testing.T, j Journal, batch string) []Event {
	t.Helper()
	var out []Event
	err := j.(*core).events(context.Background(), batch, func(e Event, _ string) error { out = append(out, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lastCheckpoint is the seq of the batch's last checkpoint entry.
func lastCheckpoint(evs []Event) Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Checkpoint != nil {
			return evs[i]
		}
	}
	return Event{}
}

// rewrite rewrites the chain from entry from on, as an attacker with the
// database (but not the station keys) would: edit changes that entry,
// every later entry is linked again, and the checkpoints are signed
// again with signer (its certificate given as cert: the forger's own).
func rewrite(t *testing.T, j Journal, from int64, edit func(*Event), signer crypto.Signer, cert []byte) {
	t.Helper()
	evs := stored(t, j, "b")
	prev := GenesisHash
	if from > 1 {
		prev = evs[from-2].Hash
	}
	for _, e := range evs[from-1:] {
		if e.Seq == from && edit != nil {
			edit(&e)
		}
		e.Prev = prev
		cpJSON := ""
		if cp := e.Checkpoint; cp != nil {
			alg, _ := algFor(signer.Public())
			k := &stationKey{signer: signer, cert: CertFingerprint(cert), alg: alg, every: cp.Every, records: cp.Records, ds: cp.DSCert, dsSerial: cp.DSSerial}
			if err := k.sign(&e); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(cp)
			cpJSON = string(b)
		}
		canon := e.Canonical()
		e.Hash = EntryHash(canon)
		tamper(t, j, `UPDATE events SET time = ?, id_number = ?, salt = ?, line = ?, step = ?, outcome = ?, card = ?, detail = ?, prev = ?, hash = ?, checkpoint = ?, canonical = ? WHERE batch = 'b' AND seq = ?`,
			e.Time, e.IDNumber, e.Salt, e.Line, string(e.Step), string(e.Outcome), e.Card, e.Detail, e.Prev, e.Hash, cpJSON, canon, e.Seq)
		prev = e.Hash
	}
	tamper(t, j, `UPDATE batches SET head = ? WHERE batch = 'b'`, prev)
	if cert != nil {
		tamper(t, j, `INSERT INTO certificates (sha256, role, der) VALUES (?, 'station', ?) ON CONFLICT (sha256) DO NOTHING`, CertFingerprint(cert), b64(cert))
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestAuditIntact(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		j, ka, kb := signedBatch(t, target, 6)
		rep := audit(t, j, ka, kb)
		if rep.Verdict != VerdictIntact || !rep.Sealed || !rep.Complete || !rep.Pinned || rep.Done != 6 || rep.Records != 6 || len(rep.Problems) != 0 {
			t.Fatalf("%s", dump(rep))
		}
		evs := stored(t, j, "b")
		if rep.LastSeq != int64(len(evs)) || rep.Head != evs[len(evs)-1].Hash {
			t.Fatalf("last %d head %s", rep.LastSeq, rep.Head)
		}
		// Two starts, 3 cards each (one checkpoint after the second),
		// two closing checkpoints: the last says "end".
		if rep.Checkpoints != 6 || rep.LastCheckpoint.Reason != ReasonEnd || len(rep.Keys) != 2 || len(rep.DSCerts) != 1 || rep.DSCerts[0].Serial != "1f" {
			t.Fatalf("%s", dump(rep))
		}
		for _, st := range rep.Stations {
			if st.Sessions != 1 || st.Unsigned != 0 || len(st.Crashes) != 0 || st.Open || st.Done != 3 {
				t.Fatalf("%+v", st)
			}
		}
		// The ID numbers are nowhere in the hashed forms.
		for _, e := range evs {
			if e.IDNumber != "" && (strings.Contains(e.Canonical(), e.IDNumber) || e.Subject == "") {
				t.Fatalf("entry %d: %s", e.Seq, e.Canonical())
			}
		}
		// Without --station-cert: the journal's own certificates, said so.
		if rep := audit(t, j); rep.Verdict != VerdictIntact || rep.Pinned || len(rep.Notes) == 0 {
			t.Fatalf("%s", dump(rep))
		}
		checkEvents(t, j)
	})
}

func TestAuditEditedEvent(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		j, ka, kb := signedBatch(t, target, 4)
		// The hashed form and the row edited together (the card of
		// entry 9): the next entry's link breaks at entry 9.
		evs := stored(t, j, "b")
		e := evs[8]
		e.Card = "emu:cards/forged.card"
		tamper(t, j, `UPDATE events SET card = ?, canonical = ? WHERE batch = 'b' AND seq = 9`, e.Card, e.Canonical())
		rep := audit(t, j, ka, kb)
		wantProblem(t, rep, ProblemEdited, 9, "entry 9", "was changed after it was written", "entry 10")
		if rep.IntactUpTo != 8 || rep.SignedUpTo != 4 { // B's start checkpoint
			t.Fatalf("intact up to %d, signed up to %d", rep.IntactUpTo, rep.SignedUpTo)
		}
		// A row's field edited alone: the row no longer says what its
		// hashed form says.
		tamper(t, j, `UPDATE events SET detail = 'nothing happened' WHERE batch = 'b' AND seq = 12`)
		wantProblem(t, audit(t, j, ka, kb), ProblemEdited, 12, "detail", "the row was edited")
		// An ID number changed in the row: it no longer opens the
		// entry's commitment.
		tamper(t, j, `UPDATE events SET id_number = '001099099999' WHERE batch = 'b' AND seq = 16`)
		wantProblem(t, audit(t, j, ka, kb), ProblemEdited, 16, "id_number")
	})
}

func TestAuditDeletedEvent(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		j, ka, kb := signedBatch(t, target, 4)
		tamper(t, j, `DELETE FROM events WHERE batch = 'b' AND seq = 7`)
		wantProblem(t, audit(t, j, ka, kb), ProblemDeleted, 7, "entry 7 is missing", "entry 6", "entry 8")
		// Deleted and the later rows numbered down to close the gap:
		// their hashed forms still say where they were.
		j2, ka2, kb2 := signedBatch(t, filepath.Join(t.TempDir(), "j2.db"), 4)
		tamper(t, j2, `DELETE FROM events WHERE batch = 'b' AND seq = 5`)
		tamper(t, j2, `UPDATE events SET seq = seq - 1 WHERE batch = 'b' AND seq > 5`)
		wantProblem(t, audit(t, j2, ka2, kb2), ProblemDeleted, 5, "entry 5 is missing")
	})
}

func TestAuditSwappedEvents(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		j, ka, kb := signedBatch(t, target, 4)
		tamper(t, j, `UPDATE events SET seq = -1 WHERE batch = 'b' AND seq = 11`)
		tamper(t, j, `UPDATE events SET seq = 11 WHERE batch = 'b' AND seq = 12`)
		tamper(t, j, `UPDATE events SET seq = 12 WHERE batch = 'b' AND seq = -1`)
		rep := audit(t, j, ka, kb)
		wantProblem(t, rep, ProblemReordered, 11, "entry 11", "stored after entry 12", "reordered")
		if len(rep.Problems) != 1 {
			t.Fatalf("a swap is one problem:\n%s", dump(rep))
		}
	})
}

// TestAuditForgedCheckpoint: a checkpoint signed again with a key that is
// not the station's (someone who rewrote the chain from an entry on):
// with the station's real certificate named in it, the signature fails;
// with the forger's own certificate in the journal, only --station-cert
// tells it.
func TestAuditForgedCheckpoint(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		j, ka, kb := signedBatch(t, target, 4)
		forger := newTestKey(t, "A")
		evs := stored(t, j, "b")
		last := lastCheckpoint(evs)
		// The last checkpoint, signed by the forger under A's name.
		e := last
		e.Checkpoint.Sig = ""
		alg, _ := algFor(forger.signer.Public())
		k := &stationKey{signer: forger.signer, cert: e.Checkpoint.Key, alg: alg, every: e.Checkpoint.Every, records: e.Checkpoint.Records, ds: e.Checkpoint.DSCert, dsSerial: e.Checkpoint.DSSerial}
		k.sign(&e)
		cp, _ := json.Marshal(e.Checkpoint)
		tamper(t, j, `UPDATE events SET checkpoint = ?, canonical = ?, hash = ? WHERE batch = 'b' AND seq = ?`, string(cp), e.Canonical(), EntryHash(e.Canonical()), e.Seq)
		tamper(t, j, `UPDATE batches SET head = ? WHERE batch = 'b'`, EntryHash(e.Canonical()))
		wantProblem(t, audit(t, j, ka, kb), ProblemForged, e.Seq, "signature does not verify", "forged")

		// The chain rewritten from entry 5 on (a card's line changed),
		// every checkpoint after it signed with the forger's own
		// certificate, put in the journal.
		j2, ka2, kb2 := signedBatch(t, filepath.Join(t.TempDir(), "j2.db"), 4)
		rewrite(t, j2, 5, func(e *Event) { e.Line = 99 }, forger.signer, forger.cert)
		cps := 0
		for _, e := range stored(t, j2, "b")[4:] {
			if e.Checkpoint != nil {
				cps++
			}
		}
		rep := audit(t, j2, ka2, kb2)
		if rep.Verdict != VerdictTampered || len(rep.Problems) != cps {
			t.Fatalf("every re-signed checkpoint is a problem (%d):\n%s", cps, dump(rep))
		}
		wantProblem(t, rep, ProblemUntrusted, lastCheckpoint(stored(t, j2, "b")).Seq, "none of the station certificates given", "forged")
		// Without --station-cert the journal's own certificates vouch
		// for the forgery: the report says they were not pinned.
		if rep := audit(t, j2); rep.Verdict != VerdictIntact || rep.Pinned || !strings.Contains(strings.Join(rep.Notes, " "), "--station-cert") {
			t.Fatalf("%s", dump(rep))
		}
	})
}

// TestAuditReplayedCheckpoint: a checkpoint of another batch (same
// station, same key) put into this batch, appended or in place of this
// batch's own; and one of this batch's own checkpoints appended again.
func TestAuditReplayedCheckpoint(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		j, ka, kb := signedBatch(t, target, 4)
		other := joinKeyed(t, j, "b2", "A", ka, 1, 1)
		if err := cardEvents(ctx, other, id(50)); err != nil {
			t.Fatal(err)
		}
		other.Close()
		var foreign Event
		var foreignCanon string
		j.(*core).events(ctx, "b2", func(e Event, c string) error {
			if e.Checkpoint != nil {
				foreign, foreignCanon = e, c
			}
			return nil
		})
		evs := stored(t, j, "b")
		n := int64(len(evs))
		insert := func(seq int64, e Event, canon string) {
			cp, _ := json.Marshal(e.Checkpoint)
			tamper(t, j, `INSERT INTO events (batch, seq, station, reader, station_seq, time, id_number, line, attempt, step, outcome, operator, card, detail, prev, hash, salt, checkpoint, canonical)
				VALUES ('b', ?, ?, ?, ?, ?, '', 0, 0, ?, ?, ?, '', '', ?, ?, '', ?, ?)`, seq, e.Station, e.Reader, e.StationSeq+1000, e.Time, string(e.Step), string(e.Outcome), e.Operator, e.Prev, EntryHash(canon), string(cp), canon)
		}
		insert(n+1, foreign, foreignCanon)
		wantProblem(t, audit(t, j, ka, kb), ProblemReplayed, n+1, "the row with seq", "a checkpoint of another batch", `"b2"`, "inserted")

		// In place of this batch's last checkpoint: that one is missing.
		tamper(t, j, `DELETE FROM events WHERE batch = 'b' AND seq = ?`, n+1)
		tamper(t, j, `DELETE FROM events WHERE batch = 'b' AND seq = ?`, n)
		insert(n, foreign, foreignCanon)
		rep := audit(t, j, ka, kb)
		wantProblem(t, rep, ProblemReplayed, n, "another batch")
		wantProblem(t, rep, ProblemDeleted, n, "was removed")

		// One of this batch's own checkpoints, appended again.
		j2, ka2, kb2 := signedBatch(t, filepath.Join(t.TempDir(), "j2.db"), 4)
		evs = stored(t, j2, "b")
		old := evs[1] // A's start checkpoint
		var oldCanon string
		j2.(*core).events(ctx, "b", func(e Event, c string) error {
			if e.Seq == old.Seq {
				oldCanon = c
			}
			return nil
		})
		j = j2
		insert(int64(len(evs))+1, old, oldCanon)
		wantProblem(t, audit(t, j2, ka2, kb2), ProblemDuplicate, old.Seq, "a checkpoint with this seq was read already", "replayed")
	})
}

// TestAuditCrashTail: a station killed mid-card leaves a tail no
// checkpoint covers: "cut after entry N, last checkpoint M", incomplete,
// not tampered (the journal's counters agree). Resumed, its start
// checkpoint says where the crash was, and the batch verifies intact. The
// same tail removed by hand is tampering.
func TestAuditCrashTail(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		k := newTestKey(t, "A")
		env := []string{"JOURNAL_KEY=" + k.keyFile, "JOURNAL_CERT=" + k.certFile, "JOURNAL_EVERY=2", "JOURNAL_DONE=" + id(1) + "," + id(2) + "," + id(3)}
		killedStationEnv(t, env, target, "A", false, id(4))
		j := open(t, target, Options{})
		evs := stored(t, j, "b")
		n := evs[len(evs)-1].Seq
		m := lastCheckpoint(evs)
		if m.Checkpoint.Reason != ReasonEvery || m.Checkpoint.StationDone != 2 {
			t.Fatalf("last checkpoint %+v", m.Checkpoint)
		}
		rep := audit(t, j, k)
		t.Logf("cut: %+v", rep.Cut)
		if rep.Verdict != VerdictIncomplete || len(rep.Problems) != 0 || rep.Cut == nil || rep.Cut.After != n || rep.Cut.LastCheckpoint != m.Seq ||
			len(rep.Cut.Stations) != 1 || !strings.Contains(rep.Cut.Cause, "a crash") {
			t.Fatalf("cut after %d, last checkpoint %d:\n%s", n, m.Seq, dump(rep))
		}

		// A copy of the journal whose tail is then cut by hand (the
		// last 4 entries): its counters tell.
		if !IsPostgres(target) {
			cp := filepath.Join(t.TempDir(), "copy.db")
			j.(*core).db.Exec(`VACUUM INTO ?`, cp)
			jc := open(t, cp, Options{})
			tamper(t, jc, `DELETE FROM events WHERE batch = 'b' AND seq > ?`, n-4)
			wantProblem(t, audit(t, jc, k), ProblemDeleted, n-3, "were removed", "a crash never leaves them apart")
		}

		// The station resumes: its start checkpoint names the crash.
		ctx := context.Background()
		st := joinKeyed(t, j, "b", "A", k, 2, 0)
		c, err := st.Claim(ctx, id(4), 1)
		if err != nil || c.Prior() == nil {
			t.Fatal(err)
		}
		c.Finish(ctx, StateFailed, "", "the card was in the reader when the station died")
		st.Close()
		rep = audit(t, j, k)
		if rep.Verdict != VerdictIntact || len(rep.Stations) != 1 {
			t.Fatalf("%s", dump(rep))
		}
		sa := rep.Stations[0]
		if sa.Sessions != 2 || len(sa.Crashes) != 1 || sa.Crashes[0].After != n || sa.Crashes[0].AckedBy != n+2 || sa.Open {
			t.Fatalf("crash after %d acknowledged by %d: %+v", n, n+2, sa)
		}
	})
}

// TestAuditConcurrentStations: stations racing over one batch, each on a
// connection of its own, extend one chain; one of them killed mid-card
// and resumed; the batch verifies intact.
func TestAuditConcurrentStations(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		const n, stations = 24, 3
		keys := make([]*testKey, stations+1)
		for i := range keys {
			keys[i] = newTestKey(t, fmt.Sprint("S", i))
		}
		// S3 is killed with a card begun, then comes back at the end.
		k3 := keys[stations]
		killedStationEnv(t, []string{"JOURNAL_KEY=" + k3.keyFile, "JOURNAL_CERT=" + k3.certFile, "JOURNAL_EVERY=1", "JOURNAL_DONE=" + id(0)}, target, "S3", false, id(1))
		var wg sync.WaitGroup
		for s := 0; s < stations; s++ {
			j := open(t, target, Options{})
			st := joinKeyed(t, j, "b", fmt.Sprint("S", s), keys[s], 3, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer st.Close()
				for i := 2; i < n; i++ {
					err := cardEvents(ctx, st, id(i))
					var be *BusyError
					if err != nil && !errors.Is(err, ErrDone) && !errors.As(err, &be) {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		j := open(t, target, Options{})
		st := joinKeyed(t, j, "b", "S3", k3, 1, n)
		c, err := st.Claim(ctx, id(1), 2)
		if err != nil {
			t.Fatal(err)
		}
		c.Begin(ctx, Card{ID: "again"})
		c.Finish(ctx, StateDone, "", "")
		st.Close()
		rep := audit(t, j, keys...)
		if rep.Verdict != VerdictIntact || !rep.Complete || rep.Done != n {
			t.Fatalf("%s", dump(rep))
		}
		for _, sa := range rep.Stations {
			if sa.Station == "S3" && (len(sa.Crashes) != 1 || sa.Crashes[0].AckedBy == 0) {
				t.Fatalf("%+v", sa)
			}
		}
		checkEvents(t, j)
	})
}

// TestAuditExport: the audit file, moved elsewhere (the journal gone),
// verifies alone; pseudonymised, it still verifies and holds no ID
// number, and the key's holder finds a citizen's entries; edited, cut or
// reordered lines are caught.
func TestAuditExport(t *testing.T) {
	each(t, func(t *testing.T, target string) {
		ctx := context.Background()
		j, ka, kb := signedBatch(t, target, 4)
		var full, pseudo bytes.Buffer
		if err := j.ExportAudit(ctx, "b", &full, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		key := PseudonymKey("0123456789abcdef0123456789abcdef")
		if err := j.ExportAudit(ctx, "b", &pseudo, ExportOptions{Pseudonymise: key}); err != nil {
			t.Fatal(err)
		}
		j.Close()
		if !IsPostgres(target) {
			os.Remove(target) // "another machine": no database
		}
		trusted := AuditOptions{Trusted: []*pki.Certificate{ka.pc, kb.pc}}
		verify := func(b []byte) *AuditReport {
			t.Helper()
			rep, err := VerifyAuditFile(bytes.NewReader(b), "audit.jsonl", trusted)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		rep := verify(full.Bytes())
		if rep.Verdict != VerdictIntact || !rep.Complete || rep.Opened == 0 || rep.Pseudonymised {
			t.Fatalf("%s", dump(rep))
		}
		rep = verify(pseudo.Bytes())
		if rep.Verdict != VerdictIntact || !rep.Pseudonymised || rep.Opened != 0 {
			t.Fatalf("%s", dump(rep))
		}
		for i := 0; i < 4; i++ {
			if strings.Contains(pseudo.String(), id(i)) {
				t.Fatalf("the pseudonymised file holds ID number %s", id(i))
			}
		}
		// The key's holder finds one citizen's entries by pseudonym.
		found := 0
		ReadAudit(bytes.NewReader(pseudo.Bytes()), nil, nil, func(a AuditEntry) error {
			if a.PID == key.Pseudonym(id(2)) {
				found++
			}
			return nil
		})
		if found != 10 { // claim, begin, 7 steps, finish
			t.Fatalf("%d entries of the citizen", found)
		}

		lines := strings.Split(strings.TrimSuffix(full.String(), "\n"), "\n")
		file := func(ls []string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }
		edit := func(i int, from, to string) []string {
			ls := append([]string(nil), lines...)
			if !strings.Contains(ls[i], from) {
				t.Fatalf("line %d has no %q", i+1, from)
			}
			ls[i] = strings.Replace(ls[i], from, to, 1)
			return ls
		}
		first := 0
		for first < len(lines) && !strings.HasPrefix(lines[first], `{"type":"entry"`) {
			first++
		}
		// Entry 6 (a card's begin) edited in the file.
		wantProblem(t, verify(file(edit(first+5, `"step":"begin"`, `"step":"probe"`))), ProblemEdited, 6, "was changed")
		// An ID number changed beside its entry (5, the claim).
		wantProblem(t, verify(file(edit(first+4, id(0), id(9)))), ProblemEdited, 5, "does not open the commitment")
		// Entry 7 removed.
		cut := append(append([]string(nil), lines[:first+6]...), lines[first+7:]...)
		rep = verify(file(cut))
		wantProblem(t, rep, ProblemDeleted, 7, "entry 7 is missing")
		wantProblem(t, rep, ProblemFile, 0, "lines were removed or added")
		// Entries 8 and 9 swapped.
		sw := append([]string(nil), lines...)
		sw[first+7], sw[first+8] = sw[first+8], sw[first+7]
		wantProblem(t, verify(file(sw)), ProblemReordered, 8, "stored after entry 9")
		// The file's tail cut with its end line: unreadable, not verified.
		if _, err := VerifyAuditFile(bytes.NewReader(file(lines[:len(lines)-3])), "x", trusted); err == nil || !strings.Contains(err.Error(), "without its end line") {
			t.Fatalf("cut file: %v", err)
		}
		if _, err := VerifyAuditFile(strings.NewReader("hello\n"), "x", trusted); err == nil {
			t.Fatal("not an audit file: verified")
		}
	})
}
