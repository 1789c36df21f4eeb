package oneup

import (
	"context"
	"errors"
	"time"
)

// PollOnce does one complete incremental pull and returns its totals.
//
// It searches `_lastUpdated=ge(checkpoint − Overlap)` sorted by
// `_lastUpdated`, where the checkpoint is the newest `meta.lastUpdated`
// ingested so far (an entry without one counts by its `recorded`), follows
// every next link and hands each page to the sink. Once every page of the
// search is ingested it stores the newest `meta.lastUpdated` seen (capped
// at Now) as the new checkpoint. A failed poll stores nothing new as
// checkpoint; what it ingested stays stored, and the next poll re-reads it
// as duplicates.
//
// `recorded` bounds the search only through Since: `date=ge(Since)` on
// every search when Since is set, and on the very first poll (no
// checkpoint stored) `date=ge(Since)` alone, Since defaulting to
// DefaultSinceAge before NewPoller's Now.
//
// Because 1upHealth caps _skip near 10,000, a search is paged only about
// MaxPagesPerWindow pages deep: then the checkpoint is stored and a new
// search starts from it (see nextLower), as long as that moves the window
// forward.
//
// When 1upHealth asks, with Retry-After, for a longer wait than
// MaxRetryAfter, the poll stops without failing: the checkpoint reached is
// stored, PollResult.DeferredUntil says until when, and the next poll
// waits until then before its first request.
func (p *Poller) PollOnce(ctx context.Context) (PollResult, error) {
	return p.pollRun(ctx, false)
}

// PollComplete is PollOnce, carried on after each deferral (waiting it
// out) until the search is read completely or fails; the totals cover the
// whole run. A backfill uses it.
func (p *Poller) PollComplete(ctx context.Context) (PollResult, error) {
	return p.pollRun(ctx, true)
}

func (p *Poller) pollRun(ctx context.Context, untilComplete bool) (PollResult, error) {
	p.pollMu.Lock()
	defer p.pollMu.Unlock()
	start := p.cfg.Now()
	res := PollResult{RejectionsByReason: map[string]int{}}
	var err error
	for {
		if err = p.waitDeferral(ctx); err != nil {
			break
		}
		if err = p.poll(ctx, &res); err != nil || res.DeferredUntil.IsZero() || !untilComplete {
			break
		}
	}
	res.Duration = p.cfg.Now().Sub(start)
	p.finish(ctx, res, err)
	return res, err
}

// waitDeferral waits until the time 1upHealth last asked the poller to
// come back at, if it is still ahead.
func (p *Poller) waitDeferral(ctx context.Context) error {
	wait := p.notBefore.Sub(p.cfg.Now())
	if wait <= 0 {
		return nil
	}
	p.cfg.Logger.InfoContext(ctx, "oneup: waiting for the Retry-After 1upHealth asked for", "wait", wait.String())
	if err := p.cfg.Sleep(ctx, wait); err != nil {
		return err
	}
	p.notBefore = time.Time{}
	return nil
}

// poll runs windows until one search is read completely (or 1upHealth
// defers the rest).
func (p *Poller) poll(ctx context.Context, res *PollResult) error {
	cp, err := p.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	res.Checkpoint, res.DeferredUntil = cp.at, time.Time{}
	floor, lower := p.floor, time.Time{} // date and _lastUpdated lower bounds; zero: none
	if !cp.stored {
		floor = p.since
	} else {
		lower = cp.at.Add(-p.cfg.Overlap)
	}
	for {
		res.Windows++
		w, err := p.pullWindow(ctx, floor, lower, res)
		var ra *RetryAfterError
		if err != nil && !errors.As(err, &ra) {
			return err
		}
		if cp, err = p.advanceCheckpoint(ctx, cp, w.newest); err != nil {
			return err
		}
		res.Checkpoint = cp.at
		switch {
		case ra != nil:
			p.deferPolls(ctx, ra, res)
			return nil
		case !w.more:
			return nil
		}
		lower = w.next
	}
}

// advanceCheckpoint stores max(cp, newest capped at Now) when it moves the
// checkpoint, or when none (or one of the old form) is stored yet.
func (p *Poller) advanceCheckpoint(ctx context.Context, cp checkpoint, newest time.Time) (checkpoint, error) {
	next := p.nextCheckpoint(cp.at, newest)
	if cp.stored && !cp.old && !next.After(cp.at) {
		return cp, nil
	}
	if err := p.storeCheckpoint(ctx, next); err != nil {
		return cp, err
	}
	return checkpoint{at: next, stored: true}, nil
}

// deferPolls makes the next poll wait for ra.
func (p *Poller) deferPolls(ctx context.Context, ra *RetryAfterError, res *PollResult) {
	p.notBefore = p.cfg.Now().Add(ra.After)
	res.DeferredUntil = p.notBefore
	p.cfg.Logger.WarnContext(ctx, "oneup: 1upHealth deferred the poll; the next poll waits",
		"status", ra.StatusCode, "retry_after", ra.After.String(), "pages", res.Pages)
}

// nextCheckpoint is max(cp, newest capped at Now). The cap keeps an event
// dated in the future from pushing the window past events still to come.
func (p *Poller) nextCheckpoint(cp, newest time.Time) time.Time {
	return laterOf(cp, earlierOf(newest, p.cfg.Now().UTC()))
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlierOf(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
