//go:build !linux

package journal

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// slotLocks without open-file-description locks: one lock file per slot,
// locked with flock(2). A check takes the lock for an instant, so a
// station restarting at that very moment may be told it runs already and
// has to be started again.
type slotLocks struct{ path string }

func openSlotLocks(path string) (*slotLocks, error) { return &slotLocks{path: path}, nil }

func (l *slotLocks) file(slot int64) (*os.File, error) {
	return os.OpenFile(fmt.Sprintf("%s.%d", l.path, slot), os.O_RDWR|os.O_CREATE, 0o600)
}

func (l *slotLocks) lock(slot int64) (func() error, bool, error) {
	f, err := l.file(slot)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f.Close, true, nil
}

func (l *slotLocks) held(slot int64) (bool, error) {
	unlock, ok, err := l.lock(slot)
	if err != nil || !ok {
		return !ok, err
	}
	return false, unlock()
}

func (l *slotLocks) close() error { return nil }

// writeLock leaves the ordering of writers to SQLite's busy handler.
func (l *slotLocks) writeLock() func() { return func() {} }
