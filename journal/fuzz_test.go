package journal

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzVerifyAuditFile: an audit file comes from outside (a USB stick, a
// mail); whatever it holds, verification ends with a report or
// ErrAuditFile, never a panic, and a file that reads as intact has the
// end line's count of entries. Seeds in testdata/fuzz: a signed export and
// a pseudonymised one of a three-card, two-station batch.
func FuzzVerifyAuditFile(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("{\"type\":\"header\",\"format\":\"cccd-journal-audit\",\"version\":1,\"batch\":\"b\"}\n{\"type\":\"end\",\"entries\":0}\n"))
	f.Add([]byte("{\"type\":\"entry\"}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := VerifyAuditFile(bytes.NewReader(b), "fuzz.jsonl", AuditOptions{})
		if err != nil {
			if !errors.Is(err, ErrAuditFile) {
				t.Fatalf("an error that is not ErrAuditFile: %v", err)
			}
			return
		}
		if rep == nil {
			t.Fatal("no report and no error")
		}
		if rep.Verdict == VerdictIntact && len(rep.Problems) > 0 {
			t.Fatalf("intact with problems: %+v", rep.Problems)
		}
	})
}
