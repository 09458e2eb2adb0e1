package counter_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/counter"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/qr"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

// testCard is one personalized emulated card with what a clerk and a
// phone would have of it.
type testCard struct {
	doc   *lds.Document
	aa    *ecdsa.PrivateKey
	qr    string            // the QR payload printed on the card
	id    string            // the ID number
	files map[string][]byte // the files as 'cccd read --out' names them
}

// can is the card's CAN (the last 6 digits of the ID number).
func (c *testCard) can() string { return c.doc.Secret.CAN }

// image is a fresh locked card image (an emulator changes its image).
func (c *testCard) image(t testing.TB) *testcards.Image {
	t.Helper()
	img, err := testcards.PersonalizedImage(c.doc, c.aa, testcards.ProfileCCCD)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// forgedImage has DG13 changed after signing: a forgery.
func (c *testCard) forgedImage(t testing.TB) *testcards.Image {
	img := c.image(t)
	img.SetFile(0x010D, false, flip(c.doc.Files[0x010D]))
	return img
}

func flip(b []byte) []byte {
	out := append([]byte(nil), b...)
	out[len(out)-3] ^= 0x01
	return out
}

type fixture struct {
	pki      *pki.TestPKI
	trustDir string
	trust    *verify.TrustStore
	cards    []*testCard
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

// theFixture builds, once per test binary, a test PKI, its trust store
// and three personalized cards (as the factory makes them).
func theFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() { fix, fixErr = buildFixture() })
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

func buildFixture() (*fixture, error) {
	p, err := pki.NewTestPKI("ecdsa-p256", time.Now().Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cccd-counter-trust-")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "csca.der"), p.CSCA.Raw, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "csca.crl"), p.CRL.Raw, 0o644); err != nil {
		return nil, err
	}
	ts, err := verify.LoadTrustStore(dir)
	if err != nil {
		return nil, err
	}
	f := &fixture{pki: p, trustDir: dir, trust: ts}
	samples, err := testcards.Samples(3, 19)
	if err != nil {
		return nil, err
	}
	for _, s := range samples {
		aa, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		spec, err := testcards.Spec(s.Record, s.Photo)
		if err != nil {
			return nil, err
		}
		spec.AAPublicKey = &aa.PublicKey
		spec.Sign = lds.SODSignOptions{Certificate: p.DS, Signer: p.DSKey}
		doc, err := lds.BuildDocument(spec)
		if err != nil {
			return nil, err
		}
		pl, err := qr.FromRecord(s.Record)
		if err != nil {
			return nil, err
		}
		text, err := pl.Build()
		if err != nil {
			return nil, err
		}
		c := &testCard{doc: doc, aa: aa, qr: text, id: s.Record.IDNumber}
		// The files as a reader gets them, by name.
		img, err := testcards.PersonalizedImage(doc, aa, testcards.ProfileCCCD)
		if err != nil {
			return nil, err
		}
		rep, err := verify.Read(apdu.NewCard(testcards.NewEmulator(img, "")), lds.Secret{CAN: doc.Secret.CAN}, verify.Options{})
		if err != nil {
			return nil, err
		}
		c.files = rep.Raw
		f.cards = append(f.cards, c)
	}
	return f, nil
}

// aaTranscript is what a phone records when the bank's server gives it a
// challenge: the chip's signature over it.
func (c *testCard) aaTranscript(t testing.TB) (challenge, sig []byte) {
	t.Helper()
	challenge = make([]byte, 8)
	rand.Read(challenge)
	sig, err := chip.AASign(c.aa, crypto.SHA256, challenge, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return challenge, sig
}

// syncBuffer is a log sink tests read (the handlers log concurrently).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// noPersonalData fails when the log holds any of the card's data.
func noPersonalData(t testing.TB, log string, c *testCard) {
	t.Helper()
	for _, v := range []string{c.id, c.can(), c.doc.Secret.DocumentNumber} {
		if v != "" && strings.Contains(log, v) {
			t.Fatalf("the log holds personal data:\n%s", log)
		}
	}
}

// newServer is the service over HTTP on loopback.
func newServer(t testing.TB, cfg counter.Config) *httptest.Server {
	t.Helper()
	if cfg.Options.Trust == nil {
		cfg.Options.Trust = theFixture(t).trust
	}
	if cfg.Log == nil {
		cfg.Log = discardLog()
	}
	srv, err := counter.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	srv.StartReaders(t.Context())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return hs
}

// call POSTs body (JSON-encoded unless raw bytes) and decodes the answer.
func call(t testing.TB, hs *httptest.Server, method, path string, body any, hdr ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, hs.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not a JSON object: %q", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, out
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// upload is a verify-files body of the files.
func upload(files map[string][]byte) map[string]any {
	m := map[string]string{}
	for k, v := range files {
		m[k] = b64(v)
	}
	return map[string]any{"files": m}
}

// errCode is the error code of a NO CONCLUSION answer.
func errCode(t testing.TB, body map[string]any) string {
	t.Helper()
	if body["verdict"] != "NO CONCLUSION" {
		t.Fatalf("not a NO CONCLUSION object: %v", body)
	}
	e, _ := body["error"].(map[string]any)
	if e == nil || e["message"] == "" {
		t.Fatalf("no error in %v", body)
	}
	code, _ := e["code"].(string)
	return code
}

func newServerOpts(t testing.TB) verify.Options { return verify.Options{Trust: theFixture(t).trust} }

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// waitLimit only keeps a broken reader from hanging the test run; no
// test outcome depends on how long anything takes.
const waitLimit = 60 * time.Second

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
