package counter_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/counter"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
)

func TestOpenAPIDescribesEveryEndpoint(t *testing.T) {
	hs := newServer(t, counter.Config{NoReaders: true})
	code, doc := call(t, hs, "GET", "/api/v1/openapi.json", nil)
	if code != 200 || doc["openapi"] != "3.0.3" {
		t.Fatalf("%d %v", code, doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/readers", "/api/v1/events", "/api/v1/secret", "/api/v1/verify", "/api/v1/verify-files", "/api/v1/openapi.json"} {
		if paths[p] == nil {
			t.Errorf("%s is not described", p)
		}
	}
	// The page and its assets are served by the binary itself.
	for _, p := range []string{"/", "/app.js", "/app.css"} {
		res, err := hs.Client().Get(hs.URL + p)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", p, err, res)
		}
		res.Body.Close()
	}
	code, body := call(t, hs, "GET", "/api/v1/nothing", nil)
	if code != 404 || errCode(t, body) != "not_found" {
		t.Fatalf("%d %v", code, body)
	}
}

func TestVerifyFiles(t *testing.T) {
	f := theFixture(t)
	var logs syncBuffer
	hs := newServer(t, counter.Config{NoReaders: true, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	c := f.cards[0]

	code, rep := call(t, hs, "POST", "/api/v1/verify-files", upload(c.files))
	if code != 200 || rep["verdict"] != "GENUINE" || rep["schema_version"] != float64(3) || rep["photo"] != nil {
		t.Fatalf("genuine upload: %d %v", code, rep["verdict"])
	}
	holder := rep["holder"].(map[string]any)
	if holder["id_number"] != c.id || !isISODate(holder["date_of_birth"]) || !isISODate(holder["date_of_issue"]) {
		t.Fatalf("holder: %v", holder)
	}

	// With the QR and the photo asked for; an AA transcript is checked.
	body := upload(c.files)
	body["qr_text"], body["photo"] = c.qr, true
	ch, sig := c.aaTranscript(t)
	body["aa_challenge"], body["aa_signature"] = b64(ch), b64(sig)
	code, rep = call(t, hs, "POST", "/api/v1/verify-files", body)
	if code != 200 || rep["verdict"] != "GENUINE" || rep["photo"] == nil {
		t.Fatalf("with QR and AA: %d %v %v", code, rep["verdict"], rep["failed"])
	}
	if st := checkStatus(rep, "clone.active_authentication"); st != "pass" {
		t.Fatalf("AA transcript: %s", st)
	}
	if st := checkStatus(rep, "consistency.qr_dg13"); st != "pass" {
		t.Fatalf("QR: %s", st)
	}
	// Another chip's signature: a clone.
	other, _ := f.cards[1].aaTranscript(t)
	_, sig2 := f.cards[1].aaTranscript(t)
	body["aa_challenge"], body["aa_signature"] = b64(other), b64(sig2)
	code, rep = call(t, hs, "POST", "/api/v1/verify-files", body)
	if code != 200 || rep["verdict"] != "NOT VERIFIED" || rep["reason"] != "cloned" {
		t.Fatalf("foreign AA: %d %v %v", code, rep["verdict"], rep["reason"])
	}

	// A data group changed after signing.
	forged := copyFiles(c.files)
	forged["DG13"] = flip(forged["DG13"])
	code, rep = call(t, hs, "POST", "/api/v1/verify-files", upload(forged))
	if code != 200 || rep["verdict"] != "NOT VERIFIED" || rep["reason"] != "forged" || rep["exit_code"] != float64(1) {
		t.Fatalf("forged upload: %d %v %v", code, rep["verdict"], rep["reason"])
	}

	// Malformed requests: 400 with a message, never 500.
	noSOD := copyFiles(c.files)
	delete(noSOD, "EF.SOD")
	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"not JSON", []byte("{files:"), 400, "bad_request", ""},
		{"empty body", []byte(""), 400, "bad_request", ""},
		{"two objects", []byte(`{"files":{}} {}`), 400, "bad_request", ""},
		{"an array", []byte(`[1,2]`), 400, "bad_request", ""},
		{"unknown field", map[string]any{"filez": map[string]string{}}, 400, "bad_request", ""},
		{"files of the wrong type", map[string]any{"files": []string{"x"}}, 400, "bad_request", ""},
		{"no files", map[string]any{"files": map[string]string{}}, 400, "bad_request", "files"},
		{"not base64", map[string]any{"files": map[string]string{"EF.SOD": "***"}}, 400, "bad_request", "files.EF.SOD"},
		{"unknown file", map[string]any{"files": map[string]string{"DG99": "AAAA"}}, 400, "bad_files", ""},
		{"no EF.SOD", upload(noSOD), 400, "bad_files", ""},
		{"garbage EF.SOD", map[string]any{"files": map[string]string{"EF.SOD": "AAAA", "DG1": "AAAA"}}, 200, "", ""},
		{"AA half", func() any { b := upload(c.files); b["aa_challenge"] = "AAAA"; return b }(), 400, "bad_request", "aa_challenge"},
		{"bad QR", func() any { b := upload(c.files); b["qr_text"] = "a|b"; return b }(), 400, "bad_secret", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, rep := call(t, hs, "POST", "/api/v1/verify-files", tt.body)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %v", code, tt.status, rep)
			}
			if tt.status == 200 {
				if rep["verdict"] != "NOT VERIFIED" {
					t.Fatalf("%v", rep["verdict"])
				}
				return
			}
			if got := errCode(t, rep); got != tt.code {
				t.Fatalf("code %q, want %q: %v", got, tt.code, rep["error"])
			}
			if e := rep["error"].(map[string]any); tt.field != "" && e["field"] != tt.field {
				t.Fatalf("field %v, want %s", e["field"], tt.field)
			}
			if rep["exit_code"] != float64(2) {
				t.Fatalf("exit_code %v", rep["exit_code"])
			}
		})
	}
	noPersonalData(t, logs.String(), c)
	if !strings.Contains(logs.String(), "verdict=GENUINE") || !strings.Contains(logs.String(), "secret=qr") {
		t.Fatalf("the log says neither verdicts nor secret kinds:\n%s", logs.String())
	}
}

func TestLimitsAndContentType(t *testing.T) {
	f := theFixture(t)
	hs := newServer(t, counter.Config{NoReaders: true, MaxBody: 64 << 10})
	big := map[string]any{"files": map[string]string{"EF.SOD": strings.Repeat("A", 70<<10)}}
	code, rep := call(t, hs, "POST", "/api/v1/verify-files", big)
	if code != 413 || errCode(t, rep) != "too_large" {
		t.Fatalf("%d %v", code, rep)
	}
	// Without Content-Length (chunked), the limit holds while reading.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", hs.URL+"/api/v1/verify-files", strings.NewReader(`{"files":{"EF.SOD":"`+strings.Repeat("A", 70<<10)+`"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	res, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("chunked: %d", res.StatusCode)
	}
	// The small endpoints have a small limit.
	code, rep = call(t, hs, "POST", "/api/v1/secret", map[string]string{"secret": strings.Repeat("1", 20<<10)})
	if code != 413 || errCode(t, rep) != "too_large" {
		t.Fatalf("%d %v", code, rep)
	}
	// A form post (what a cross-site page can send without asking) is refused.
	code, rep = call(t, hs, "POST", "/api/v1/verify-files", nil, "Content-Type", "text/plain")
	if code != 415 || errCode(t, rep) != "bad_request" {
		t.Fatalf("%d %v", code, rep)
	}
	// A real upload of a CCCD fits the default limit many times over.
	if n := len(mustJSON(t, upload(f.cards[0].files))); n*10 > counter.DefaultMaxBody {
		t.Fatalf("a CCCD upload is %d bytes", n)
	}
}

func TestSecretEndpoint(t *testing.T) {
	f := theFixture(t)
	hs := newServer(t, counter.Config{NoReaders: true})
	c := f.cards[0]
	for _, tt := range []struct {
		secret, kind, cause string
	}{
		{c.qr, "qr", ""},
		{c.can()[:3] + " " + c.can()[3:], "can", ""},
		{c.id, "id_number", ""},
		{"12345", "", "can_format"},
		{"IDVNM12", "", "mrz_length"},
		{"", "", "empty"},
	} {
		code, rep := call(t, hs, "POST", "/api/v1/secret", map[string]string{"secret": tt.secret})
		if tt.kind != "" {
			if code != 200 || rep["kind"] != tt.kind {
				t.Fatalf("%q: %d %v", tt.kind, code, rep)
			}
			continue
		}
		if code != 400 || errCode(t, rep) != "bad_secret" || rep["error"].(map[string]any)["cause"] != tt.cause {
			t.Fatalf("%q: %d %v", tt.cause, code, rep)
		}
	}
}

func TestTokenRule(t *testing.T) {
	f := theFixture(t)
	const token = "0123456789abcdef0123456789abcdef"
	hs := newServer(t, counter.Config{NoReaders: true, Token: token})
	body := upload(f.cards[0].files)
	code, rep := call(t, hs, "POST", "/api/v1/verify-files", body)
	if code != 401 || errCode(t, rep) != "unauthorized" {
		t.Fatalf("no token: %d %v", code, rep)
	}
	code, rep = call(t, hs, "POST", "/api/v1/verify-files", body, "Authorization", "Bearer "+strings.Repeat("x", len(token)))
	if code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	code, rep = call(t, hs, "POST", "/api/v1/verify-files", body, "Authorization", "Bearer "+token)
	if code != 200 || rep["verdict"] != "GENUINE" {
		t.Fatalf("token: %d %v", code, rep["verdict"])
	}
	// The page itself holds nothing and needs no token; its API calls do.
	res, err := hs.Client().Get(hs.URL + "/")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("page: %v %v", err, res)
	}
	res.Body.Close()
	// Behind a balancer with a token, any Host is fine.
	code, _ = call(t, hs, "POST", "/api/v1/verify-files", body, "Authorization", "Bearer "+token, "Host", "kyc.bank.example")
	if code != 200 {
		t.Fatalf("host with token: %d", code)
	}
	if _, err := counter.New(counter.Config{Options: newServerOpts(t), Token: "short"}); err == nil {
		t.Fatal("a 5-character token was accepted")
	}

	// Without a token, only loopback host names (DNS rebinding).
	open := newServer(t, counter.Config{NoReaders: true})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", open.URL+"/api/v1/openapi.json", nil)
	req.Host = "attacker.example:8080"
	res, err = open.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Fatalf("foreign Host without token: %d", res.StatusCode)
	}

	for _, tt := range []struct {
		addr  string
		token bool
		ok    bool
	}{
		{"127.0.0.1:8080", false, true},
		{"localhost:8080", false, true},
		{"[::1]:8080", false, true},
		{"127.0.0.2:8080", false, true},
		{"0.0.0.0:8080", false, false},
		{":8080", false, false},
		{"[::]:8080", false, false},
		{"192.168.1.10:8080", false, false},
		{"0.0.0.0:8443", true, true},
		{"nonsense", true, false},
	} {
		if err := counter.CheckListen(tt.addr, tt.token); (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q, token %v) = %v", tt.addr, tt.token, err)
		}
	}
}

// TestVerifyOverPCSC: the card in a reader of the real pcscd (vpcd): the
// readers list, the event stream, verify by CAN, QR and ID number, a wrong
// CAN, a forged card, no card, an unknown reader.
func TestVerifyOverPCSC(t *testing.T) {
	f := theFixture(t)
	c := f.cards[0]
	slot, release, err := pcsctest.Acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	var logs syncBuffer
	hs := newServer(t, counter.Config{Readers: []string{slot.Reader}, Log: slog.New(slog.NewTextHandler(&logs, nil))})

	// Follow the events from before the card is put on the reader.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", hs.URL+"/api/v1/events", nil)
	res, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := sseEvents(res)
	ev := <-events
	if ev.name != "state" || !strings.Contains(ev.data, slot.Reader) {
		t.Fatalf("first event: %+v", ev)
	}

	code, rep := call(t, hs, "POST", "/api/v1/verify", map[string]string{"reader": slot.Reader, "can": c.can()})
	if code != 409 || errCode(t, rep) != "no_card" {
		t.Fatalf("no card: %d %v", code, rep)
	}

	stop := insert(t, slot, testcards.NewEmulator(c.image(t), ""))
	waitEvent(t, events, slot.Reader, true)
	code, body := call(t, hs, "GET", "/api/v1/readers", nil)
	rs := body["readers"].([]any)
	if code != 200 || len(rs) != 1 || rs[0].(map[string]any)["card_present"] != true {
		t.Fatalf("readers: %d %v", code, body)
	}
	for _, secret := range []map[string]any{
		{"reader": slot.Reader, "can": c.can()},
		{"reader": "PCD", "qr_text": c.qr, "photo": true},
		{"can": c.id}, // the only reader, by default; the ID number gives the CAN
		{"secret": c.qr},
	} {
		code, rep := call(t, hs, "POST", "/api/v1/verify", secret)
		if code != 200 || rep["verdict"] != "GENUINE" || rep["reader"] != slot.Reader {
			t.Fatalf("%v: %d %v %v", keys(secret), code, rep["verdict"], rep["failed"])
		}
		if (secret["photo"] == true) != (rep["photo"] != nil) {
			t.Fatalf("photo given %v when asked %v", rep["photo"] != nil, secret["photo"])
		}
	}
	code, rep = call(t, hs, "POST", "/api/v1/verify", map[string]string{"can": "000000"})
	if code != 422 || errCode(t, rep) != "access_denied" || rep["exit_code"] != float64(3) {
		t.Fatalf("wrong CAN: %d %v", code, rep)
	}
	for _, tt := range []struct {
		body   any
		status int
		code   string
	}{
		{map[string]string{"reader": "no such reader", "can": c.can()}, 404, "reader"},
		{map[string]string{"can": "12"}, 400, "bad_secret"},
		{map[string]string{"can": c.can(), "mrz": "x"}, 400, "bad_secret"},
		{map[string]string{}, 400, "bad_secret"},
		{[]byte(`{"can": 123456}`), 400, "bad_request"},
		{[]byte(`nope`), 400, "bad_request"},
	} {
		code, rep := call(t, hs, "POST", "/api/v1/verify", tt.body)
		if code != tt.status || errCode(t, rep) != tt.code {
			t.Fatalf("%v: %d %v", tt.body, code, rep)
		}
	}
	stop()
	waitEvent(t, events, slot.Reader, false)

	// The next customer's card is forged.
	stop = insert(t, slot, testcards.NewEmulator(c.forgedImage(t), ""))
	waitEvent(t, events, slot.Reader, true)
	code, rep = call(t, hs, "POST", "/api/v1/verify", map[string]string{"can": c.can()})
	if code != 200 || rep["verdict"] != "NOT VERIFIED" || rep["reason"] != "forged" {
		t.Fatalf("forged: %d %v %v", code, rep["verdict"], rep["reason"])
	}
	stop()
	waitEvent(t, events, slot.Reader, false)
	noPersonalData(t, logs.String(), c)
}

// insert serves the applet in the slot until stop, which waits until
// pcscd has seen the card go.
func insert(t testing.TB, slot pcsctest.Slot, applet testcards.Applet) (stop func()) {
	t.Helper()
	ctx, cancel := contextWithCancel(t)
	done := make(chan struct{})
	v := &testcards.VPCD{Addr: slot.Addr(), Applet: applet, Retry: 50 * time.Millisecond}
	go func() { defer close(done); v.Serve(ctx) }()
	if err := pcsctest.WaitForCard(slot.Reader, waitLimit); err != nil {
		cancel()
		t.Fatal(err)
	}
	return func() {
		cancel()
		<-done
		pc, err := pcsc.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		if err := pc.WaitForRemoval(slot.Reader, waitLimit); err != nil {
			t.Fatal(err)
		}
	}
}

type sse struct{ name, data string }

// sseEvents reads a server-sent-events stream.
func sseEvents(res *http.Response) <-chan sse {
	ch := make(chan sse, 64)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.name != "":
				ch <- ev
				ev = sse{}
			}
		}
	}()
	return ch
}

// waitEvent waits for the reader's card to be present (or gone) in the
// stream.
func waitEvent(t testing.TB, events <-chan sse, reader string, present bool) {
	t.Helper()
	for ev := range events {
		if ev.name != "reader" {
			continue
		}
		var st counter.ReaderState
		if err := json.Unmarshal([]byte(ev.data), &st); err != nil {
			t.Fatal(err)
		}
		if st.Name == reader && st.CardPresent == present {
			return
		}
	}
	t.Fatalf("the event stream ended before the card was %v", present)
}

func checkStatus(rep map[string]any, name string) string {
	for _, c := range rep["checks"].([]any) {
		m := c.(map[string]any)
		if m["name"] == name {
			return m["status"].(string)
		}
	}
	return "missing"
}

func isISODate(v any) bool {
	s, _ := v.(string)
	return len(s) == 10 && s[4] == '-' && s[7] == '-'
}

func copyFiles(m map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range m {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

func keys(m map[string]any) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
