package ingest

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/telemetry"
)

// tracer makes the queue and commit spans, with the global provider (which
// telemetry.SetupTracing installs; a no-op without it), looked up at each
// use so that a provider installed later is the one used.
func tracer() trace.Tracer { return otel.Tracer("github.com/connevents/connevents/server/ingest") }

// ErrClosed is returned by Ingest after Close.
var ErrClosed = reason.New(reason.ShuttingDown, "the server is shutting down; retry")

// Notifier learns about newly committed events, in sequence order, right
// after their commit. It must not block.
type Notifier interface {
	Committed(events []*conneventsv1.ConnectionEvent)
}

// Recorder counts what was stored per source (see server/status).
type Recorder interface {
	Ingested(source conneventsv1.Source, stored, duplicates int, at time.Time)
}

// Ingester commits normalized events to the store.
type Ingester struct {
	store    store.Store
	notifier Notifier
	recorder Recorder
	logger   *slog.Logger
	metrics  *telemetry.Metrics
	now      func() time.Time
	maxBatch int

	queue  chan *request
	queued atomic.Int64 // events waiting in queue
	stop   chan struct{}
	done   chan struct{}

	// writesFailing is set when a commit fails with a store error, and
	// cleared by the next one that succeeds (see WritesFailing).
	writesFailing atomic.Bool

	// mu orders enqueueing before Close: once closed is set, nothing more
	// is queued, so the committer's final drain answers every request.
	mu     sync.RWMutex
	closed bool
}

type request struct {
	events []*conneventsv1.ConnectionEvent
	reply  chan reply        // buffered: the committer never waits for a caller
	span   trace.SpanContext // the caller's queue span, linked from the commit
}

type reply struct {
	appended []store.Appended
	err      error
}

// Option configures an Ingester.
type Option func(*Ingester)

// WithNotifier sets who learns about committed events.
func WithNotifier(n Notifier) Option { return func(in *Ingester) { in.notifier = n } }

// WithRecorder sets who counts stored events per source.
func WithRecorder(r Recorder) Option { return func(in *Ingester) { in.recorder = r } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(in *Ingester) { in.logger = l } }

// WithMetrics has the ingester count what it stores and commits in m.
func WithMetrics(m *telemetry.Metrics) Option { return func(in *Ingester) { in.metrics = m } }

// WithClock sets the clock that stamps received_at.
func WithClock(now func() time.Time) Option { return func(in *Ingester) { in.now = now } }

// WithMaxBatch caps how many events one transaction holds (default 1000).
func WithMaxBatch(n int) Option { return func(in *Ingester) { in.maxBatch = n } }

// New starts an Ingester on st. Close stops it.
func New(st store.Store, opts ...Option) *Ingester {
	in := &Ingester{
		store:    st,
		notifier: nopNotifier{},
		recorder: nopRecorder{},
		logger:   slog.New(slog.DiscardHandler),
		now:      time.Now,
		maxBatch: 1000,
		queue:    make(chan *request, 4096),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	for _, o := range opts {
		o(in)
	}
	go in.commitLoop()
	return in
}

// Ingest stamps events (id, received_at, and occurred_at when the source
// gave none) and durably appends them. It returns one store.Appended per
// event, in order; duplicates of stored events are reported, not stored
// again. An event that breaks the text rule (Storable) fails the call with
// its *reason.Error before anything is queued. The returned events are shared with the subscriptions: callers
// read them and must not modify them. An error means nothing of this call
// is stored — unless ctx ended
// while the commit was in flight, in which case the events may be stored and
// a retry will report them as duplicates.
func (in *Ingester) Ingest(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	if len(events) == 0 {
		return nil, nil
	}
	if err := in.stamp(events); err != nil {
		return nil, err
	}
	// The queue span lasts until the commit answers; the commit's own span
	// links to it (one commit serves many requests, each its own trace).
	ctx, span := tracer().Start(ctx, "ingest.queue", trace.WithAttributes(attribute.Int("events", len(events))))
	defer span.End()
	req := &request{events: events, reply: make(chan reply, 1), span: span.SpanContext()}
	if err := in.enqueue(ctx, req); err != nil {
		span.SetAttributes(attribute.String("reason", string(reasonOf(err))))
		return nil, err
	}
	select {
	case r := <-req.reply:
		if r.err != nil {
			span.SetAttributes(attribute.String("reason", string(reasonOf(r.err))))
		}
		return r.appended, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reasonOf is err's reason, STORAGE_UNAVAILABLE for a store error.
func reasonOf(err error) reason.Reason {
	if r := reason.Of(err); r != "" {
		return r
	}
	return reason.StorageUnavailable
}

func (in *Ingester) enqueue(ctx context.Context, req *request) error {
	in.mu.RLock()
	defer in.mu.RUnlock()
	if in.closed {
		return ErrClosed
	}
	select {
	case in.queue <- req:
		in.metrics.SetIngestQueueDepth(int(in.queued.Add(int64(len(req.events)))))
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (in *Ingester) stamp(events []*conneventsv1.ConnectionEvent) error {
	now := timestamppb.New(in.now())
	for _, e := range events {
		if e.GetSource() == conneventsv1.Source_SOURCE_UNSPECIFIED || e.GetSourceEventId() == "" {
			return store.ErrInvalidEvent
		}
		if err := Storable(e); err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		e.Id = id.String()
		e.ReceivedAt = now
		if e.OccurredAt == nil {
			e.OccurredAt = now
		}
	}
	return nil
}

// WritesFailing reports whether the last commit failed with a store error
// (a full disk, say): health checks report it, since a store that answers
// pings may still take no writes. WritesRecovered clears it, for a health
// check whose own write succeeded.
func (in *Ingester) WritesFailing() bool { return in.writesFailing.Load() }

// WritesRecovered clears WritesFailing.
func (in *Ingester) WritesRecovered() { in.writesFailing.Store(false) }

// Close stops accepting events, commits what is queued, and returns when the
// committer has stopped.
func (in *Ingester) Close() {
	in.mu.Lock()
	first := !in.closed
	in.closed = true
	in.mu.Unlock()
	if first {
		close(in.stop)
	}
	<-in.done
}

type nopNotifier struct{}

func (nopNotifier) Committed([]*conneventsv1.ConnectionEvent) {}

type nopRecorder struct{}

func (nopRecorder) Ingested(conneventsv1.Source, int, int, time.Time) {}
