package journal

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// The audit file (journal export --signed) is JSON lines:
//
//	{"type":"header","format":"cccd-journal-audit","version":1,"batch":…,"batch_id":…,…}
//	{"type":"certificate","role":"station"|"ds","sha256":…,"der":BASE64}   one per certificate
//	{"type":"entry","entry":CANONICAL,"id_number":…,"salt":…}               one per entry, in seq order
//	{"type":"entry","entry":CANONICAL,"pid":…}                              (pseudonymised)
//	{"type":"end","entries":N,"head":…,"journal_last_seq":…}
//
// CANONICAL is the entry's hashed form byte for byte (a JSON object, so
// the file reads as plain JSON); the verifier hashes exactly those bytes.
// Nothing in the file needs the database: the certificates come with it,
// the station certificates an auditor trusts come from elsewhere
// (--station-cert).

// AuditFormat names the audit file format in its header.
const AuditFormat = "cccd-journal-audit"

// AuditHeader is an audit file's first line.
type AuditHeader struct {
	Type             string `json:"type"`
	Format           string `json:"format"`
	Version          int    `json:"version"`
	Batch            string `json:"batch"`
	BatchID          string `json:"batch_id"`
	CanonicalVersion int    `json:"canonical_version"`
	Exported         string `json:"exported"`
	Source           string `json:"source"`
	// Pseudonymised: the entries carry pseudonyms (pid) instead of ID
	// numbers and salts; PseudonymKey names the key (PseudonymKeyID).
	Pseudonymised bool   `json:"pseudonymised"`
	PseudonymKey  string `json:"pseudonym_key,omitempty"`
}

// AuditCert is a certificate line.
type AuditCert struct {
	Type   string `json:"type"`
	Role   string `json:"role"`
	SHA256 string `json:"sha256"`
	DER    string `json:"der"`
}

// AuditEnd is an audit file's last line: the entries it holds, the hash
// of the last, and the journal's own counters at export.
type AuditEnd struct {
	Type           string `json:"type"`
	Entries        int64  `json:"entries"`
	Head           string `json:"head"`
	JournalLastSeq int64  `json:"journal_last_seq"`
}

type auditEntryLine struct {
	Type     string          `json:"type"`
	Entry    json.RawMessage `json:"entry"`
	IDNumber string          `json:"id_number,omitempty"`
	Salt     string          `json:"salt,omitempty"`
	PID      string          `json:"pid,omitempty"`
}

// PseudonymKey is an HMAC key for pseudonyms.
type PseudonymKey []byte

// LoadPseudonymKey reads a pseudonym key file: at least 16 bytes (say
// `head -c 32 /dev/urandom`), not readable by group or others, as a key
// file must be. Trailing line ends are not part of the key.
func LoadPseudonymKey(path string) (PseudonymKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if m := st.Mode().Perm(); m&0o077 != 0 {
		return nil, fmt.Errorf("key file %s: permissions %04o let group or others read it; run 'chmod 600 %s'", path, m, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = []byte(strings.TrimRight(string(b), "\r\n"))
	if len(b) < 16 {
		return nil, fmt.Errorf("key file %s: %d bytes; a pseudonym key needs 16 at least (head -c 32 /dev/urandom > %s)", path, len(b), path)
	}
	return b, nil
}

// Pseudonym is the keyed hash that stands for an ID number in a
// pseudonymised audit file: HMAC-SHA-256(key, "cccd journal pseudonym
// v1\0" || id), the first 16 bytes in hex. Without the key nobody can
// tell the number (the key is what a brute force over the 12 digits would
// need); with it, one citizen's entries are found by computing theirs.
func (k PseudonymKey) Pseudonym(id string) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("cccd journal pseudonym v1\x00"))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// ID names the key without telling it, so that a holder knows which key
// a file was made with.
func (k PseudonymKey) ID() string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("cccd journal pseudonym key id"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// ExportOptions tune an audit export.
type ExportOptions struct {
	// Pseudonymise, when set, replaces each ID number (and its salt) by
	// its pseudonym under this key.
	Pseudonymise PseudonymKey
	// Now dates the export (time.Now when zero).
	Now time.Time
}

// batchRow reads a batch's identity and counters.
func (c *core) batchRow(ctx context.Context, batch string) (uid string, cnt Counters, err error) {
	err = c.db.QueryRowContext(ctx, c.q(`SELECT uid, last_seq, head FROM batches WHERE batch = ?`), batch).Scan(&uid, &cnt.LastSeq, &cnt.Head)
	if err != nil && strings.Contains(err.Error(), "no rows") {
		err = fmt.Errorf("batch %q: %w", batch, ErrNoBatch)
	}
	return uid, cnt, err
}

// certificates lists the journal's certificates, DER.
func (c *core) certificates(ctx context.Context) ([]AuditCert, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT sha256, role, der FROM certificates ORDER BY role, sha256`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditCert
	for rows.Next() {
		a := AuditCert{Type: "certificate"}
		if err := rows.Scan(&a.SHA256, &a.Role, &a.DER); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func certDERs(cs []AuditCert) [][]byte {
	var out [][]byte
	for _, c := range cs {
		if der, err := base64.StdEncoding.DecodeString(c.DER); err == nil {
			out = append(out, der)
		}
	}
	return out
}

// Audit implements Journal: it verifies a batch's chain as stored, row by
// row, with the journal's counters (read first: the chain must reach at
// least as far) and the stations' liveness.
func (c *core) Audit(ctx context.Context, batch string, opt AuditOptions) (*AuditReport, error) {
	uid, cnt, err := c.batchRow(ctx, batch)
	if err != nil {
		return nil, err
	}
	rows, err := c.db.QueryContext(ctx, c.q(`SELECT station, reader, last_seq, last_entry, slot FROM stations WHERE batch = ? ORDER BY station, reader`), batch)
	if err != nil {
		return nil, err
	}
	var slots []int64
	for rows.Next() {
		var s StationCounter
		var slot int64
		if err := rows.Scan(&s.Station, &s.Reader, &s.LastSeq, &s.LastEntry, &slot); err != nil {
			rows.Close()
			return nil, err
		}
		cnt.Stations = append(cnt.Stations, s)
		slots = append(slots, slot)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range cnt.Stations {
		if cnt.Stations[i].Alive, err = c.d.slotAlive(ctx, c.db, slots[i]); err != nil {
			return nil, err
		}
	}
	certs, err := c.certificates(ctx)
	if err != nil {
		return nil, err
	}
	v := NewVerifier(batch, uid, c.Where(), certDERs(certs), opt)
	err = c.events(ctx, batch, func(e Event, canon string) error {
		row := e
		v.Add(AuditEntry{Canonical: canon, Row: &row})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v.Finish(&cnt), nil
}

// ExportAudit implements Journal: the batch's audit file, every entry as
// stored (its hashed form untouched), the certificates, the counters.
func (c *core) ExportAudit(ctx context.Context, batch string, w io.Writer, opt ExportOptions) error {
	uid, cnt, err := c.batchRow(ctx, batch)
	if err != nil {
		return err
	}
	certs, err := c.certificates(ctx)
	if err != nil {
		return err
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	line := func(v any) {
		b, _ := json.Marshal(v) // plain strings, numbers and booleans
		bw.Write(b)
		bw.WriteByte('\n')
	}
	h := AuditHeader{Type: "header", Format: AuditFormat, Version: 1, Batch: batch, BatchID: uid, CanonicalVersion: canonicalVersion,
		Exported: formatTime(now), Source: c.Where(), Pseudonymised: opt.Pseudonymise != nil}
	if opt.Pseudonymise != nil {
		h.PseudonymKey = opt.Pseudonymise.ID()
	}
	line(h)
	for _, ct := range certs {
		line(ct)
	}
	var n int64
	head := ""
	err = c.events(ctx, batch, func(e Event, canon string) error {
		n++
		head = EntryHash(canon)
		// Written by hand: the entry's bytes go in exactly as stored
		// (json.Marshal would escape <, > and & inside it).
		bw.WriteString(`{"type":"entry","entry":`)
		bw.WriteString(canon)
		if e.IDNumber != "" {
			var b strings.Builder
			if opt.Pseudonymise != nil {
				b.WriteString(`,"pid":`)
				writeJSONString(&b, opt.Pseudonymise.Pseudonym(e.IDNumber))
			} else {
				b.WriteString(`,"id_number":`)
				writeJSONString(&b, e.IDNumber)
				b.WriteString(`,"salt":`)
				writeJSONString(&b, e.Salt)
			}
			bw.WriteString(b.String())
		}
		bw.WriteString("}\n")
		return nil
	})
	if err != nil {
		return err
	}
	line(AuditEnd{Type: "end", Entries: n, Head: head, JournalLastSeq: cnt.LastSeq})
	return bw.Flush()
}

// ErrAuditFile: the audit file cannot be read as one (nothing was
// concluded about the journal).
var ErrAuditFile = errors.New("not a readable audit file")

// ReadAudit reads an audit file: the header (head), then each
// certificate (cert), then each entry (fn), then the end line; any
// callback may be nil. A file cut before its end line, or with a line that
// is not JSON, is an ErrAuditFile.
func ReadAudit(r io.Reader, head func(*AuditHeader), cert func(AuditCert), fn func(AuditEntry) error) (*AuditHeader, *AuditEnd, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 16<<20)
	var h *AuditHeader
	var end *AuditEnd
	n := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: line %d: %s", ErrAuditFile, n, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &kind); err != nil {
			return h, end, bad("not JSON (%v)", err)
		}
		if end != nil {
			return h, end, bad("a line after the end line")
		}
		if h == nil && kind.Type != "header" {
			return h, end, bad("the file does not start with an audit header: is it a 'cccd journal export --signed' file?")
		}
		switch kind.Type {
		case "header":
			if h != nil {
				return h, end, bad("a second header")
			}
			h = &AuditHeader{}
			if err := json.Unmarshal(b, h); err != nil || h.Format != AuditFormat {
				return h, end, bad("not a %s header", AuditFormat)
			}
			if h.Version != 1 {
				return h, end, bad("audit file version %d; this cccd reads version 1", h.Version)
			}
			if head != nil {
				head(h)
			}
		case "certificate":
			var c AuditCert
			if err := json.Unmarshal(b, &c); err != nil {
				return h, end, bad("%v", err)
			}
			if cert != nil {
				cert(c)
			}
		case "entry":
			var l auditEntryLine
			if err := json.Unmarshal(b, &l); err != nil {
				return h, end, bad("%v", err)
			}
			if fn == nil {
				continue
			}
			if err := fn(AuditEntry{Canonical: string(l.Entry), IDNumber: l.IDNumber, Salt: l.Salt, PID: l.PID, Line: n}); err != nil {
				return h, end, err
			}
		case "end":
			end = &AuditEnd{}
			if err := json.Unmarshal(b, end); err != nil {
				return h, end, bad("%v", err)
			}
		default:
			return h, end, bad("unknown line type %q", kind.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return h, end, fmt.Errorf("%w: line %d: %v", ErrAuditFile, n+1, err)
	}
	if h == nil {
		return h, end, fmt.Errorf("%w: the file is empty", ErrAuditFile)
	}
	if end == nil {
		return h, end, fmt.Errorf("%w: it ends at line %d without its end line: the file was cut (copy it again)", ErrAuditFile, n)
	}
	return h, end, nil
}

// VerifyAuditFile verifies an audit file, on any machine: the chain, the
// signatures (with opt.Trusted), the ID numbers against their
// commitments when the file has them.
func VerifyAuditFile(r io.Reader, source string, opt AuditOptions) (*AuditReport, error) {
	var v *Verifier
	var hdr *AuditHeader
	var certs [][]byte
	var entries int64
	var last string
	h, end, err := ReadAudit(r, func(h *AuditHeader) { hdr = h }, func(c AuditCert) {
		if der, err := base64.StdEncoding.DecodeString(c.DER); err == nil {
			certs = append(certs, der)
		}
	}, func(a AuditEntry) error {
		if v == nil {
			v = NewVerifier(hdr.Batch, hdr.BatchID, source, certs, opt)
		}
		entries++
		last = EntryHash(a.Canonical)
		v.Add(a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = NewVerifier(h.Batch, h.BatchID, source, certs, opt)
	}
	rep := v.Finish(nil)
	if end.Entries != entries || (entries > 0 && end.Head != last) {
		v.problem(ProblemFile, 0, "", "the file's end line says %d entries ending with hash %s; the file holds %d ending with %s: lines were removed or added", end.Entries, short(end.Head), entries, short(last))
	}
	if end.JournalLastSeq > rep.LastSeq {
		v.problem(ProblemDeleted, rep.LastSeq+1, "", "at export the journal counted %d entries, the chain in the file ends at entry %d: %s left out of the file", end.JournalLastSeq, rep.LastSeq, span(rep.LastSeq+1, end.JournalLastSeq))
	}
	if v.nProblem > 0 {
		v.intact()
		rep.Verdict = VerdictTampered
	}
	return rep, nil
}
