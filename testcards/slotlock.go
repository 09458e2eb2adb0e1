package testcards

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// A vpcd reader slot takes one card at a time: two card programs on the
// same slot (a person's 'cccd emulate' and the test suite, say) would
// write into each other's card. Whoever serves a card in a slot holds an
// advisory lock on a file named after its port, which the tests' slot
// picker (testcards/pcsctest) and 'cccd emulate' take alike.

// ErrSlotBusy reports a vpcd slot another card program holds.
var ErrSlotBusy = errors.New("the vpcd reader slot is in use by another card program")

// SlotLockEnv, set to a slot's port, tells 'cccd emulate' that its caller
// holds that slot's lock on its behalf (a test that picked the slot).
const SlotLockEnv = "CCCD_VPCD_LOCK_HELD"

// SlotLockPath is the lock file of the vpcd slot at addr (host:port). It
// is in /tmp itself, not $TMPDIR: every program on the machine must find
// the same file, whatever its environment (test harnesses set TMPDIR).
func SlotLockPath(addr string) (string, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("vpcd address %q: %w", addr, err)
	}
	return filepath.Join("/tmp", "cccd-vpcd-"+port+".lock"), nil
}

// TryLockSlot takes the lock of the vpcd slot at addr without waiting: a
// slot held by another program gives an error wrapping ErrSlotBusy that
// names the lock file. release frees it.
func TryLockSlot(addr string) (release func(), err error) {
	path, err := SlotLockPath(addr)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s, lock %s)", ErrSlotBusy, addr, path)
		}
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
