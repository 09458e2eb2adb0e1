package personalize

import (
	"math/rand/v2"
	"testing"
)

// TestIDLogDuplicates: across several chunks, every later line with an ID
// number seen before is found once, with the first line of that number.
func TestIDLogDuplicates(t *testing.T) {
	var l idLog
	defer l.free()
	r := rand.New(rand.NewPCG(1, 2))
	first := map[uint64]int{}
	want := map[int]int{}
	n := 3*idLogChunk + 123
	for line := 1; line <= n; line++ {
		id := 100000000000 + uint64(r.IntN(n*3/2)) // some repeat
		if f, ok := first[id]; ok {
			want[line] = f
		} else {
			first[id] = line
		}
		if err := l.add(id, line); err != nil {
			t.Fatal(err)
		}
	}
	got := map[int]int{}
	l.duplicates(func(line, f int) {
		if _, twice := got[line]; twice {
			t.Fatalf("line %d reported twice", line)
		}
		got[line] = f
	})
	if len(got) != len(want) {
		t.Fatalf("%d duplicates found, want %d", len(got), len(want))
	}
	for line, f := range want {
		if got[line] != f {
			t.Fatalf("line %d: first %d, want %d", line, got[line], f)
		}
	}
	if err := l.add(1, idLogLineMax+1); err == nil {
		t.Fatal("a line beyond the packing accepted")
	}
}

func TestLineSet(t *testing.T) {
	var s lineSet
	for _, n := range []int{0, 1, 63, 64, 1000, 999999} {
		s.add(n)
	}
	for _, n := range []int{0, 1, 63, 64, 1000, 999999} {
		if !s.has(n) {
			t.Fatalf("%d missing", n)
		}
	}
	for _, n := range []int{2, 62, 65, 999, 1000000, 5000000} {
		if s.has(n) {
			t.Fatalf("%d present", n)
		}
	}
}
