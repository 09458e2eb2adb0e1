package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progressBar shows a batch on a terminal: cards done of the total,
// failures, rate and time left.
type progressBar struct {
	mu     sync.Mutex
	p      *mpb.Progress
	bar    *mpb.Bar
	failed atomic.Int64
	out    io.Writer
}

func newProgressBar(w io.Writer) *progressBar {
	pb := &progressBar{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithAutoRefresh()), out: w}
	return pb
}

func (pb *progressBar) update(todo, done, failed int) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if pb.bar == nil {
		pb.bar = pb.p.AddBar(int64(todo),
			mpb.PrependDecorators(decor.Name("cards "), decor.CountersNoUnit("%d/%d")),
			mpb.AppendDecorators(
				decor.Any(func(decor.Statistics) string { return fmt.Sprintf(" failed %d ", pb.failedCount()) }),
				decor.AverageSpeed(nil, "%.1f/s "),
				decor.AverageETA(decor.ET_STYLE_GO)))
	}
	pb.failed.Store(int64(failed))
	pb.bar.SetCurrent(int64(done + failed))
}

func (pb *progressBar) failedCount() int64 { return pb.failed.Load() }

func (pb *progressBar) println(s string) {
	// Lines go above the bar.
	fmt.Fprintln(pb.p, s)
}

func (pb *progressBar) finish() {
	pb.mu.Lock()
	if pb.bar != nil && !pb.bar.Completed() {
		pb.bar.Abort(false)
	}
	pb.mu.Unlock()
	pb.p.Wait()
}
