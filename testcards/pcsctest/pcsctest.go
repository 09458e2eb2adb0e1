// Package pcsctest puts emulated cards into the real PC/SC stack for
// end-to-end tests: it makes sure pcscd runs, takes one of the two vpcd
// reader slots (locked across test processes, since go test runs packages
// in parallel) and serves an applet in it until the test ends.
package pcsctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/testcards"
)

// Slot is one vpcd reader: the TCP port its driver listens on and the name
// pcscd gives it (vsmartcard-vpcd's default /etc/reader.conf.d/vpcd).
type Slot struct {
	Port   int
	Reader string
}

// Slots are the two readers of the default vpcd configuration.
var Slots = []Slot{
	{35963, "Virtual PCD 00 00"},
	{35964, "Virtual PCD 00 01"},
}

// Addr is the slot's TCP address.
func (s Slot) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

var pcscdOnce sync.Once
var pcscdErr error

// EnsurePCSCD makes sure pcscd answers with the vpcd readers, starting
// it when it does not (the test harness may start the system daemon; it
// needs root, as CI has).
func EnsurePCSCD(t testing.TB) {
	t.Helper()
	pcscdOnce.Do(func() { pcscdErr = ensurePCSCD() })
	if pcscdErr != nil {
		t.Fatal(pcscdErr)
	}
}

func vpcdReadersVisible() error {
	ctx, err := pcsc.Open()
	if err != nil {
		return err
	}
	defer ctx.Close()
	rs, err := ctx.Readers()
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Name == Slots[0].Reader {
			return nil
		}
	}
	return fmt.Errorf("pcscd runs but shows no %q reader (%d readers): is vsmartcard-vpcd installed?", Slots[0].Reader, len(rs))
}

func ensurePCSCD() error {
	err := vpcdReadersVisible()
	if err == nil || !errors.Is(err, pcsc.ErrNoService) {
		return err
	}
	path, lerr := exec.LookPath("pcscd")
	if lerr != nil {
		for _, p := range []string{"/usr/sbin/pcscd", "/sbin/pcscd"} {
			if _, serr := os.Stat(p); serr == nil {
				path = p
			}
		}
	}
	if path == "" {
		return fmt.Errorf("%v, and no pcscd binary found: apt-get install pcscd vsmartcard-vpcd", err)
	}
	if out, rerr := exec.Command(path).CombinedOutput(); rerr != nil {
		return fmt.Errorf("starting %s: %v: %s", path, rerr, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = vpcdReadersVisible()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lockSlot takes a slot for this process: the first free one, waiting
// (up to five minutes) while all are taken. The lock files live in the
// temp dir shared by all test processes of the machine.
func lockSlot() (Slot, func(), error) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		for _, s := range Slots {
			release, err := testcards.TryLockSlot(s.Addr())
			if err == nil {
				return s, release, nil
			}
			if !errors.Is(err, testcards.ErrSlotBusy) {
				return Slot{}, nil, err
			}
		}
		if time.Now().After(deadline) {
			return Slot{}, nil, errors.New("both vpcd reader slots stayed busy for 5 minutes (a test holding a card too long?)")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Serve puts applet in a free vpcd slot and returns once pcscd reports
// the card present; stop takes it out again and frees the slot.
func Serve(applet testcards.Applet) (slot Slot, stop func(), err error) {
	pcscdOnce.Do(func() { pcscdErr = ensurePCSCD() })
	if pcscdErr != nil {
		return Slot{}, nil, pcscdErr
	}
	slot, lock, err := lockSlot()
	if err != nil {
		return Slot{}, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	v := &testcards.VPCD{Addr: slot.Addr(), Applet: applet, Retry: 50 * time.Millisecond}
	go func() { defer close(done); v.Serve(ctx) }()
	stop = func() {
		cancel()
		<-done
		// pcscd notices the card gone on its next poll; wait for it so
		// the next user of the slot starts from an empty reader.
		waitPresence(slot.Reader, false, 10*time.Second)
		lock()
	}
	if err := waitPresence(slot.Reader, true, 15*time.Second); err != nil {
		stop()
		return Slot{}, nil, fmt.Errorf("card in %s: %w", slot.Reader, err)
	}
	return slot, stop, nil
}

// Acquire takes a free vpcd slot without serving a card in it, for a
// card program run by the test itself (e.g. 'cccd emulate'); release
// frees it once the reader is empty again.
func Acquire() (Slot, func(), error) {
	pcscdOnce.Do(func() { pcscdErr = ensurePCSCD() })
	if pcscdErr != nil {
		return Slot{}, nil, pcscdErr
	}
	slot, lock, err := lockSlot()
	if err != nil {
		return Slot{}, nil, err
	}
	return slot, func() {
		waitPresence(slot.Reader, false, 10*time.Second)
		lock()
	}, nil
}

// WaitForCard waits until pcscd sees a card in the reader.
func WaitForCard(reader string, timeout time.Duration) error {
	return waitPresence(reader, true, timeout)
}

// Insert serves applet in a vpcd slot until the test ends. Slots are taken
// one per Insert, so a test may insert two cards at once.
func Insert(t testing.TB, applet testcards.Applet) Slot {
	t.Helper()
	slot, stop, err := Serve(applet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return slot
}

func waitPresence(reader string, present bool, timeout time.Duration) error {
	ctx, err := pcsc.Open()
	if err != nil {
		return err
	}
	defer ctx.Close()
	if present {
		return ctx.WaitForCard(reader, timeout)
	}
	return ctx.WaitForRemoval(reader, timeout)
}
