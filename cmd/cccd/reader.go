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
	name, err := resolveReader(c, ctx, spec, true)
	if err != nil {
		ctx.Close()
		return nil, err
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

// resolveReader turns a --reader value into a reader name. An empty one
// (no flag, no CCCD_READER, no config) is the only reader pcscd shows, or
// with byCard the only one with a card in it; the choice is said on stderr.
// Errors carry their exit code.
func resolveReader(c *cobra.Command, ctx *pcsc.Context, spec string, byCard bool) (string, error) {
	if spec != "" {
		name, err := ctx.Resolve(spec)
		if err != nil {
			if errors.Is(err, pcsc.ErrNoReaders) || errors.Is(err, pcsc.ErrNoService) {
				return "", ioError(err)
			}
			return "", usageError(c, "--reader %s: %v", spec, err)
		}
		return name, nil
	}
	readers, err := ctx.Readers()
	if err != nil {
		return "", ioError(err)
	}
	name, why, err := chooseReader(readers, byCard)
	if err != nil {
		if errors.Is(err, pcsc.ErrNoReaders) {
			return "", ioError(err)
		}
		return "", usageError(c, "%v", err)
	}
	fmt.Fprintf(c.ErrOrStderr(), "cccd: using reader %q (%s; --reader or CCCD_READER picks another)\n", name, why)
	return name, nil
}

// chooseReader is the default reader: the only one, or with byCard the
// only one holding a card.
func chooseReader(readers []pcsc.Reader, byCard bool) (name, why string, err error) {
	switch len(readers) {
	case 0:
		return "", "", pcsc.ErrNoReaders
	case 1:
		return readers[0].Name, "the only reader", nil
	}
	var names, withCard []string
	for _, r := range readers {
		names = append(names, fmt.Sprintf("%d: %q", r.Index, r.Name))
		if r.CardPresent {
			withCard = append(withCard, r.Name)
		}
	}
	if byCard && len(withCard) == 1 {
		return withCard[0], "the only reader with a card", nil
	}
	what := ""
	if byCard {
		what = fmt.Sprintf(", %d with a card", len(withCard))
	}
	return "", "", fmt.Errorf("--reader is required: %d readers%s (%s); give --reader NAME or its index, or set CCCD_READER",
		len(readers), what, strings.Join(names, ", "))
}
