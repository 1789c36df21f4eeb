package oneup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/connevents/connevents/server/store"
)

// PollOnce does one complete incremental pull and returns its totals.
//
// It searches `date=ge(lower)` where lower is the stored checkpoint minus
// Overlap (never before a configured Since; Since itself on the first
// poll), follows
// every next link and hands each page to the sink. Once every page of the
// search is ingested it stores the newest `recorded` seen as the new
// checkpoint. A failed poll stores nothing new as checkpoint; what it
// ingested stays stored, and the next poll re-reads it as duplicates.
//
// Because 1upHealth caps _skip near 10,000, a search is paged at most
// MaxPagesPerWindow pages deep: then the checkpoint is stored and a new
// search starts from it (minus Overlap), as long as that moves the window
// forward. Results are sorted by _lastUpdated ascending, so an unread
// event is never older than the events read, less Overlap.
func (p *Poller) PollOnce(ctx context.Context) (PollResult, error) {
	p.pollMu.Lock()
	defer p.pollMu.Unlock()
	start := p.cfg.Now()
	res := PollResult{RejectionsByReason: map[string]int{}}
	err := p.poll(ctx, &res)
	res.Duration = p.cfg.Now().Sub(start)
	p.finish(ctx, res, err)
	return res, err
}

// poll runs windows until one search is read completely.
func (p *Poller) poll(ctx context.Context, res *PollResult) error {
	cp, stored, err := p.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	res.Checkpoint = cp
	for {
		res.Windows++
		newest, complete, err := p.pullWindow(ctx, cp, res)
		if err != nil {
			return err
		}
		next := p.nextCheckpoint(cp, newest)
		if !stored || next.After(cp) {
			if err := p.storeCheckpoint(ctx, next); err != nil {
				return err
			}
			cp, stored = next, true
		}
		res.Checkpoint = cp
		if complete {
			return nil
		}
	}
}

// lowerBound is the date lower bound of a search from checkpoint cp:
// cp - Overlap, but never before an explicitly configured Since. (The
// default Since only bounds the first poll: after a long outage the
// checkpoint, however old, still wins.)
func (p *Poller) lowerBound(cp time.Time) time.Time {
	l := cp.Add(-p.cfg.Overlap)
	if l.Before(p.floor) {
		return p.floor
	}
	return l
}

// nextCheckpoint is max(cp, newest capped at Now). The cap keeps an event
// dated in the future from pushing the window past events still to come.
func (p *Poller) nextCheckpoint(cp, newest time.Time) time.Time {
	return laterOf(cp, earlierOf(newest, p.cfg.Now().UTC()))
}

// loadCheckpoint returns the stored checkpoint and true, or Since and
// false when none is stored.
func (p *Poller) loadCheckpoint(ctx context.Context) (time.Time, bool, error) {
	v, err := p.cps.GetCheckpoint(ctx, p.cfg.CheckpointKey)
	if errors.Is(err, store.ErrNotFound) {
		p.status.setCheckpoint(p.since)
		return p.since, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("oneup: reading the checkpoint: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false, errors.New("oneup: the stored checkpoint is not an RFC 3339 time")
	}
	p.status.setCheckpoint(p.lowerBound(t))
	return t.UTC(), true, nil
}

// storeCheckpoint durably records cp.
func (p *Poller) storeCheckpoint(ctx context.Context, cp time.Time) error {
	if err := p.cps.PutCheckpoint(ctx, p.cfg.CheckpointKey, cp.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("oneup: storing the checkpoint: %w", err)
	}
	p.status.setCheckpoint(p.lowerBound(cp))
	return nil
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
