package ingest

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// commitTimeout bounds one transaction.
const commitTimeout = 30 * time.Second

// commitLoop is the single committer: it takes everything queued (up to
// maxBatch events), appends it in one transaction, and answers each request.
func (in *Ingester) commitLoop() {
	defer close(in.done)
	for {
		select {
		case first := <-in.queue:
			in.commit(in.gather(first))
		case <-in.stop:
			in.drain()
			return
		}
	}
}

// gather adds whatever else is already queued to first, without waiting.
func (in *Ingester) gather(first *request) []*request {
	batch := []*request{first}
	n := len(first.events)
	defer func() { in.metrics.SetIngestQueueDepth(int(in.queued.Add(-int64(n)))) }()
	for n < in.maxBatch {
		select {
		case r := <-in.queue:
			batch = append(batch, r)
			n += len(r.events)
		default:
			return batch
		}
	}
	return batch
}

// drain commits what was queued before Close.
func (in *Ingester) drain() {
	for {
		select {
		case r := <-in.queue:
			in.commit(in.gather(r))
		default:
			return
		}
	}
}

func (in *Ingester) commit(batch []*request) {
	var events []*conneventsv1.ConnectionEvent
	links := make([]trace.Link, 0, len(batch))
	for _, r := range batch {
		events = append(events, r.events...)
		if r.span.IsValid() {
			links = append(links, trace.Link{SpanContext: r.span})
		}
	}
	// The commit must not be cut short by one caller going away: others
	// wait for the same transaction. A stuck store still ends.
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	// The shared commit is a trace of its own, linked to each request's.
	ctx, span := tracer().Start(ctx, "ingest.commit", trace.WithNewRoot(), trace.WithLinks(links...),
		trace.WithAttributes(attribute.Int("events", len(events)), attribute.Int("requests", len(batch))))
	defer span.End()
	start := time.Now()
	appended, err := in.append(ctx, events)
	if err == nil {
		in.metrics.Committed(len(events), time.Since(start))
	} else {
		span.SetStatus(codes.Error, "commit failed")
	}
	if err != nil && len(batch) > 1 && !errors.Is(err, store.ErrClosed) && ctx.Err() == nil {
		// Whatever failed may be one request's event: it must not fail the
		// others that shared its transaction, so each is committed on its
		// own. (A closed or stuck store would fail them all again.)
		in.logger.Warn("batch commit failed; committing its requests one by one", "requests", len(batch), "events", len(events))
		for _, r := range batch {
			in.commit([]*request{r})
		}
		return
	}
	in.writesFailing.Store(err != nil && !errors.Is(err, store.ErrInvalidEvent) && !errors.Is(err, errStorePanicked))
	if err != nil {
		in.logger.Error("commit failed", "events", len(events), "requests", len(batch), "err", err)
		for _, r := range batch {
			r.reply <- reply{err: err}
		}
		return
	}
	// Counted first (cheap), so that a caller that reads the status or
	// the metrics after its answer sees its events; then the callers: their
	// events are durable, and the subscriptions read the log anyway.
	// Publishing stays on this goroutine, in commit order.
	fresh := in.count(appended)
	rest := appended
	for _, r := range batch {
		r.reply <- reply{appended: rest[:len(r.events):len(r.events)]}
		rest = rest[len(r.events):]
	}
	if len(fresh) > 0 {
		in.notifier.Committed(fresh)
		in.metrics.SetLogHead(fresh[len(fresh)-1].GetSequence())
	}
}

// errStorePanicked answers the requests of a batch whose Append panicked.
var errStorePanicked = reason.New(reason.Internal, "storing the events hit a server bug (logged); nothing was stored")

// append is the store's Append with a panic turned into errStorePanicked:
// a bug that one request's events trigger must not stop the service. The
// transaction rolls back (the store's defer), and commit retries the batch
// request by request, so that only the request that triggers it fails.
func (in *Ingester) append(ctx context.Context, events []*conneventsv1.ConnectionEvent) (appended []store.Appended, err error) {
	defer func() {
		if p := recover(); p != nil {
			// The panic's value is not logged: it may quote an event.
			in.logger.Error("the store panicked appending a batch (a bug)", "events", len(events),
				"panic_type", fmt.Sprintf("%T", p), "stack", string(debug.Stack()))
			appended, err = nil, errStorePanicked
		}
	}()
	return in.store.Append(ctx, events)
}

// count tells the recorder and the metrics what was stored and what was a
// duplicate, and returns the events new to the log.
func (in *Ingester) count(appended []store.Appended) []*conneventsv1.ConnectionEvent {
	var fresh []*conneventsv1.ConnectionEvent
	type count struct{ stored, dup int }
	counts := map[conneventsv1.Source]*count{}
	for _, a := range appended {
		c := counts[a.Event.GetSource()]
		if c == nil {
			c = &count{}
			counts[a.Event.GetSource()] = c
		}
		if a.Duplicate {
			c.dup++
			in.metrics.EventDuplicate(a.Event.GetSource(), a.Event.GetType())
			continue
		}
		c.stored++
		in.metrics.EventStored(a.Event.GetSource(), a.Event.GetType())
		fresh = append(fresh, a.Event)
	}
	now := in.now()
	for src, c := range counts {
		in.recorder.Ingested(src, c.stored, c.dup, now)
	}
	return fresh
}
