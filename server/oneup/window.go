package oneup

import (
	"context"
	"fmt"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// pullWindow reads the search from lowerBound(cp) page by page, ingesting
// each page before fetching the next. It returns the newest `recorded`
// ingested and whether it read the last page; it stops early after
// MaxPagesPerWindow pages when the next window would start later.
func (p *Poller) pullWindow(ctx context.Context, cp time.Time, res *PollResult) (time.Time, bool, error) {
	lower := p.lowerBound(cp)
	newest := time.Time{}
	next := p.client.SearchURL(p.cfg.Subtypes, lower)
	for pages := 1; next != ""; pages++ {
		page, err := p.client.Fetch(ctx, next)
		if err != nil {
			return newest, false, fmt.Errorf("%w (page %d)", err, res.Pages+1)
		}
		pageNewest, err := p.ingestPage(ctx, page, res)
		if err != nil {
			return newest, false, err
		}
		newest = laterOf(newest, pageNewest)
		if p.cfg.Progress != nil {
			p.cfg.Progress(res.clone())
		}
		next = page.Next
		if next != "" && pages >= p.cfg.MaxPagesPerWindow && p.lowerBound(p.nextCheckpoint(cp, newest)).After(lower) {
			p.cfg.Logger.InfoContext(ctx, "oneup: moving the date window forward", "pages", pages)
			return newest, false, nil
		}
	}
	return newest, true, nil
}

// ingestPage hands the page's accepted events to the sink and counts the
// results. It returns the newest `recorded` among them.
func (p *Poller) ingestPage(ctx context.Context, page *Page, res *PollResult) (time.Time, error) {
	res.Pages++
	res.Fetched += len(page.Items)
	events, newest := p.accepted(ctx, page, res)
	if len(events) == 0 {
		return newest, nil
	}
	appended, err := p.sink.Ingest(ctx, events)
	if err != nil {
		return time.Time{}, fmt.Errorf("oneup: ingesting page %d: %w", res.Pages, err)
	}
	var stored, dups int
	for i, a := range appended {
		if a.Duplicate {
			dups++
			continue
		}
		stored++
		p.cfg.Logger.DebugContext(ctx, "oneup: stored event", "event_id", a.Event.GetId(),
			"source_event_id", events[i].GetSourceEventId(), "subtype", events[i].GetSourceEventType())
	}
	res.Stored += stored
	res.Duplicates += dups
	p.cfg.Logger.DebugContext(ctx, "oneup: page ingested", "page", res.Pages, "entries", len(page.Items),
		"stored", stored, "duplicates", dups)
	return newest, nil
}

// accepted returns the page's normalized events and their newest
// `recorded`, and counts and logs the rejected entries (reason and
// position only).
func (p *Poller) accepted(ctx context.Context, page *Page, res *PollResult) ([]*conneventsv1.ConnectionEvent, time.Time) {
	var events []*conneventsv1.ConnectionEvent
	var newest time.Time
	for i, it := range page.Items {
		if it.Err != nil {
			reason := rejectReason(it.Err)
			res.Rejected++
			res.RejectionsByReason[string(reason)]++
			p.status.addRejection(reason)
			p.cfg.Logger.WarnContext(ctx, "oneup: entry rejected", "page", res.Pages, "entry", i, "reason", reason)
			continue
		}
		events = append(events, it.Event)
		newest = laterOf(newest, it.Event.GetOccurredAt().AsTime())
	}
	return events, newest
}
