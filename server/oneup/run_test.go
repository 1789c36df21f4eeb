package oneup

import (
	"context"
	"testing"
	"time"

	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// TestRunPollsUntilCancelled runs the loop with real (tiny) sleeps, adds
// events while it runs and reads Status concurrently.
func TestRunPollsUntilCancelled(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 3)
	cfg := r.config()
	cfg.Sleep, cfg.Interval = nil, time.Millisecond
	p := r.poller(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, func() bool { return r.sink.len() == 3 })
	r.srv.Add(oneuptest.Event{ID: "while-running", Subtype: SubtypeSystemSelected, Recorded: r.now.Add(-time.Minute)})
	waitFor(t, func() bool { _ = p.Status(); return r.sink.has("while-running") })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v", err)
	}
}

func TestRunDisabledWithZeroInterval(t *testing.T) {
	r := newRig(t)
	cfg := r.config()
	cfg.Interval = 0
	if err := r.poller(t, cfg).Run(context.Background()); err != nil || len(r.srv.Requests()) != 0 {
		t.Errorf("err %v, requests %d", err, len(r.srv.Requests()))
	}
}

func TestNextWaitDoublesAfterFailures(t *testing.T) {
	p := &Poller{cfg: Config{Interval: time.Minute, MaxErrorInterval: 15 * time.Minute}}
	for failures, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
		if got := p.nextWait(failures); got != want {
			t.Errorf("nextWait(%d) = %v, want %v", failures, got, want)
		}
	}
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
	}
}
