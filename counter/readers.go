package counter

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cccd-vn/cccd/apdu/pcsc"
)

// ReaderState is one reader as the API and the event stream show it.
type ReaderState struct {
	Name        string `json:"name"`
	CardPresent bool   `json:"card_present"`
	// Busy: a verification is running on it.
	Busy bool `json:"busy"`
}

// readerSet follows the card events of the readers the service may use
// (one watcher goroutine and PC/SC context each, since a PC/SC context
// serves one blocking call at a time) and serialises the verifications on
// each reader: two customers' requests never interleave on one card.
type readerSet struct {
	specs []string
	log   *slog.Logger

	mu       sync.Mutex
	ctx      context.Context
	watching map[string]*watcher
	subs     map[chan ReaderState]struct{}
	locks    map[string]chan struct{}
	wg       sync.WaitGroup
	stopped  bool
}

type watcher struct {
	state ReaderState
	pc    *pcsc.Context // the watcher's own context, cancelled on stop
}

func newReaderSet(specs []string, log *slog.Logger) *readerSet {
	return &readerSet{specs: specs, log: log, watching: map[string]*watcher{}, subs: map[chan ReaderState]struct{}{}, locks: map[string]chan struct{}{}}
}

func (rs *readerSet) start(ctx context.Context) {
	rs.mu.Lock()
	if rs.ctx != nil {
		rs.mu.Unlock()
		return
	}
	rs.ctx = ctx
	rs.mu.Unlock()
	rs.scan()
	go func() {
		<-ctx.Done()
		rs.stop()
	}()
}

func (rs *readerSet) stop() {
	rs.mu.Lock()
	rs.stopped = true
	for _, w := range rs.watching {
		if w.pc != nil {
			w.pc.Cancel()
		}
	}
	rs.mu.Unlock()
	rs.wg.Wait()
}

// names resolves the allowed readers among those pcscd has now.
func (rs *readerSet) names() ([]pcsc.Reader, error) {
	pc, err := pcsc.Open()
	if err != nil {
		return nil, err
	}
	defer pc.Close()
	all, err := pc.Readers()
	if err != nil {
		return nil, err
	}
	if len(rs.specs) == 0 {
		return all, nil
	}
	var out []pcsc.Reader
	for _, spec := range rs.specs {
		name, err := pc.Resolve(spec)
		if err != nil {
			continue // not plugged in (yet)
		}
		for _, r := range all {
			if r.Name == name {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// scan starts a watcher for every allowed reader not yet watched (readers
// plugged in after the start are found at the next scan: every listing of
// the readers scans).
func (rs *readerSet) scan() ([]ReaderState, error) {
	found, err := rs.names()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if err == nil && !rs.stopped && rs.ctx != nil {
		for _, r := range found {
			if _, ok := rs.watching[r.Name]; ok {
				continue
			}
			w := &watcher{state: ReaderState{Name: r.Name, CardPresent: r.CardPresent}}
			rs.watching[r.Name] = w
			rs.wg.Add(1)
			go rs.watch(w)
		}
	}
	var out []ReaderState
	for _, r := range found {
		st := ReaderState{Name: r.Name, CardPresent: r.CardPresent}
		if w, ok := rs.watching[r.Name]; ok {
			st = w.state
		}
		out = append(out, st)
	}
	return out, err
}

// allowed reports whether name is a reader the service may use.
func (rs *readerSet) allowed(name string) bool {
	found, err := rs.names()
	if err != nil {
		return false
	}
	for _, r := range found {
		if r.Name == name {
			return true
		}
	}
	return false
}

// watch follows one reader's card state until the set stops.
func (rs *readerSet) watch(w *watcher) {
	defer rs.wg.Done()
	name := w.state.Name
	for {
		pc, err := pcsc.Open()
		rs.mu.Lock()
		if rs.stopped {
			rs.mu.Unlock()
			if pc != nil {
				pc.Close()
			}
			return
		}
		w.pc = pc
		rs.mu.Unlock()
		if err == nil {
			err = rs.follow(pc, w)
			pc.Close()
		}
		rs.mu.Lock()
		w.pc = nil
		stopped := rs.stopped
		rs.mu.Unlock()
		if stopped {
			return
		}
		// pcscd restarted or the reader went away: try again shortly.
		rs.log.Warn("reader watch interrupted", "reader", name, "error", err)
		select {
		case <-rs.ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// watchPoll bounds one wait for a card event.
const watchPoll = 500 * time.Millisecond

// errStopped ends a watch when the server stops.
var errStopped = errors.New("stopped")

// follow publishes every insertion and removal until an error.
func (rs *readerSet) follow(pc *pcsc.Context, w *watcher) error {
	name := w.state.Name
	// The state now, then every change.
	present := pc.WaitForCard(name, time.Millisecond) == nil
	rs.publish(name, func(st *ReaderState) { st.CardPresent = present })
	for {
		// Bounded waits: a cancel (stop) that arrives between two waits
		// is not seen by the next one (SCardCancel cancels only a call in
		// progress), so each wait ends now and then to look at stopped.
		rs.mu.Lock()
		stopped := rs.stopped
		rs.mu.Unlock()
		if stopped {
			return errStopped
		}
		var err error
		if present {
			err = pc.WaitForRemoval(name, watchPoll)
		} else {
			err = pc.WaitForCard(name, watchPoll)
		}
		if err != nil {
			if errors.Is(err, pcsc.ErrTimeout) {
				continue
			}
			return err
		}
		present = !present
		rs.publish(name, func(st *ReaderState) { st.CardPresent = present })
	}
}

// publish changes a reader's state and tells every subscriber.
func (rs *readerSet) publish(name string, f func(*ReaderState)) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	w, ok := rs.watching[name]
	if !ok {
		return
	}
	old := w.state
	f(&w.state)
	if old == w.state {
		return
	}
	for ch := range rs.subs {
		select {
		case ch <- w.state:
		default:
			// A subscriber that does not read loses events rather than
			// stalling the readers; the page re-reads the state when it
			// reconnects.
		}
	}
}

// subscribe returns the current states and a channel of changes.
func (rs *readerSet) subscribe() ([]ReaderState, chan ReaderState, func()) {
	rs.scan()
	ch := make(chan ReaderState, 64)
	rs.mu.Lock()
	rs.subs[ch] = struct{}{}
	var now []ReaderState
	for _, w := range rs.watching {
		now = append(now, w.state)
	}
	rs.mu.Unlock()
	return now, ch, func() {
		rs.mu.Lock()
		delete(rs.subs, ch)
		rs.mu.Unlock()
	}
}

// lock takes a reader for one verification, waiting for the one running
// until ctx ends.
func (rs *readerSet) lock(ctx context.Context, name string) (func(), error) {
	rs.mu.Lock()
	l, ok := rs.locks[name]
	if !ok {
		l = make(chan struct{}, 1)
		rs.locks[name] = l
	}
	rs.mu.Unlock()
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	rs.publish(name, func(st *ReaderState) { st.Busy = true })
	return func() {
		rs.publish(name, func(st *ReaderState) { st.Busy = false })
		<-l
	}, nil
}
