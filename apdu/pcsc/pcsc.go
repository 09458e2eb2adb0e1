// Package pcsc reaches real readers through the PC/SC daemon (pcscd) with
// github.com/ebfe/scard. Only code that needs a reader imports it: the
// rest of the module works on apdu.Transport.
package pcsc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ebfe/scard"
)

// Errors that tell the user what to do. They wrap the PC/SC code where
// there is one.
var (
	ErrNoService    = errors.New("pcscd is not running: start it with 'sudo systemctl start pcscd.socket' (or 'sudo pcscd'), then try again")
	ErrNoReaders    = errors.New("no smart card reader found: plug a reader in (or run 'cccd emulate' for a virtual card) and check 'cccd readers'")
	ErrNoCard       = errors.New("no card in the reader: insert or tap the card")
	ErrReaderBusy   = errors.New("the reader is in use by another program: close it (or wait for it to finish) and try again")
	ErrCardRemoved  = errors.New("the card was removed during the operation: put it back and try again")
	ErrCardReset    = errors.New("the card was reset by another program: the session is lost")
	ErrTimeout      = errors.New("timed out waiting for the card")
	ErrUnresponsive = errors.New("the card does not answer: put it back on the reader (or try another one)")
)

// Error is a PC/SC failure with the operation and reader it happened on.
type Error struct {
	Op     string // "connect", "transmit", ...
	Reader string
	Code   scard.Error
	err    error // one of the sentinels above, or nil
}

func (e *Error) Error() string {
	where := ""
	if e.Reader != "" {
		where = fmt.Sprintf(" (reader %q)", e.Reader)
	}
	if e.err != nil {
		return fmt.Sprintf("%s%s: %v", e.Op, where, e.err)
	}
	return fmt.Sprintf("%s%s: PC/SC error %s (0x%08X)", e.Op, where, e.Code.Error(), uint32(e.Code))
}

// Unwrap gives the sentinel, for errors.Is.
func (e *Error) Unwrap() error { return e.err }

// wrap turns an scard error into an *Error with a sentinel the user can act on.
func wrap(op, reader string, err error) error {
	if err == nil {
		return nil
	}
	code, ok := err.(scard.Error)
	if !ok {
		return fmt.Errorf("%s: %w", op, err)
	}
	var s error
	switch code {
	case scard.ErrNoService, scard.ErrServiceStopped:
		s = ErrNoService
	case scard.ErrNoReadersAvailable:
		s = ErrNoReaders
	case scard.ErrNoSmartcard:
		s = ErrNoCard
	case scard.ErrSharingViolation:
		s = ErrReaderBusy
	case scard.ErrRemovedCard:
		s = ErrCardRemoved
	case scard.ErrResetCard:
		s = ErrCardReset
	case scard.ErrTimeout:
		s = ErrTimeout
	case scard.ErrUnresponsiveCard, scard.ErrUnpoweredCard, scard.ErrCommError, scard.ErrNotReady:
		s = ErrUnresponsive
	case scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		s = fmt.Errorf("reader %q is gone: check 'cccd readers'", reader)
	}
	return &Error{Op: op, Reader: reader, Code: code, err: s}
}

// Context is a connection to pcscd.
type Context struct {
	ctx *scard.Context
}

// Open connects to pcscd.
func Open() (*Context, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("connect to pcscd", "", err)
	}
	return &Context{ctx: ctx}, nil
}

// Close releases the connection.
func (c *Context) Close() error { return c.ctx.Release() }

// Cancel makes a pending WaitForCard or WaitForRemoval return early (with
// an error wrapping scard.ErrCancelled); safe to call from another goroutine.
func (c *Context) Cancel() error { return c.ctx.Cancel() }

// Reader is one reader as pcscd sees it.
type Reader struct {
	Index       int    `json:"index"`
	Name        string `json:"name"`
	CardPresent bool   `json:"card_present"`
	InUse       bool   `json:"in_use"` // a program holds the card exclusively
	ATR         []byte `json:"atr,omitempty"`
}

// Readers lists the readers with their card state.
func (c *Context) Readers() ([]Reader, error) {
	names, err := c.ctx.ListReaders()
	if err != nil {
		if errors.Is(err, scard.ErrNoReadersAvailable) {
			return nil, nil
		}
		return nil, wrap("list readers", "", err)
	}
	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	if err := c.ctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return nil, wrap("read reader states", "", err)
	}
	out := make([]Reader, len(names))
	for i, st := range states {
		out[i] = Reader{
			Index:       i,
			Name:        st.Reader,
			CardPresent: st.EventState&scard.StatePresent != 0,
			InUse:       st.EventState&scard.StateExclusive != 0,
		}
		if out[i].CardPresent && len(st.Atr) > 0 {
			out[i].ATR = append([]byte(nil), st.Atr...)
		}
	}
	return out, nil
}

// Resolve finds the reader a user means: its exact name, its index in the
// list, or a substring that matches exactly one reader.
func (c *Context) Resolve(spec string) (string, error) {
	readers, err := c.Readers()
	if err != nil {
		return "", err
	}
	if len(readers) == 0 {
		return "", ErrNoReaders
	}
	return resolve(spec, readers)
}

func resolve(spec string, readers []Reader) (string, error) {
	for _, r := range readers {
		if r.Name == spec {
			return r.Name, nil
		}
	}
	if i, err := strconv.Atoi(spec); err == nil {
		if i < 0 || i >= len(readers) {
			return "", fmt.Errorf("there is no reader %d: %s", i, listNames(readers))
		}
		return readers[i].Name, nil
	}
	var match []string
	for _, r := range readers {
		if strings.Contains(strings.ToLower(r.Name), strings.ToLower(spec)) {
			match = append(match, r.Name)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return "", fmt.Errorf("no reader matches %q: %s", spec, listNames(readers))
	}
	return "", fmt.Errorf("%q matches %d readers (%s): give more of the name or its index", spec, len(match), strings.Join(match, ", "))
}

func listNames(readers []Reader) string {
	var b strings.Builder
	b.WriteString("the readers are ")
	for i, r := range readers {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %q", r.Index, r.Name)
	}
	return b.String()
}

// WaitForCard waits until a card is present in the reader (timeout <= 0
// waits forever).
func (c *Context) WaitForCard(reader string, timeout time.Duration) error {
	return c.waitFor(reader, timeout, true)
}

// WaitForRemoval waits until the reader is empty (timeout <= 0 waits forever).
func (c *Context) WaitForRemoval(reader string, timeout time.Duration) error {
	return c.waitFor(reader, timeout, false)
}

func (c *Context) waitFor(reader string, timeout time.Duration, present bool) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	st := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	for {
		wait := time.Duration(-1) // INFINITE
		if timeout > 0 {
			wait = time.Until(deadline)
			if wait <= 0 {
				return wrap("wait for card", reader, scard.ErrTimeout)
			}
		}
		err := c.ctx.GetStatusChange(st, wait)
		if err != nil {
			return wrap("wait for card", reader, err)
		}
		has := st[0].EventState&scard.StatePresent != 0 && st[0].EventState&scard.StateMute == 0
		if has == present {
			return nil
		}
		st[0].CurrentState = st[0].EventState &^ scard.StateChanged
	}
}

// Card is a card connected in a reader; it is an apdu.Transport.
type Card struct {
	card   *scard.Card
	reader string
	atr    []byte
	share  scard.ShareMode
}

// Connect connects to the card in reader in shared mode, T=0 or T=1.
func (c *Context) Connect(reader string) (*Card, error) {
	return c.connect(reader, scard.ShareShared)
}

// ConnectExclusive connects to the card in reader so that no other program
// can reach it until Close (SCARD_SHARE_EXCLUSIVE): a card being written
// must not see another program's APDUs between two of ours. While another
// program holds the card the error wraps ErrReaderBusy.
func (c *Context) ConnectExclusive(reader string) (*Card, error) {
	return c.connect(reader, scard.ShareExclusive)
}

func (c *Context) connect(reader string, share scard.ShareMode) (*Card, error) {
	sc, err := c.ctx.Connect(reader, share, scard.ProtocolAny)
	if err != nil {
		return nil, wrap("connect", reader, err)
	}
	card := &Card{card: sc, reader: reader, share: share}
	if err := card.readATR(); err != nil {
		sc.Disconnect(scard.LeaveCard)
		return nil, err
	}
	return card, nil
}

func (c *Card) readATR() error {
	st, err := c.card.Status()
	if err != nil {
		return wrap("card status", c.reader, err)
	}
	c.atr = append([]byte(nil), st.Atr...)
	return nil
}

// Reader is the name of the card's reader.
func (c *Card) Reader() string { return c.reader }

// ATR is the card's answer to reset.
func (c *Card) ATR() []byte { return c.atr }

// Protocol names the active protocol, "T=0" or "T=1".
func (c *Card) Protocol() string {
	if c.card.ActiveProtocol() == scard.ProtocolT0 {
		return "T=0"
	}
	return "T=1"
}

// Transmit sends one APDU.
func (c *Card) Transmit(cmd []byte) ([]byte, error) {
	out, err := c.card.Transmit(cmd)
	if err != nil {
		return nil, wrap("transmit", c.reader, err)
	}
	return out, nil
}

// Reconnect re-establishes the connection, resetting the card when reset
// is set (after a reset every session state on the card is gone).
func (c *Card) Reconnect(reset bool) error {
	disp := scard.LeaveCard
	if reset {
		disp = scard.ResetCard
	}
	if err := c.card.Reconnect(c.share, scard.ProtocolAny, disp); err != nil {
		return wrap("reconnect", c.reader, err)
	}
	return c.readATR()
}

// Close disconnects, leaving the card powered as it is.
func (c *Card) Close() error {
	return wrap("disconnect", c.reader, c.card.Disconnect(scard.LeaveCard))
}
