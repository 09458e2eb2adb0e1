package chip

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/lds"
)

// readFakeCard is a plain-text file system answering SELECT (by file
// identifier) and READ BINARY (even and odd INS) the way ISO/IEC 7816-4
// §11.2 says, with a configurable largest answer and extended-length
// support, recording every command so tests can count them.
type readFakeCard struct {
	files    map[uint16][]byte
	denied   map[uint16]bool
	extended bool // accepts extended-length commands
	maxResp  int  // largest answer (0: what Ne asks)
	noSFI    bool // refuses READ BINARY by short EF identifier
	// announce gives the card an ATR whose historical bytes say whether it
	// takes extended length (ISO/IEC 7816-4 card capabilities).
	announce bool
	current  []byte
	log      []apdu.Command
}

// fakeATR is the reader-side ATR of the fake card (apdu.Card finds it on
// its transport), with or without card capabilities.
type fakeATR struct{ *readFakeCard }

func (f fakeATR) ATR() []byte {
	hist := []byte("fake")
	if f.announce {
		hist = apdu.CardCapabilities(apdu.Capabilities{Known: true, ExtendedLength: f.extended}, nil)
	}
	return append([]byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}, hist...)
}

func (f *readFakeCard) Transmit(raw []byte) ([]byte, error) {
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return nil, err
	}
	f.log = append(f.log, cmd)
	sw := func(s apdu.SW) []byte { return apdu.Response{SW: s}.Bytes() }
	if cmd.IsExtended() && !f.extended {
		return sw(apdu.SWWrongLength), nil
	}
	switch cmd.INS {
	case 0xA4:
		if cmd.P1 != 0x02 || cmd.P2 != 0x0C || len(cmd.Data) != 2 {
			return sw(apdu.SWIncorrectP1P2), nil
		}
		fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		b, ok := f.files[fid]
		if !ok {
			return sw(apdu.SWFileNotFound), nil
		}
		if f.denied[fid] {
			f.current = nil
			return apdu.Response{SW: apdu.SWSuccess}.Bytes(), nil
		}
		f.current = b
		return sw(apdu.SWSuccess), nil
	case 0xB0, 0xB1:
		offset := int(cmd.P1&0x7F)<<8 | int(cmd.P2)
		if cmd.INS == 0xB0 && cmd.P1&0x80 != 0 {
			if f.noSFI {
				return sw(apdu.SWIncorrectP1P2), nil
			}
			f.current, offset = nil, int(cmd.P2)
			found := false
			for fid, b := range f.files {
				if byte(fid)&0x1F == cmd.P1&0x1F {
					found = true
					if !f.denied[fid] {
						f.current = b
					}
				}
			}
			if !found {
				return sw(apdu.SWFileNotFound), nil
			}
			if f.current == nil {
				return sw(apdu.SWSecurityStatus), nil
			}
		}
		if f.current == nil {
			return sw(apdu.SWSecurityStatus), nil
		}
		if cmd.INS == 0xB1 {
			r := apdu.TLVReader(cmd.Data)
			var off []byte
			if !r.ReadBytes(0x54, &off) {
				return sw(apdu.SWWrongData), nil
			}
			offset = 0
			for _, b := range off {
				offset = offset<<8 | int(b)
			}
		} else if offset > 0x7FFF {
			return sw(apdu.SWWrongP1P2), nil
		}
		if offset > len(f.current) {
			return sw(apdu.SWWrongP1P2), nil
		}
		n := cmd.Ne
		if f.maxResp > 0 {
			n = min(n, f.maxResp)
		}
		if cmd.INS == 0xB1 {
			// The 53 header takes room in the answer.
			limit := n
			for n > 0 && len(apdu.EncodeTLV(0x53, make([]byte, n))) > limit {
				n--
			}
		}
		n = min(n, len(f.current)-offset)
		data := f.current[offset : offset+n]
		if cmd.INS == 0xB1 {
			data = apdu.EncodeTLV(0x53, data)
		}
		return apdu.Response{Data: append([]byte(nil), data...), SW: apdu.SWSuccess}.Bytes(), nil
	}
	return sw(apdu.SWINSNotSupported), nil
}

func (f *readFakeCard) count(ins byte) int {
	n := 0
	for _, c := range f.log {
		if c.INS == ins {
			n++
		}
	}
	return n
}

// readTestFile is a BER-TLV file of total size bytes (tag 75, DG2-like).
func readTestFile(size int) []byte {
	hdr := len(apdu.EncodeTLV(0x75, make([]byte, size)))
	// Shrink the value until header+value is exactly size.
	v := size - (hdr - size)
	for len(apdu.EncodeTLV(0x75, make([]byte, v))) > size {
		v--
	}
	val := make([]byte, v)
	for i := range val {
		val[i] = byte(i * 7)
	}
	return apdu.EncodeTLV(0x75, val)
}

// TestReadFileAPDUCount: one file of each size read in as few READ BINARY
// as the card's answers allow, by short EF identifier (no SELECT); a card
// that announces its capabilities in its ATR is read at the floor, one
// that does not costs at most one short first chunk and one extended
// probe more.
func TestReadFileAPDUCount(t *testing.T) {
	for _, tt := range []struct {
		name     string
		size     int
		extended bool
		maxResp  int
		// wantReads is the READ BINARY count for one file when the card
		// announces what it takes.
		wantReads int
		wantExt   bool
	}{
		{"extended, whole file at once", 20000, true, 0, 1, true},
		{"extended, 1 KB answers", 20000, true, 1024, 20, true},
		{"short only, 256-byte answers", 20000, false, 0, 79, false},
		{"short only, 223-byte answers", 20000, false, 223, 90, false},
		{"small file, extended", 100, true, 0, 1, true},
		{"beyond 32767: odd INS, extended", 70000, true, 0, 2, true},
		{"beyond 32767: odd INS, 1 KB", 40000, true, 1024, 40, true},
	} {
		for _, announce := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/announced=%v", tt.name, announce), func(t *testing.T) {
				file := readTestFile(tt.size)
				if len(file) != tt.size {
					t.Fatalf("test file is %d bytes, want %d", len(file), tt.size)
				}
				fake := &readFakeCard{files: map[uint16][]byte{0x0102: file}, extended: tt.extended, maxResp: tt.maxResp, announce: announce}
				r := NewFileReader(apdu.NewCard(fakeATR{fake}))
				got, err := r.ReadFile(0x0102)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, file) {
					t.Fatal("file read differs from the card's")
				}
				if n := fake.count(0xA4); n != 0 {
					t.Fatalf("%d SELECTs, want none (short EF identifier)", n)
				}
				reads := fake.count(0xB0) + fake.count(0xB1)
				want := tt.wantReads
				if !announce && tt.size > 256 {
					want += 2 // a short first chunk, the extended probe
				}
				// Odd INS answers lose a few bytes each to the 53 header;
				// allow that slack.
				if reads < tt.wantReads || reads > want+tt.size/4000 {
					t.Fatalf("%d READ BINARY, want %d (at most %d)", reads, tt.wantReads, want)
				}
				if announce && reads != tt.wantReads && tt.size <= 0x7FFF {
					t.Fatalf("announced: %d READ BINARY, want exactly %d", reads, tt.wantReads)
				}
				if (announce || tt.size > 256) && r.ExtendedLength() != tt.wantExt {
					t.Fatalf("extended length %v, want %v", r.ExtendedLength(), tt.wantExt)
				}
				if announce {
					for _, c := range fake.log {
						if c.IsExtended() && !tt.extended {
							t.Fatal("an extended probe although the card said it takes none")
						}
					}
				}
				if tt.size > 0x7FFF && fake.count(0xB1) == 0 {
					t.Fatal("no odd-INS READ BINARY beyond offset 32767")
				}
				for _, c := range fake.log {
					if c.INS == 0xB0 && c.P1&0x80 == 0 && (int(c.P1)<<8|int(c.P2)) > 0x7FFF {
						t.Fatalf("even READ BINARY with offset beyond 32767: %X %X", c.P1, c.P2)
					}
				}
			})
		}
	}
}

// TestReadFileExtendedTriedOnce: a card refusing extended length (and not
// saying so in its ATR) is asked once, not once per file; files are read
// by short EF identifier without a SELECT, unless the card refuses that
// (asked once).
func TestReadFileExtendedTriedOnce(t *testing.T) {
	for _, tt := range []struct {
		name  string
		noSFI bool
		want  int
	}{
		// EF.COM: a short chunk, the refused extended probe, 2 more;
		// DG1: 1; DG2: 12.
		{"short EF identifiers", false, 4 + 1 + 12},
		// The refused short-EF read, then SELECT before each file.
		{"no short EF identifiers", true, 6 + 2 + 13},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := &readFakeCard{files: map[uint16][]byte{0x011E: readTestFile(600), 0x0101: readTestFile(93), 0x0102: readTestFile(3000)}, noSFI: tt.noSFI}
			r := NewFileReader(apdu.NewCard(fake))
			for _, fid := range []uint16{0x011E, 0x0101, 0x0102} {
				got, err := r.ReadFile(fid)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, fake.files[fid]) {
					t.Fatalf("%s differs", lds.FileName(fid))
				}
			}
			ext := 0
			for _, c := range fake.log {
				if c.IsExtended() {
					ext++
				}
			}
			if ext != 1 {
				t.Fatalf("%d extended attempts, want 1", ext)
			}
			if len(fake.log) != tt.want {
				t.Fatalf("%d APDUs, want %d", len(fake.log), tt.want)
			}
		})
	}
}

// TestReadFileShortEFErrors: by short EF identifier, a refused file is
// still "access denied" and a missing one "not found".
func TestReadFileShortEFErrors(t *testing.T) {
	fake := &readFakeCard{files: map[uint16][]byte{0x011E: readTestFile(40), 0x0103: readTestFile(40)}, denied: map[uint16]bool{0x0103: true}, extended: true}
	r := NewFileReader(apdu.NewCard(fake))
	if _, err := r.ReadFile(0x011E); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFile(0x0101); !errors.Is(err, apdu.ErrFileNotFound) {
		t.Fatalf("missing DG1: %v", err)
	}
	if _, err := r.ReadFile(0x0103); !errors.Is(err, ErrFileAccess) {
		t.Fatalf("denied DG3: %v", err)
	}
	if _, err := r.ReadFile(0x011E); err != nil {
		t.Fatalf("EF.COM again: %v", err)
	}
	// Short EF identifiers work (the first file read by one): a not-found
	// and a refusal are taken as they come, without a SELECT.
	if n := fake.count(0xA4); n != 0 {
		t.Fatalf("%d SELECTs, want 0", n)
	}
	if last := fake.log[len(fake.log)-1]; last.P1 != 0x9E {
		t.Fatalf("EF.COM read again with P1 %02X, want 9E (short EF 1E)", last.P1)
	}
}

// TestReadFileExactScript replays the exact bytes of a two-chunk read on
// a short-length card: READ BINARY by short EF identifier with Le=00, then
// the rest from the offset the first answer implies (short enough that no
// extended probe is worth it).
func TestReadFileExactScript(t *testing.T) {
	file := readTestFile(300)
	fake := &readFakeCard{files: map[uint16][]byte{0x010D: file}}
	if _, err := NewFileReader(apdu.NewCard(fake)).ReadFile(0x010D); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range fake.log {
		b, _ := c.Bytes()
		got = append(got, fmt.Sprintf("%X", b))
	}
	want := []string{"00B08D0000", "00B001002C"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("APDUs\n got %v\nwant %v", got, want)
	}
}

func TestReadFileErrors(t *testing.T) {
	good := readTestFile(500)
	for _, tt := range []struct {
		name    string
		fid     uint16
		files   map[uint16][]byte
		denied  bool
		wantErr error
		partial int
	}{
		{"not on the chip", 0x010F, map[uint16][]byte{}, false, apdu.ErrFileNotFound, 0},
		{"access denied (DG3 without EAC)", 0x0103, map[uint16][]byte{0x0103: good}, true, ErrFileAccess, 0},
		{"shorter than its header", 0x0101, map[uint16][]byte{0x0101: good[:300]}, false, ErrFileTruncated, 300},
		{"empty", 0x0101, map[uint16][]byte{0x0101: {}}, false, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := &readFakeCard{files: tt.files, extended: true}
			if tt.denied {
				fake.denied = map[uint16]bool{tt.fid: true}
			}
			got, err := NewFileReader(apdu.NewCard(fake)).ReadFile(tt.fid)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if len(got) != tt.partial {
				t.Fatalf("%d bytes returned, want %d", len(got), tt.partial)
			}
		})
	}
}

func TestReadTLVTotalLength(t *testing.T) {
	for _, tt := range []struct {
		in string
		n  int
		ok bool
	}{
		{"6003", 5, true},
		{"61815A", 93, true},
		{"75820100", 260, true},
		{"7583010000", 65541, true},
		{"5F1F02", 5, true},
		{"7F6182", 0, false}, // length bytes still to come
		{"6080", 0, false},   // indefinite length is not DER/LDS
		{"7584010000", 0, false},
		{"", 0, false},
	} {
		b, _ := readHex(tt.in)
		n, ok := tlvTotalLength(b)
		if ok != tt.ok || n != tt.n {
			t.Errorf("%s: got %d %v, want %d %v", tt.in, n, ok, tt.n, tt.ok)
		}
	}
}

func readHex(s string) ([]byte, error) { return hex.DecodeString(s) }

func FuzzReadTLVTotalLength(f *testing.F) {
	for _, s := range [][]byte{{0x60, 0x03}, {0x7F, 0x61, 0x82, 0x01}, {0x75, 0x83, 1, 0, 0}, {0x1F}, {}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, ok := tlvTotalLength(b); ok && n < 2 {
			t.Fatalf("total length %d for a header", n)
		}
	})
}

// FuzzReadFile feeds arbitrary file bytes through the reader: it must
// return the file or an error, never panic or loop.
func FuzzReadFile(f *testing.F) {
	f.Add(readTestFile(300), false)
	f.Add([]byte{0x75, 0x82, 0x10}, true)
	f.Add([]byte{0x1F, 0x1F, 0x1F}, false)
	f.Fuzz(func(t *testing.T, file []byte, ext bool) {
		fake := &readFakeCard{files: map[uint16][]byte{0x0101: file}, extended: ext}
		got, err := NewFileReader(apdu.NewCard(fake)).ReadFile(0x0101)
		if err == nil && !bytes.HasPrefix(file, got) {
			t.Fatal("read bytes that are not the file's")
		}
		if len(fake.log) > 2+len(file)/200+4 {
			t.Fatalf("%d APDUs for a %d-byte file", len(fake.log), len(file))
		}
	})
}

// BenchmarkReadFile reads a 16 KB DG2 per largest answer, reporting the
// APDUs a file costs.
func BenchmarkReadFile(b *testing.B) {
	file := readTestFile(16000)
	for _, tt := range []struct {
		name     string
		extended bool
		maxResp  int
	}{{"223B", false, 223}, {"1KB", true, 1024}, {"extended", true, 0}} {
		b.Run(tt.name, func(b *testing.B) {
			fake := &readFakeCard{files: map[uint16][]byte{0x0102: file}, extended: tt.extended, maxResp: tt.maxResp}
			var n int
			for b.Loop() {
				fake.log = fake.log[:0]
				r := NewFileReader(apdu.NewCard(fake))
				if _, err := r.ReadFile(0x0102); err != nil {
					b.Fatal(err)
				}
				n = len(fake.log)
			}
			b.ReportMetric(float64(n), "apdus/file")
		})
	}
}
