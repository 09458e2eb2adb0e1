package journal

import (
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// slotLocks are the stations' liveness locks of a SQLite journal: one
// byte of a lock file per station slot, locked with an open-file-
// description lock (F_OFD_SETLK) for as long as the station runs. The
// kernel drops it when the process dies, however it dies (kill -9
// included), so a station's claims are known to be orphaned at once;
// F_OFD_GETLK asks without taking the lock, so a check never makes a
// restarting station believe it is already running.
type slotLocks struct {
	path  string
	probe *os.File // a description of its own, for held
}

func openSlotLocks(path string) (*slotLocks, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	return &slotLocks{path: path, probe: f}, nil
}

func (l *slotLocks) lock(slot int64) (func() error, bool, error) {
	// Each station opens the file anew: OFD locks belong to an open file
	// description, so stations of one process exclude each other too.
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: slot, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f.Close, true, nil
}

func (l *slotLocks) held(slot int64) (bool, error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: slot, Len: 1}
	if err := unix.FcntlFlock(l.probe.Fd(), unix.F_OFD_GETLK, &lk); err != nil {
		return false, err
	}
	return lk.Type != unix.F_UNLCK, nil
}

func (l *slotLocks) close() error { return l.probe.Close() }

// writeLock serialises the journal's write transactions across processes
// on byte 0 of the lock file (slots start at 1). SQLite's own busy
// handler polls with sleeps growing to 100 ms, which leaves stations on
// one journal idle most of the time once three contend; this lock is
// polled every few hundred microseconds instead. It only orders writers:
// SQLite's locking still decides, so after maxWait the transaction goes
// ahead and SQLite's busy timeout has the last word.
func (l *slotLocks) writeLock() func() {
	const maxWait = 20 * time.Second
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 1}
	deadline := time.Now().Add(maxWait)
	pause := 100 * time.Microsecond
	for {
		err := unix.FcntlFlock(l.probe.Fd(), unix.F_OFD_SETLK, &lk)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EINTR) || time.Now().After(deadline) {
			return func() {}
		}
		time.Sleep(pause)
		pause = min(2*pause, 2*time.Millisecond)
	}
	return func() {
		un := unix.Flock_t{Type: unix.F_UNLCK, Whence: io.SeekStart, Start: 0, Len: 1}
		unix.FcntlFlock(l.probe.Fd(), unix.F_OFD_SETLK, &un)
	}
}
