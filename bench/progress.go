package bench

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints one line, rewritten in place, while a phase runs.
type progress struct {
	w     io.Writer
	began time.Time
}

// start shows the phase and its running count until stop is called.
func (p *progress) start(phase string, count *atomic.Int64) (stop func()) {
	if p.w == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			p.line(phase, count.Load())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (p *progress) line(phase string, n int64) {
	fmt.Fprintf(p.w, "\r\033[K[%s] %s … %d", time.Since(p.began).Round(time.Second), phase, n)
}

// say prints a phase that has no counter (set-up steps).
func (p *progress) say(phase string) {
	if p.w != nil {
		fmt.Fprintf(p.w, "\r\033[K[%s] %s", time.Since(p.began).Round(time.Second), phase)
	}
}

// done ends the progress line.
func (p *progress) done() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
