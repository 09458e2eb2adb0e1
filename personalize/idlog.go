package personalize

import (
	"container/heap"
	"errors"
	"slices"

	"golang.org/x/sys/unix"
)

// idLog remembers the ID number of every line of a batch to find the
// duplicates once the file is read: 8 bytes a record (the 12-digit number
// in 40 bits, the line in 24), in chunks mapped outside the Go heap, so
// that a million records take 8 MB and no garbage-collector headroom grows
// with them. Duplicates are found by sorting each chunk and merging them.
type idLog struct {
	chunks [][]uint64
	n      int
}

const (
	idLogChunk   = 1 << 16 // entries per chunk: 512 KB
	idLogLineMax = 1<<24 - 1
)

// errTooManyLines: the packing holds lines up to idLogLineMax.
var errTooManyLines = errors.New("a batch holds at most 16777215 lines: split the file")

func pack(id uint64, line int) uint64 { return id<<24 | uint64(line) }
func unpack(v uint64) (id uint64, line int) {
	return v >> 24, int(v & idLogLineMax)
}

func mapChunk(n int) ([]uint64, error) {
	b, err := unix.Mmap(-1, 0, n*8, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, err
	}
	return unsafeUint64s(b), nil
}

// add records the ID number of a line.
func (l *idLog) add(id uint64, line int) error {
	if line > idLogLineMax {
		return errTooManyLines
	}
	if l.n%idLogChunk == 0 {
		c, err := mapChunk(idLogChunk)
		if err != nil {
			return err
		}
		l.chunks = append(l.chunks, c[:0])
	}
	last := len(l.chunks) - 1
	l.chunks[last] = append(l.chunks[last], pack(id, line))
	l.n++
	return nil
}

// duplicates calls fn for each line whose ID number an earlier line has
// already, with that first line, in the order of the IDs.
func (l *idLog) duplicates(fn func(line, first int)) {
	for _, c := range l.chunks {
		slices.Sort(c)
	}
	h := &mergeHeap{}
	for i, c := range l.chunks {
		if len(c) > 0 {
			heap.Push(h, mergeItem{v: c[0], chunk: i})
		}
	}
	pos := make([]int, len(l.chunks))
	var curID uint64
	first, have := 0, false
	// Equal IDs come out ordered by line (the low bits): the first is the
	// one to keep.
	for h.Len() > 0 {
		it := heap.Pop(h).(mergeItem)
		id, line := unpack(it.v)
		if have && id == curID {
			fn(line, first)
		} else {
			curID, first, have = id, line, true
		}
		pos[it.chunk]++
		if c := l.chunks[it.chunk]; pos[it.chunk] < len(c) {
			heap.Push(h, mergeItem{v: c[pos[it.chunk]], chunk: it.chunk})
		}
	}
}

// free gives the chunks back to the system.
func (l *idLog) free() {
	for _, c := range l.chunks {
		unix.Munmap(uint64Bytes(c[:cap(c)]))
	}
	l.chunks, l.n = nil, 0
}

type mergeItem struct {
	v     uint64
	chunk int
}

type mergeHeap []mergeItem

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return h[i].v < h[j].v }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// idSet is a sorted set of ID numbers outside the Go heap: what the
// journal has on locked cards already, loaded once before validation.
type idSet struct{ ids []uint64 }

func newIDSet(ids []uint64) (*idSet, error) {
	if len(ids) == 0 {
		return &idSet{}, nil
	}
	m, err := mapChunk(len(ids))
	if err != nil {
		return nil, err
	}
	m = m[:len(ids)]
	copy(m, ids)
	slices.Sort(m)
	return &idSet{ids: m}, nil
}

func (s *idSet) contains(id uint64) bool {
	_, ok := slices.BinarySearch(s.ids, id)
	return ok
}

func (s *idSet) free() {
	if len(s.ids) > 0 {
		unix.Munmap(uint64Bytes(s.ids[:cap(s.ids)]))
	}
	s.ids = nil
}

// lineSet is a set of line numbers as a bitmap: a million lines take
// 125 KB whatever how many are in it.
type lineSet []uint64

func (s *lineSet) add(line int) {
	for len(*s) <= line/64 {
		*s = append(*s, 0)
	}
	(*s)[line/64] |= 1 << (line % 64)
}

func (s lineSet) has(line int) bool { return line/64 < len(s) && s[line/64]&(1<<(line%64)) != 0 }
