package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
)

// readerHelp is the --reader text every command shares.
const readerHelp = `reader: a PC/SC reader name, a unique substring of it, its index in
'cccd readers', or emu:PATH for an emulated card image`

// openedCard is a card ready for APDUs, with what the CLI reports about it.
type openedCard struct {
	*apdu.Card
	Reader string // reader name, or emu:PATH
	ATR    []byte
	close  func() error
}

func (o *openedCard) Close() error {
	if o.close == nil {
		return nil
	}
	return o.close()
}

// openEmulated opens an emulated card image for --reader emu:PATH. The
// emulator installs it; until then emu: readers are refused.
var openEmulated = func(path string) (apdu.Transport, []byte, io.Closer, error) {
	return nil, nil, nil, errors.New("emulated cards (emu:PATH) are not available in this build")
}

// openReader opens the card a --reader value names. Errors carry the exit
// code: 2 for a malformed or ambiguous reader, 3 for reader and card trouble.
func openReader(c *cobra.Command, spec string) (*openedCard, error) {
	if spec == "" {
		return nil, usageError(c, "--reader is required (%s)", readerHelp)
	}
	if path, ok := strings.CutPrefix(spec, "emu:"); ok {
		if path == "" {
			return nil, usageError(c, "--reader emu: needs the path of a card image, e.g. emu:card.img")
		}
		t, atr, closer, err := openEmulated(path)
		if err != nil {
			return nil, ioError(err)
		}
		return &openedCard{Card: newCard(c, t, c.ErrOrStderr(), ""), Reader: spec, ATR: atr, close: closer.Close}, nil
	}
	ctx, err := pcsc.Open()
	if err != nil {
		return nil, ioError(err)
	}
	name, err := ctx.Resolve(spec)
	if err != nil {
		ctx.Close()
		if errors.Is(err, pcsc.ErrNoReaders) || errors.Is(err, pcsc.ErrNoService) {
			return nil, ioError(err)
		}
		return nil, usageError(c, "--reader %s: %v", spec, err)
	}
	card, err := ctx.Connect(name)
	if err != nil {
		ctx.Close()
		return nil, ioError(err)
	}
	return &openedCard{
		Card:   newCard(c, card, c.ErrOrStderr(), ""),
		Reader: name,
		ATR:    card.ATR(),
		close: func() error {
			err := card.Close()
			ctx.Close()
			return err
		},
	}, nil
}

// formatATR shows an ATR as spaced hex.
func formatATR(atr []byte) string { return fmt.Sprintf("% X", atr) }
