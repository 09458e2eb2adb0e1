// Package counter is the counter service of 'cccd serve': the clerk's web
// page (embedded, offline, Vietnamese first, one customer after another)
// and the JSON API a bank's systems call (/api/v1/verify for a card in a
// reader of this machine, /api/v1/verify-files for the files a phone read
// by NFC and uploaded). It holds no protocol logic: every verdict is
// verify.Inspect's or verify.InspectFiles', every secret is read by
// verify.ParseSecretText.
//
// Safety rules, enforced here rather than left to the deployment:
//   - a listener on a non-loopback address needs an API token (Config.Token);
//     without one the Host header must be a loopback name, so that a web
//     page the clerk happens to visit cannot reach the service by DNS
//     rebinding, and POST bodies must be application/json, so that a
//     cross-site form cannot either;
//   - request bodies are size-limited and every request has a deadline;
//   - logs carry the method, path, status, time, the kind of secret and
//     the verdict — never a secret, a name, a number or a photo.
package counter

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/verify"
)

// Defaults of Config.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultMaxBody        = 1 << 20 // verify-files: EF.SOD + DG1…DG16 of a CCCD are about 20 KB, base64 27 KB
	DefaultRequestTimeout = 60 * time.Second
	// MaxEventStream bounds one server-sent-events response; the page
	// reconnects by itself, so even the event stream has a deadline.
	MaxEventStream = 10 * time.Minute
	// maxSmallBody bounds the bodies of the other POSTs (a secret).
	maxSmallBody = 16 << 10
)

// Config is what a Server is built from.
type Config struct {
	// Options are the inspection options (the trust store first).
	Options verify.Options
	// Readers restricts the service to these PC/SC reader specs (name,
	// unique substring or index, as --reader); empty: every reader.
	Readers []string
	// Token, when set, is required as "Authorization: Bearer TOKEN" on
	// every /api/ request.
	Token string
	// MaxBody bounds a request body (DefaultMaxBody when zero).
	MaxBody int64
	// RequestTimeout is every request's deadline (DefaultRequestTimeout
	// when zero); the card's own budget is Options.Timeout.
	RequestTimeout time.Duration
	// Log receives one line per request, without personal data
	// (slog.Default() when nil).
	Log *slog.Logger
	// Demo, when set, adds the demo panel and its endpoints: emulated
	// cards the clerk puts on a virtual reader from the page.
	Demo Demo
	// NoReaders leaves PC/SC alone (an upload-only server: verify-files
	// needs no reader and no pcscd).
	NoReaders bool
	// NewCard, when set, makes the Card for a reader's transport (say a
	// traced one, 'cccd serve --trace'); apdu.NewCard when nil.
	NewCard func(reader string, t apdu.Transport) *apdu.Card
}

// Demo puts demo cards on a reader for 'cccd serve --demo'.
type Demo interface {
	Cards() []DemoCard
	// Insert puts the card on the demo reader (taking out the one there)
	// and returns the reader's name.
	Insert(id string) (string, error)
	// Remove takes the card out.
	Remove() error
	// Inserted is the card on the reader ("" for none).
	Inserted() string
	// Reader is the demo reader's name.
	Reader() string
}

// DemoCard is one demo card as the page lists it: test data only, so its
// secrets may be shown.
type DemoCard struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Kind   string `json:"kind"` // genuine, forged, cloned
	CAN    string `json:"can"`
	QRText string `json:"qr_text,omitempty"`
}

//go:embed static
var static embed.FS

//go:embed openapi.json
var openAPI []byte

// Server is the counter service.
type Server struct {
	cfg     Config
	log     *slog.Logger
	readers *readerSet
	mux     *http.ServeMux
	start   sync.Once
}

// New checks the configuration and builds the service; Serve runs it.
func New(cfg Config) (*Server, error) {
	if cfg.Options.Trust == nil && cfg.Options.DocumentSigner == nil {
		return nil, errors.New("counter: a trust store is needed (every card would fail sod.chain)")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Token != "" && len(cfg.Token) < 16 {
		return nil, errors.New("counter: the API token must be at least 16 characters")
	}
	s := &Server{cfg: cfg, log: cfg.Log, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if !cfg.NoReaders {
		s.readers = newReaderSet(cfg.Readers, s.log)
	}
	s.routes()
	return s, nil
}

// CheckListen enforces the token rule before anything listens: a
// non-loopback address (or an unspecified one, which is every address)
// needs a token.
func CheckListen(addr string, hasToken bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %v (e.g. 127.0.0.1:8080)", addr, err)
	}
	if isLoopbackHost(host) || hasToken {
		return nil
	}
	return fmt.Errorf("--listen %s is reachable from other machines: give an API token with --token-file (or listen on 127.0.0.1)", addr)
}

func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve answers on ln until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.readers != nil {
		s.readers.start(ctx)
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.RequestTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	if s.readers != nil {
		s.readers.stop()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// Event streams still open: close them.
		hs.Close()
		err = nil
	}
	<-done
	return err
}

// StartReaders starts following the readers' card events; Serve does it,
// tests that mount Handler on their own server call it.
func (s *Server) StartReaders(ctx context.Context) {
	if s.readers != nil {
		s.readers.start(ctx)
	}
}

// Close stops following the readers.
func (s *Server) Close() {
	if s.readers != nil {
		s.readers.stop()
	}
}

// Handler is the service's HTTP handler with every safety rule applied.
func (s *Server) Handler() http.Handler {
	return s.logged(s.guard(s.mux))
}

func (s *Server) routes() {
	page, _ := fs.Sub(static, "static")
	files := http.FileServerFS(page)
	s.mux.Handle("GET /", noCache(files))
	s.mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	s.mux.HandleFunc("GET /api/v1/readers", s.handleReaders)
	s.mux.HandleFunc("GET /api/v1/events", s.handleEvents)
	s.mux.HandleFunc("POST /api/v1/secret", s.handleSecret)
	s.mux.HandleFunc("POST /api/v1/verify", s.handleVerify)
	s.mux.HandleFunc("POST /api/v1/verify-files", s.handleVerifyFiles)
	s.mux.HandleFunc("GET /api/v1/demo", s.handleDemo)
	s.mux.HandleFunc("POST /api/v1/demo/insert", s.handleDemoInsert)
	s.mux.HandleFunc("POST /api/v1/demo/remove", s.handleDemoRemove)
	notFound := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, verify.ErrorInfo{Code: "not_found", Message: "no such endpoint: see /api/v1/openapi.json"}, 2)
	}
	s.mux.HandleFunc("GET /api/", notFound)
	s.mux.HandleFunc("POST /api/", notFound)
}

// noCache: the page and its script change with the binary; a counter PC
// must never run yesterday's script against today's API.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

// guard applies the deadline, the Host rule, the token, the content type
// and the body limit.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := s.cfg.RequestTimeout
		if r.URL.Path == "/api/v1/events" {
			timeout = MaxEventStream
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		r = r.WithContext(ctx)
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout + 5*time.Second))

		if s.cfg.Token == "" {
			host, _, err := net.SplitHostPort(r.Host)
			if err != nil {
				host = r.Host
			}
			if !isLoopbackHost(host) {
				writeError(w, http.StatusForbidden, verify.ErrorInfo{Code: "forbidden", Message: "this service answers only to loopback host names (start it with --token-file to serve other hosts)"}, 2)
				return
			}
		}
		if strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/api/v1/openapi.json" && s.cfg.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="cccd"`)
				writeError(w, http.StatusUnauthorized, verify.ErrorInfo{Code: "unauthorized", Message: "an API token is required: Authorization: Bearer TOKEN"}, 2)
				return
			}
		}
		if r.Method == http.MethodPost {
			ct := r.Header.Get("Content-Type")
			if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
				writeError(w, http.StatusUnsupportedMediaType, verify.ErrorInfo{Code: "bad_request", Message: "the body must be JSON (Content-Type: application/json)"}, 2)
				return
			}
			limit := int64(maxSmallBody)
			if r.URL.Path == "/api/v1/verify-files" {
				limit = s.cfg.MaxBody
			}
			if r.ContentLength > limit {
				writeError(w, http.StatusRequestEntityTooLarge, tooLarge(limit), 2)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) verify.ErrorInfo {
	return verify.ErrorInfo{Code: "too_large", Message: fmt.Sprintf("the request body is over %d bytes", limit)}
}

// logRecord is what a handler adds to the request's log line: never more
// than the kind of secret and the outcome.
type logRecord struct {
	kind, verdict, reason, code string
}

type logKey struct{}

func noteLog(r *http.Request, f func(*logRecord)) {
	if l, ok := r.Context().Value(logKey{}).(*logRecord); ok {
		f(l)
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logged writes one line per request and turns a panic into a 500 with a
// JSON body (a bug, never a verdict).
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &logRecord{}
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), logKey{}, rec))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					writeError(sw, http.StatusInternalServerError, verify.ErrorInfo{Code: "internal", Message: "internal error"}, 3)
				}
			}
			attrs := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds()}
			for _, kv := range [][2]string{{"secret", rec.kind}, {"verdict", rec.verdict}, {"reason", rec.reason}, {"error", rec.code}} {
				if kv[1] != "" {
					attrs = append(attrs, kv[0], kv[1])
				}
			}
			s.log.Info("request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}
