package counter_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cccd-vn/cccd/counter"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
)

// chromium is Debian's headless browser; the tests need the real one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium is not installed: apt-get install -y chromium")
	return ""
}

// browser starts a real headless Chromium with an empty profile and no
// network but loopback.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 1300),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first action starts the browser, on a context without deadline
	// (a deadline there would end the browser).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	// The guard keeps a broken browser from hanging the run; no outcome
	// depends on how long a step takes.
	ctx, cancelT := context.WithTimeout(ctx, 4*waitLimit)
	t.Cleanup(cancelT)
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs an action that returns a value.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(value(t, ctx, "text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := value(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// TestCounterPageInChromium is the clerk's day in a real browser: the page
// loads in Vietnamese; a customer's CAN is typed, a second customer's QR
// is "scanned" (typed into the page as a keyboard-wedge scanner does), a
// third customer brings a forged card, a fourth has the wrong CAN typed and
// then the right one — each card put on a reader of the real pcscd (vpcd)
// and taken off again, the page following by itself, never reloaded. The
// three verdict states are kept as screenshots (go test -artifacts).
func TestCounterPageInChromium(t *testing.T) {
	f := theFixture(t)
	slot, release, err := pcsctest.Acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	var logs syncBuffer
	hs := newServer(t, counter.Config{Readers: []string{slot.Reader}, Log: slogTo(&logs)})
	ctx := browser(t)

	run(t, ctx, "load the page",
		chromedp.Navigate(hs.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.WaitReady(chromedp.CSS(`#cardstate[data-state="absent"]`)),
	)
	value(t, ctx, "mark the document", chromedp.Evaluate[bool](`window.__sameDocument = true`))
	lang := value(t, ctx, "lang", chromedp.Evaluate[string](`document.documentElement.lang`))
	if lang != "vi" || text(t, ctx, "h1") != "Kiểm tra thẻ căn cước" {
		t.Fatalf("the page is not in Vietnamese: %q %q", lang, text(t, ctx, "h1"))
	}
	if got := text(t, ctx, "#reader"); got != slot.Reader {
		t.Fatalf("reader %q", got)
	}

	// serve puts a card on the reader; the returned function takes it off.
	serve := func(img *testcards.Image) func() {
		return insert(t, slot, testcards.NewEmulator(img, ""))
	}
	waitVerdict := func(v string) {
		run(t, ctx, "verdict "+v, chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="`+v+`"]`)))
	}
	waitStep := func(step string) {
		run(t, ctx, "step "+step, chromedp.WaitReady(chromedp.CSS(`#step[data-step="`+step+`"]`)))
	}
	photoShown := func() bool {
		w := value(t, ctx, "photo", chromedp.Poll[int](`document.getElementById("photo").complete && document.getElementById("photo").naturalWidth`))
		return w > 0
	}

	// Customer 1: the clerk types the CAN (with a space), then the card
	// goes on the reader.
	c1 := f.cards[0]
	run(t, ctx, "type the CAN", chromedp.SendKeys(chromedp.CSS("#secret"), c1.can()[:3]+" "+c1.can()[3:]+kb.Enter))
	waitStep("waitcard")
	if got := text(t, ctx, "#step"); got != "Đặt thẻ lên đầu đọc…" {
		t.Fatalf("step: %q", got)
	}
	out := serve(c1.image(t))
	waitVerdict("GENUINE")
	if got := text(t, ctx, "#verdict-title"); got != "Thẻ hợp lệ" {
		t.Fatalf("verdict %q", got)
	}
	if !photoShown() {
		t.Fatal("no photo")
	}
	if got := text(t, ctx, `dd[data-field="id_number"]`); got != c1.id {
		t.Fatalf("ID number shown %q", got)
	}
	if got := text(t, ctx, `dd[data-field="date_of_birth"]`); len(got) != 10 || got[2] != '/' {
		t.Fatalf("date of birth shown %q", got)
	}
	waitStep("remove")
	screenshot(t, ctx, "genuine.png")
	out()
	waitStep("ready")

	// Customer 2: the 2D scanner types the QR payload and Enter.
	c2 := f.cards[1]
	run(t, ctx, "scan the QR", chromedp.SendKeys(chromedp.CSS("#secret"), c2.qr+kb.Enter))
	waitStep("waitcard")
	if v := text(t, ctx, "#secret"); v != "" {
		t.Fatal("the secret stays in the field")
	}
	out = serve(c2.image(t))
	waitVerdict("GENUINE")
	qrCheck := value(t, ctx, "QR check", chromedp.AttributeValue(chromedp.CSS(`#checks tr[data-name="consistency.qr_dg13"]`), "data-status")).Value
	if qrCheck != "pass" || text(t, ctx, `dd[data-field="id_number"]`) != c2.id || !photoShown() {
		t.Fatalf("second customer: QR check %q, ID %q", qrCheck, text(t, ctx, `dd[data-field="id_number"]`))
	}
	out()
	waitStep("ready")

	// Customer 3: a forged card (DG13 changed after signing), opened with
	// the 12-digit ID number.
	c3 := f.cards[2]
	run(t, ctx, "type the ID number", chromedp.SendKeys(chromedp.CSS("#secret"), c3.id+kb.Enter))
	waitStep("waitcard")
	out = serve(c3.forgedImage(t))
	waitVerdict("NOT VERIFIED")
	if got := text(t, ctx, "#verdict-title"); got != "KHÔNG hợp lệ" {
		t.Fatalf("forged verdict %q", got)
	}
	if got := text(t, ctx, "#verdict-reason"); !strings.Contains(got, "giả mạo") || !strings.Contains(got, "dg13.hash") {
		t.Fatalf("forged reason %q", got)
	}
	if !strings.Contains(text(t, ctx, "#unverified"), "KHÔNG được xác thực") {
		t.Fatal("no warning over the forged card's data")
	}
	screenshot(t, ctx, "forged.png")
	out()
	waitStep("ready")

	// Customer 4: the wrong CAN is typed; nothing concluded; the right
	// one is typed with the card still on the reader.
	out = serve(c1.image(t))
	run(t, ctx, "card present", chromedp.WaitReady(chromedp.CSS(`#cardstate[data-state="present"]`)))
	run(t, ctx, "type a wrong CAN", chromedp.SendKeys(chromedp.CSS("#secret"), "000000"+kb.Enter))
	waitVerdict("NO CONCLUSION")
	if got := text(t, ctx, "#verdict-title"); got != "Không đọc được thẻ" {
		t.Fatalf("no-conclusion verdict %q", got)
	}
	if got := text(t, ctx, "#verdict-reason"); !strings.Contains(got, "CAN / MRZ không khớp") {
		t.Fatalf("no-conclusion reason %q", got)
	}
	waitStep("retype")
	screenshot(t, ctx, "no-conclusion.png")
	// A typing mistake is said before the card is touched.
	run(t, ctx, "type a short CAN", chromedp.SendKeys(chromedp.CSS("#secret"), "12345"+kb.Enter))
	run(t, ctx, "entry error", chromedp.WaitVisible(chromedp.CSS("#entryerror")))
	if got := text(t, ctx, "#entryerror"); !strings.Contains(got, "CAN gồm 6 chữ số") {
		t.Fatalf("entry error %q", got)
	}
	// The clerk selects what was typed and types over it.
	value(t, ctx, "select", chromedp.Evaluate[bool](`document.getElementById("secret").select(), true`))
	run(t, ctx, "type the right CAN", chromedp.SendKeys(chromedp.CSS("#secret"), c1.can()+kb.Enter))
	waitVerdict("GENUINE")

	// The English switch, on the result shown.
	run(t, ctx, "English", chromedp.Click(chromedp.CSS("#lang-en")))
	if got := text(t, ctx, "#verdict-title"); got != "Genuine card" {
		t.Fatalf("English verdict %q", got)
	}
	if got := text(t, ctx, "h1"); got != "ID card check" {
		t.Fatalf("English title %q", got)
	}
	run(t, ctx, "Vietnamese", chromedp.Click(chromedp.CSS("#lang-vi")))
	out()
	waitStep("ready")

	same := value(t, ctx, "no reload", chromedp.Evaluate[bool](`window.__sameDocument === true`))
	if !same {
		t.Fatal("the page was reloaded")
	}
	for _, c := range f.cards {
		noPersonalData(t, logs.String(), c)
	}
}
