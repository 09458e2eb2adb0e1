package chip

import (
	"errors"
	"fmt"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/lds"
)

// Reading elementary files (ICAO 9303-10 §3, ISO/IEC 7816-4 §11.2): one
// SELECT by file identifier, then READ BINARY with the largest answer the
// card gives — extended length when it takes it, else 223 bytes under
// secure messaging (so that the protected answer fits 256 bytes) or 256
// in plain — and READ BINARY with odd INS (offset in DO 54) beyond 32767.

// shortLeSM is the largest plain chunk whose protected answer still fits
// a short response: DO87 header, padding and DO99/DO8E take the rest.
const shortLeSM = 0xDF

// ErrFileAccess reports a file the chip refuses to give (6982), such as
// DG3/DG4 without EAC terminal authentication.
var ErrFileAccess = errors.New("the chip refuses access to this file")

// ErrFileTruncated reports a file shorter than its own TLV header says;
// ReadFile returns what there is along with it (a malformed file is
// evidence, not a reader failure).
var ErrFileTruncated = errors.New("the file is shorter than its header says")

// MaxFileSize is the largest LDS file read by default: far above any real
// data group (a DG2 with a JPEG 2000 face is tens of KB), far below what a
// lying length header could make a terminal fetch.
const MaxFileSize = 512 * 1024

// minAnswer is the smallest READ BINARY answer a working card gives: real
// chips answer 223 bytes (short under secure messaging) or more.
const minAnswer = 64

// MaxReadRounds is how many READ BINARY a file of size bytes may take: one
// per minAnswer bytes, and a few more.
func MaxReadRounds(size int) int { return size/minAnswer + 8 }

// ErrFileTooLarge reports a file whose header claims more than the
// reader's MaxFileSize.
var ErrFileTooLarge = fmt.Errorf("%w: the file's header claims more bytes than any LDS file holds", apdu.ErrBudget)

// FileReader reads files from a card, remembering what the card takes.
type FileReader struct {
	// MaxFileSize bounds a file's length (chip.MaxFileSize when zero).
	MaxFileSize int
	card        *apdu.Card
	// extended: 0 not tried yet, 1 works, -1 refused.
	extended int
	// sfi: 0 not tried yet, 1 works, -1 refused.
	sfi int
	// NoExtended never tries extended length.
	NoExtended bool
	// NoShortEF always SELECTs instead of reading by short EF identifier.
	NoShortEF bool
}

// NewFileReader returns a reader for card. When the card's ATR announces
// its capabilities (apdu.ParseCapabilities) — the card's transport has an
// ATR method — extended length is used or not as it says, without a probe.
func NewFileReader(card *apdu.Card) *FileReader {
	r := &FileReader{card: card}
	if t, ok := card.Transport().(interface{ ATR() []byte }); ok {
		r.SetCapabilities(apdu.ParseCapabilities(t.ATR()))
	}
	return r
}

// SetCapabilities takes what the card said of itself: extended length
// known to work or not (nothing changes when caps.Known is false).
func (r *FileReader) SetCapabilities(caps apdu.Capabilities) {
	switch {
	case !caps.Known:
	case caps.ExtendedLength && !r.NoExtended:
		r.extended = 1
	default:
		r.extended = -1
	}
}

// ExtendedLength reports whether extended-length reads are in use.
func (r *FileReader) ExtendedLength() bool { return r.useExtended() }

func (r *FileReader) useExtended() bool { return r.extended == 1 && !r.NoExtended }

// ReadFile selects a file by identifier and reads it whole. The length
// comes from the TLV header of the first chunk, so no extra APDU is spent
// on it; a card that gives fewer bytes than asked is read on from there.
func (r *FileReader) ReadFile(fid uint16) ([]byte, error) {
	name := lds.FileName(fid)
	// The first chunk of an LDS file is read by its short EF identifier
	// (ISO/IEC 7816-4 §11.2.2, P1 bit 8; ICAO 9303-10 §3.6.2 gives each LDS
	// file one), which selects it too: one APDU less per file. A card that
	// refuses it gets SELECTs.
	sfi := lds.ShortEF(fid)
	useSFI := sfi != 0 && !r.NoShortEF && r.sfi >= 0
	if !useSFI {
		if err := r.selectFile(fid); err != nil {
			return nil, readErr(name, err)
		}
	}
	var data []byte
	total := -1
	// rounds bounds the READ BINARYs of one file: a card that answers in
	// ever smaller pieces is broken or hostile, and must not cost the
	// counter tens of thousands of APDUs.
	rounds, maxRounds := 0, 16
	for total < 0 || len(data) < total {
		if rounds++; rounds > maxRounds {
			return nil, fmt.Errorf("reading %s: %w: %d READ BINARY for %d bytes", name, apdu.ErrBudget, rounds-1, total)
		}
		want := r.chunk()
		if total >= 0 {
			want = min(want, total-len(data))
		}
		var chunk []byte
		var err error
		if useSFI && len(data) == 0 {
			chunk, err = r.readCmd(0, want, r.useExtended(), sfi)
			switch {
			case err == nil:
				r.sfi = 1
			case r.sfi == 0 && isStatus(err):
				// No short EF support, no such file, or a file the chip
				// keeps closed: SELECT and a plain read tell which. Only
				// a file that then reads turns short EFs off.
				if err := r.selectFile(fid); err != nil {
					return nil, readErr(name, err)
				}
				if chunk, err = r.readAt(0, want); err == nil {
					r.sfi = -1
				}
			}
		} else {
			chunk, err = r.readAt(len(data), want)
		}
		if err != nil {
			if total >= 0 && errors.Is(err, apdu.ErrWrongP1P2) {
				// Offset beyond the end: the file is shorter than said.
				return data, fmt.Errorf("reading %s: %w (%d of %d bytes)", name, ErrFileTruncated, len(data), total)
			}
			return nil, readErr(name, err)
		}
		if len(chunk) == 0 {
			if total < 0 {
				return nil, fmt.Errorf("reading %s: the file is empty", name)
			}
			return data, fmt.Errorf("reading %s: %w (%d of %d bytes)", name, ErrFileTruncated, len(data), total)
		}
		data = append(data, chunk...)
		if total < 0 {
			n, ok := tlvTotalLength(data)
			if !ok {
				if len(data) < 8 {
					continue
				}
				return nil, fmt.Errorf("reading %s: the file does not start with a BER-TLV header", name)
			}
			limit := r.MaxFileSize
			if limit <= 0 {
				limit = MaxFileSize
			}
			if n > limit {
				return nil, fmt.Errorf("reading %s: %w (%d bytes, at most %d)", name, ErrFileTooLarge, n, limit)
			}
			total = n
			maxRounds = MaxReadRounds(total)
		}
	}
	return data[:total], nil
}

// selectFile selects an EF by identifier, asking for no FCI (P2=0C).
func (r *FileReader) selectFile(fid uint16) error {
	_, err := r.card.Send(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}})
	return err
}

func isStatus(err error) bool {
	var se *apdu.StatusError
	return errors.As(err, &se)
}

func (r *FileReader) chunk() int {
	if r.useExtended() {
		return apdu.MaxExtendedLe
	}
	if r.card.Secured() {
		return shortLeSM
	}
	return apdu.MaxShortLe
}

// readAt reads up to n bytes at offset, trying extended length once.
func (r *FileReader) readAt(offset, n int) ([]byte, error) {
	if r.extended == 0 && !r.NoExtended && n >= r.chunk() {
		data, err := r.readCmd(offset, apdu.MaxExtendedLe, true, 0)
		if err == nil {
			r.extended = 1
			return data, nil
		}
		var se *apdu.StatusError
		if !errors.As(err, &se) || errors.Is(err, apdu.ErrSecurityStatus) || errors.Is(err, apdu.ErrFileNotFound) {
			return nil, err
		}
		r.extended = -1
		n = min(n, r.chunk())
	}
	return r.readCmd(offset, n, r.useExtended(), 0)
}

// readCmd sends one READ BINARY: by short EF identifier when sfi is set
// (offset then fits P2), with the offset in P1-P2 up to 32767, else with
// odd INS.
func (r *FileReader) readCmd(offset, n int, extended bool, sfi byte) ([]byte, error) {
	if sfi != 0 && offset <= 0xFF {
		return r.card.Send(apdu.Command{INS: 0xB0, P1: 0x80 | sfi, P2: byte(offset), Ne: n, Extended: extended})
	}
	if offset <= 0x7FFF {
		return r.card.Send(apdu.Command{INS: 0xB0, P1: byte(offset >> 8), P2: byte(offset), Ne: n, Extended: extended})
	}
	// Odd INS: the offset travels in DO 54, the data comes back in DO 53.
	// Ne covers the DO 53 header too, or a final chunk asked for exactly
	// would come back short and look like a truncated file.
	off := []byte{byte(offset >> 16), byte(offset >> 8), byte(offset)}
	ne := n
	if extended {
		ne = min(n+5, apdu.MaxExtendedLe)
	} else {
		ne = min(n+4, r.chunk())
	}
	resp, err := r.card.Send(apdu.Command{INS: 0xB1, Data: apdu.EncodeTLV(0x54, off), Ne: ne, Extended: extended})
	if err != nil {
		return nil, err
	}
	rd := apdu.TLVReader(resp)
	var v []byte
	if !rd.ReadBytes(0x53, &v) {
		return nil, fmt.Errorf("READ BINARY (odd INS): answer is not a 53 data object")
	}
	return v, nil
}

// tlvTotalLength returns the length of the TLV object at the start of b
// (header included) once b holds its whole header.
func tlvTotalLength(b []byte) (int, bool) {
	i := 1
	if len(b) == 0 {
		return 0, false
	}
	if b[0]&0x1F == 0x1F {
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return 0, false
	}
	l := int(b[i])
	i++
	if l > 0x80 {
		nb := l & 0x7F
		if nb > 3 || i+nb > len(b) {
			return 0, false
		}
		l = 0
		for k := 0; k < nb; k++ {
			l = l<<8 | int(b[i+k])
		}
		i += nb
	} else if l == 0x80 {
		return 0, false
	}
	return i + l, true
}

func readErr(name string, err error) error {
	if errors.Is(err, apdu.ErrSecurityStatus) {
		return fmt.Errorf("reading %s: %w (%w)", name, ErrFileAccess, err)
	}
	return fmt.Errorf("reading %s: %w", name, err)
}
