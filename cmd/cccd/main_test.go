package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/testcards"
	"github.com/cccd-vn/cccd/testcards/pcsctest"
)

// TestMain lets testscript run the CLI in-process as the command "cccd".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cccd": func() { os.Exit(run(os.Args[1:])) },
	})
}

// TestScript runs every CLI scenario under testdata/script: each file is a
// user's session with the expected output and exit code.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup:               scriptSetup,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"exits":    cmdExits,
			"diagcard": cmdDiagCard,
			"vpcdslot": cmdVPCDSlot,
			"cardvars": cmdCardVars,
			"waitcard": cmdWaitCard,
			"onlycard": cmdOnlyCard,
		},
	})
}

// scriptSetup prepares the environment every script shares: $REALWORLD is
// the real issuer data of testdata/realworld (master lists, CSCAs, a real
// EF.SOD). Files that need more (a vpcd card, a PKI) add their own set-up
// commands.
var scriptSetup = func(env *testscript.Env) error {
	dir, err := filepath.Abs("../../testdata/realworld")
	if err != nil {
		return err
	}
	env.Setenv("REALWORLD", dir)
	return nil
}

// cmdExits runs a program and checks its exact exit code, as the design's
// exit codes are part of the CLI contract:
//
//	exits 2 cccd frobnicate
//
// Its output lands in stdout/stderr for the following checks.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdDiagCard inserts the diagnostic test card into a vpcd reader of the
// real pcscd for the rest of the script and sets $READER to its name:
//
//	diagcard
//	exec cccd apdu --reader $READER 00A4040C07A0000002471001
func cmdDiagCard(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: diagcard")
	}
	slot, stop, err := pcsctest.Serve(&testcards.Diag{})
	if err != nil {
		ts.Fatalf("diagcard: %v", err)
	}
	ts.Defer(stop)
	ts.Setenv("READER", slot.Reader)
	ctx, err := pcsc.Open()
	if err != nil {
		ts.Fatalf("diagcard: %v", err)
	}
	defer ctx.Close()
	readers, err := ctx.Readers()
	if err != nil {
		ts.Fatalf("diagcard: %v", err)
	}
	for _, r := range readers {
		if r.Name == slot.Reader {
			ts.Setenv("READER_INDEX", strconv.Itoa(r.Index))
		}
	}
}

// cmdVPCDSlot takes a free vpcd reader slot for the rest of the script
// and sets $VPCD_ADDR (for 'cccd emulate --vpcd') and $READER.
func cmdVPCDSlot(ts *testscript.TestScript, neg bool, args []string) {
	slot, release, err := pcsctest.Acquire()
	if err != nil {
		ts.Fatalf("vpcdslot: %v", err)
	}
	ts.Defer(release)
	ts.Setenv("VPCD_ADDR", slot.Addr())
	ts.Setenv("READER", slot.Reader)
	// The script holds the slot's lock for the emulators it starts.
	ts.Setenv(testcards.SlotLockEnv, strconv.Itoa(slot.Port))
}

// cmdWaitCard waits (10 s at most) until pcscd sees a card in $READER.
func cmdWaitCard(ts *testscript.TestScript, neg bool, args []string) {
	if err := pcsctest.WaitForCard(ts.Getenv("READER"), 10*time.Second); err != nil {
		ts.Fatalf("waitcard: %v", err)
	}
}

// cmdCardVars picks the first card image in a directory and sets $CARD
// (its path), $ID (the ID number it holds) and $CAN (its last six digits).
func cmdCardVars(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: cardvars DIR")
	}
	m, _ := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.card"))
	if len(m) == 0 {
		ts.Fatalf("cardvars: no card image in %s", args[0])
	}
	sort.Strings(m)
	id := strings.TrimSuffix(filepath.Base(m[0]), ".card")
	ts.Setenv("CARD", m[0])
	ts.Setenv("ID", id)
	ts.Setenv("CAN", id[len(id)-6:])
}

var onlyCardMu sync.Mutex

// cmdOnlyCard takes both vpcd reader slots for the rest of the script and
// puts the diagnostic card in one of them, so that pcscd shows exactly one
// reader with a card whatever other test processes do; it sets $READER to
// that reader and $EMPTY_READER to the other.
//
//	onlycard
//	exec cccd apdu 00A4040C07A0000002471001   # no --reader: the one with the card
func cmdOnlyCard(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: onlycard")
	}
	// Two scripts each holding one slot and waiting for the other would
	// wait for each other: one onlycard script at a time in this process
	// (other users of the slots hold one at most and let it go).
	onlyCardMu.Lock()
	ts.Defer(onlyCardMu.Unlock) // deferred calls run last-in first-out: this one last
	empty, release, err := pcsctest.Acquire()
	if err != nil {
		ts.Fatalf("onlycard: %v", err)
	}
	ts.Defer(release)
	slot, stop, err := pcsctest.Serve(&testcards.Diag{})
	if err != nil {
		ts.Fatalf("onlycard: %v", err)
	}
	ts.Defer(stop)
	ts.Setenv("READER", slot.Reader)
	ts.Setenv("EMPTY_READER", empty.Reader)
}
