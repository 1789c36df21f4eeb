package oneup

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// window is how far one search got.
type window struct {
	// newest is the newest write time (see writtenAt) among the entries
	// ingested; zero when none.
	newest time.Time
	// more is true when the search stopped early to move the window
	// forward; next is then the next search's _lastUpdated lower bound.
	more bool
	next time.Time
}

// pullWindow reads the search `date=ge(floor)&_lastUpdated=ge(lower)` (a
// zero bound is left out) page by page, ingesting each page before
// fetching the next. It stops early, after MaxPagesPerWindow pages, once
// nextLower can move the window forward. On an error it returns how far it
// got.
func (p *Poller) pullWindow(ctx context.Context, floor, lower time.Time, res *PollResult) (window, error) {
	var w window
	next := p.client.SearchURL(p.cfg.Subtypes, floor, lower)
	for pages := 1; next != ""; pages++ {
		page, err := p.client.Fetch(ctx, next)
		if err != nil {
			return w, fmt.Errorf("%w (page %d)", err, res.Pages+1)
		}
		p.cfg.Metrics.PollPage(self)
		pageNewest, err := p.ingestPage(ctx, page, res)
		if err != nil {
			return w, err
		}
		w.newest = laterOf(w.newest, pageNewest)
		if p.cfg.Progress != nil {
			p.cfg.Progress(res.clone())
		}
		next = page.Next
		if next == "" || pages < p.cfg.MaxPagesPerWindow {
			continue
		}
		if w.next, w.more = p.nextLower(lower, w.newest); w.more {
			p.cfg.Logger.InfoContext(ctx, "oneup: moving the _lastUpdated window forward", "pages", pages)
			return w, nil
		}
	}
	return w, nil
}

// nextLower is where the next search starts after one from lower that has
// read everything written up to newest (results come sorted by
// _lastUpdated): newest − Overlap, as a new poll would; or, when that does
// not move past lower (more than a window of events written within
// Overlap), newest itself, which still re-reads every event written at that
// very second. It reports false when neither moves the second-precision
// bound forward: the search must page on.
func (p *Poller) nextLower(lower, newest time.Time) (time.Time, bool) {
	newest = earlierOf(newest, p.cfg.Now().UTC())
	for _, l := range []time.Time{newest.Add(-p.cfg.Overlap), newest} {
		if searchTime(l).After(searchTime(lower)) {
			return l, true
		}
	}
	return lower, false
}

// ingestPage hands the page's accepted events to the sink and counts the
// results. It returns the newest write time among all its entries.
func (p *Poller) ingestPage(ctx context.Context, page *Page, res *PollResult) (time.Time, error) {
	res.Pages++
	res.Fetched += len(page.Items)
	events, newest, err := p.accepted(ctx, page, res)
	if err != nil {
		return time.Time{}, err
	}
	if len(events) == 0 {
		return newest, nil
	}
	appended, err := p.sink.Ingest(ctx, events)
	if err != nil {
		return time.Time{}, &StorageError{Op: fmt.Sprintf("ingesting page %d", res.Pages), Err: err}
	}
	var stored, dups int
	for i, a := range appended {
		if a.Duplicate {
			dups++
			continue
		}
		stored++
		p.cfg.Logger.DebugContext(ctx, "oneup: stored event", "event_id", a.Event.GetId(),
			"source_event_id", events[i].GetSourceEventId(), "type", events[i].GetType().String())
	}
	res.Stored += stored
	res.Duplicates += dups
	p.cfg.Logger.DebugContext(ctx, "oneup: page ingested", "page", res.Pages, "entries", len(page.Items),
		"stored", stored, "duplicates", dups)
	return newest, nil
}

// accepted returns the page's normalized events and the newest write time
// among all its entries (an unreadable entry still holds its place in the
// sort). The entries that cannot be normalized (or normalize to a value no
// store can hold) are kept as dead letters, in one transaction, when
// Config.DeadLetters is set, else counted and logged as rejected (reason
// and position only). An error keeping them fails the page.
func (p *Poller) accepted(ctx context.Context, page *Page, res *PollResult) ([]*conneventsv1.ConnectionEvent, time.Time, error) {
	var events []*conneventsv1.ConnectionEvent
	var bad []Item
	var newest time.Time
	for i, it := range page.Items {
		newest = laterOf(newest, writtenAt(it))
		switch {
		case it.Err == nil:
			events = append(events, it.Event)
		case p.cfg.DeadLetters != nil:
			bad = append(bad, it)
		default:
			p.reject(ctx, it, i, res)
		}
	}
	if len(bad) > 0 {
		if _, err := p.cfg.DeadLetters.KeepItems(ctx, self, bad); err != nil {
			return nil, time.Time{}, &StorageError{Op: fmt.Sprintf("keeping %d entries of page %d as dead letters", len(bad), res.Pages), Err: err}
		}
		res.DeadLettered += len(bad)
	}
	return events, newest, nil
}

// reject counts and logs the i-th entry of the current page as rejected.
func (p *Poller) reject(ctx context.Context, it Item, i int, res *PollResult) {
	reason := rejectReason(it.Err)
	res.Rejected++
	res.RejectionsByReason[string(reason)]++
	p.status.addRejection(reason)
	p.cfg.Logger.WarnContext(ctx, "oneup: entry rejected", "page", res.Pages, "entry", i, "reason", reason)
}

// writtenAt is when 1upHealth wrote an entry: its meta.lastUpdated, or,
// without a usable one, the event's `recorded`; zero when neither is
// known.
func writtenAt(it Item) time.Time {
	var r struct {
		Meta struct {
			LastUpdated string `json:"lastUpdated"`
		} `json:"meta"`
	}
	_ = json.Unmarshal(it.Raw, &r) // lenient: whatever decodes is used
	if t, err := time.Parse(time.RFC3339Nano, r.Meta.LastUpdated); err == nil {
		return t.UTC()
	}
	if it.Event != nil {
		return it.Event.GetOccurredAt().AsTime()
	}
	return time.Time{}
}
