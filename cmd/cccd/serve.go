package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/counter"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/verify"
)

func init() {
	var listen, trustDir, tokenFile, demoDir, demoVPCD string
	var readers []string
	var requireCRL, noReaders bool
	var maxBody int64
	var reqTimeout, timeout time.Duration
	cmd := &cobra.Command{
		Use:   "serve [--listen 127.0.0.1:8080] --trust DIR [--reader R]...",
		Short: "The counter: a web page for clerks and a JSON API (verify, eKYC uploads)",
		Long: `Serve the counter's web page and JSON API.

The page (open http://127.0.0.1:8080/ in a browser; Vietnamese, with an
English switch; embedded, works offline): the clerk scans the card's QR with
a 2D scanner or types the CAN or MRZ, puts the card on the reader and sees
the verdict, the photo and the holder's data, then the checks; the page
follows the reader's card events and is ready for the next customer
without a reload.

The API (described at /api/v1/openapi.json):
  GET  /api/v1/readers        the readers and their card state
  GET  /api/v1/events         server-sent events: card inserted / removed
  POST /api/v1/verify         {"reader": "…", "can": "…"} (or "mrz", "qr_text",
                              "secret"): the report of 'verify --json'
  POST /api/v1/verify-files   {"files": {"EF.SOD": "<base64>", "DG1": …}}:
                              eKYC, the files a phone read by NFC (plus an
                              optional "aa_challenge"/"aa_signature")
  POST /api/v1/secret         {"secret": "…"}: is it a usable secret?

Safety: --listen on an address other than loopback needs --token-file
(clients send "Authorization: Bearer TOKEN"); request bodies are limited
(--max-body for uploads); every request has a deadline (--request-timeout);
the log has one line per request without personal data. --trace adds
each card's APDUs, prefixed with the reader (data redacted unless
--trace-data, which puts secrets and personal data in the log).

--demo DIR serves the demo of 'make demo' (DIR/trust, DIR/cards/*.card,
DIR/forged.card, QR payloads in DIR/qr): the page gets a panel that puts a
demo card on the virtual reader (vpcd, --demo-vpcd).

Examples:
  cccd serve --trust trust/
  cccd serve --trust trust/ --reader "PICC" --listen 127.0.0.1:9000
  cccd serve --trust trust/ --listen 0.0.0.0:8443 --token-file /etc/cccd/token --no-readers
  cccd serve --demo demo/`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var token string
			if tokenFile != "" {
				b, err := os.ReadFile(tokenFile)
				if err != nil {
					return inputError(fmt.Errorf("--token-file: %w", err))
				}
				token = strings.TrimSpace(string(b))
				if len(token) < 16 {
					return inputError(fmt.Errorf("--token-file %s: the token must be at least 16 characters (e.g. 'openssl rand -hex 32')", tokenFile))
				}
			}
			if err := counter.CheckListen(listen, token != ""); err != nil {
				return usageError(c, "%v", err)
			}
			if trustDir == "" && demoDir != "" {
				trustDir = filepath.Join(demoDir, "trust")
			}
			if trustDir == "" {
				return usageError(c, "--trust DIR is required: the CSCA certificates, master lists and CRLs to trust")
			}
			if timeout < 0 || reqTimeout < 0 || maxBody < 0 {
				return usageError(c, "--timeout, --request-timeout and --max-body must be positive")
			}
			// The demo's cards first: a missing demo says "make demo".
			var demo *demoCards
			if demoDir != "" {
				var err error
				if demo, err = loadDemo(demoDir, demoVPCD); err != nil {
					return inputError(err)
				}
				defer demo.Remove()
			}
			ts, err := loadTrust(c, trustDir)
			if err != nil {
				return err
			}
			cfg := counter.Config{
				Options:        verify.Options{Trust: ts, RequireCRL: requireCRL, Timeout: timeout},
				Readers:        readers,
				Token:          token,
				MaxBody:        maxBody,
				RequestTimeout: reqTimeout,
				Log:            slog.New(slog.NewTextHandler(c.ErrOrStderr(), nil)),
				NoReaders:      noReaders,
			}
			if demo != nil {
				cfg.Demo = demo
			}
			if on, _ := tracing(c); on {
				errw := c.ErrOrStderr()
				cfg.NewCard = func(reader string, t apdu.Transport) *apdu.Card {
					return newCard(c, t, errw, "["+reader+"] ")
				}
			}
			srv, err := counter.New(cfg)
			if err != nil {
				return usageError(c, "%v", err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return ioError(fmt.Errorf("--listen %s: %w", listen, err))
			}
			ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer cancel()
			fmt.Fprintf(c.ErrOrStderr(), "cccd: the counter page is on http://%s/ (API: /api/v1/openapi.json); Ctrl-C to stop\n", ln.Addr())
			if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
				return ioError(err)
			}
			fmt.Fprintln(c.ErrOrStderr(), "cccd: stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", counter.DefaultListen, "address to listen on (not loopback: --token-file is required)")
	f.StringVar(&trustDir, "trust", "", "trust store directory")
	f.StringArrayVarP(&readers, "reader", "r", nil, "a reader the service may use (repeatable; default every reader): "+readerHelp)
	f.StringVar(&tokenFile, "token-file", "", "file holding the API token (at least 16 characters) clients send as 'Authorization: Bearer TOKEN'")
	f.Int64Var(&maxBody, "max-body", counter.DefaultMaxBody, "largest request body of verify-files, bytes")
	f.DurationVar(&reqTimeout, "request-timeout", counter.DefaultRequestTimeout, "deadline of every request")
	f.DurationVar(&timeout, "timeout", verify.DefaultTimeout, "time budget per card")
	f.BoolVar(&requireCRL, "require-crl", false, "fail when no current CRL of the CSCA is in the trust store")
	f.BoolVar(&noReaders, "no-readers", false, "upload-only: no PC/SC, /api/v1/verify-files only")
	f.StringVar(&demoDir, "demo", "", "serve the demo directory of 'make demo' with a panel of demo cards")
	f.StringVar(&demoVPCD, "demo-vpcd", testcards.DefaultVPCDAddr, "vpcd address of the demo reader")
	registerTrace(cmd)
	register(cmd)
}

// demoCards puts the demo's emulated cards into a vpcd reader of pcscd,
// one at a time, on the page's request: a clerk can try the whole counter
// without a card.
type demoCards struct {
	addr, reader string
	cards        []counter.DemoCard
	paths        map[string]string

	mu       sync.Mutex
	inserted string
	stop     func()
}

// vpcdReaderName is the reader pcscd shows for a vpcd port (the default
// /etc/reader.conf.d/vpcd: 35963 is "Virtual PCD 00 00", 35964 "00 01").
func vpcdReaderName(addr string) string {
	if strings.HasSuffix(addr, ":35964") {
		return "Virtual PCD 00 01"
	}
	return "Virtual PCD 00 00"
}

func loadDemo(dir, addr string) (*demoCards, error) {
	d := &demoCards{addr: addr, reader: vpcdReaderName(addr), paths: map[string]string{}}
	paths, _ := filepath.Glob(filepath.Join(dir, "cards", "*.card"))
	sort.Strings(paths)
	extra, _ := filepath.Glob(filepath.Join(dir, "*.card"))
	sort.Strings(extra)
	for i, p := range append(paths, extra...) {
		base := strings.TrimSuffix(filepath.Base(p), ".card")
		kind := "genuine"
		switch {
		case strings.Contains(base, "forged"), strings.Contains(base, "tamper"):
			kind = "forged"
		case strings.Contains(base, "clone"):
			kind = "cloned"
		}
		id := fmt.Sprintf("card%d", i+1)
		c := counter.DemoCard{ID: id, Label: base, Kind: kind}
		// The demo's cards are named by their ID number; a copy (forged)
		// keeps the first card's data and CAN.
		num := base
		if len(num) != 12 && len(paths) > 0 {
			num = strings.TrimSuffix(filepath.Base(paths[0]), ".card")
		}
		if len(num) == 12 {
			c.CAN = num[6:]
			if b, err := os.ReadFile(filepath.Join(dir, "qr", num+".txt")); err == nil {
				c.QRText = strings.TrimSpace(string(b))
			}
		}
		d.cards = append(d.cards, c)
		d.paths[id] = p
	}
	if len(d.cards) == 0 {
		return nil, fmt.Errorf("--demo %s: no card images (DIR/cards/*.card): run 'make demo' first", dir)
	}
	return d, nil
}

func (d *demoCards) Cards() []counter.DemoCard { return d.cards }
func (d *demoCards) Reader() string            { return d.reader }

func (d *demoCards) Inserted() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inserted
}

func (d *demoCards) Insert(id string) (string, error) {
	path, ok := d.paths[id]
	if !ok {
		return "", fmt.Errorf("no demo card %q", id)
	}
	// In memory: the demo's images stay as 'make demo' made them.
	img, err := testcards.LoadImage(path)
	if err != nil {
		return "", err
	}
	if err := d.Remove(); err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	v := &testcards.VPCD{Addr: d.addr, Applet: testcards.NewEmulator(img, ""), Retry: 200 * time.Millisecond}
	go func() { defer close(done); v.Serve(ctx) }()
	d.mu.Lock()
	d.inserted = id
	d.stop = func() { cancel(); <-done }
	d.mu.Unlock()
	return d.reader, nil
}

func (d *demoCards) Remove() error {
	d.mu.Lock()
	stop := d.stop
	d.stop, d.inserted = nil, ""
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
	return nil
}
