package citizen

import (
	"testing"
	"time"
)

func BenchmarkCheckID(b *testing.B) {
	dob := time.Date(1990, 8, 15, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, c := CheckID("079190012345", dob, Female); !c.OK() {
			b.Fatal(c.Err())
		}
	}
}

func BenchmarkComputeExpiry(b *testing.B) {
	dob := time.Date(1990, 8, 15, 0, 0, 0, 0, time.UTC)
	issue := time.Date(2021, 4, 20, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := ComputeExpiry(dob, issue); err != nil {
			b.Fatal(err)
		}
	}
}
