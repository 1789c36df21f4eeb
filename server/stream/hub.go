package stream

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/grpccodec"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/telemetry"
)

// Hub is the live side of subscriptions: it learns about commits
// (ingest.Notifier), keeps the latest of them in a ring, and wakes the
// subscriptions. It follows two logs: the events, and the journey changes
// the store records with them (and when journeys stall). Committed and
// JourneysChanged never block.
type Hub struct {
	store  store.Store
	dbID   string
	opts   Options
	active atomic.Int64

	events   logHead
	journeys logHead
	// kick asks Watch to read the journey change head now (buffered 1:
	// requests made while one is pending are one request).
	kick chan struct{}

	mu   sync.Mutex
	ring []ringEntry // contiguous sequences, oldest first

	closing   chan struct{} // closed by Close: every subscription ends
	closeOnce sync.Once
}

// logHead is how far one log is known to be committed.
type logHead struct {
	mu   sync.Mutex
	head int64         // highest position known to be committed
	wake chan struct{} // closed and replaced on every advance of head
}

func newLogHead(head int64) logHead { return logHead{head: head, wake: make(chan struct{})} }

// advance moves head forward and wakes every subscription of the log.
func (l *logHead) advance(head int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if head <= l.head {
		return
	}
	l.head = head
	close(l.wake)
	l.wake = make(chan struct{})
}

// state returns the head and the channel closed on its next advance.
func (l *logHead) state() (int64, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head, l.wake
}

// ringEntry is a recent event in the basic view (no raw payload, so the
// ring's memory stays small whatever the vendors send), with its stream
// item encoded at most once for every subscriber. Full-view subscriptions
// read the store.
type ringEntry struct {
	event *conneventsv1.ConnectionEvent
	wire  func() (grpccodec.Encoded, error)
}

func newRingEntry(ev *conneventsv1.ConnectionEvent, dbID string) ringEntry {
	basic := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	basic.Raw = nil
	return ringEntry{
		event: basic,
		wire:  sync.OnceValues(func() (grpccodec.Encoded, error) { return proto.Marshal(eventItem(dbID, basic)) }),
	}
}

// Defaults of Options (and of the serve flags --heartbeat-interval and
// --max-subscriptions).
const (
	DefaultHeartbeat        = 15 * time.Second
	DefaultMaxSubscriptions = 10000
	DefaultRingSize         = 8192
	DefaultBuffer           = 256
	DefaultBufferBytes      = 256 << 10
	DefaultSlowTimeout      = 30 * time.Second
	DefaultReadBatch        = 500
)

// Options tune a Hub. Zero values take the defaults.
type Options struct {
	// Heartbeat is how long a stream stays silent before a checkpoint.
	Heartbeat time.Duration
	// MaxSubscriptions caps concurrent subscriptions.
	MaxSubscriptions int
	// RingSize is how many recent events are kept for live delivery.
	RingSize int
	// Buffer is each subscription's send buffer, in items.
	Buffer int
	// BufferBytes caps the encoded bytes a subscription's buffer holds
	// (one item bigger than that still goes through an empty buffer), so
	// that a subscriber that does not read holds little memory whatever
	// the size of the events.
	BufferBytes int
	// SlowTimeout is how long a subscription's buffer may stay full (of
	// items or bytes) before it is ended as too slow.
	SlowTimeout time.Duration
	// PollInterval is how often the store's heads (events and journey
	// changes) are checked for commits this process did not make (other
	// replicas); 0 disables.
	PollInterval time.Duration
	// ReadBatch is how many items (events, journey changes) one store read
	// returns at most.
	ReadBatch int
	// Logger logs subscriptions ended as too slow (ids and counts only).
	Logger *slog.Logger
	// Metrics counts subscriptions and deliveries; nil: nowhere.
	Metrics *telemetry.Metrics
}

func (o *Options) defaults() {
	setDefault(&o.Heartbeat, DefaultHeartbeat)
	setDefault(&o.MaxSubscriptions, DefaultMaxSubscriptions)
	setDefault(&o.RingSize, DefaultRingSize)
	setDefault(&o.Buffer, DefaultBuffer)
	setDefault(&o.BufferBytes, DefaultBufferBytes)
	setDefault(&o.SlowTimeout, DefaultSlowTimeout)
	setDefault(&o.ReadBatch, DefaultReadBatch)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// NewHub returns a hub over st, starting at the store's heads.
func NewHub(ctx context.Context, st store.Store, opts Options) (*Hub, error) {
	opts.defaults()
	b, err := st.Bounds(ctx)
	if err != nil {
		return nil, err
	}
	jb, err := st.JourneyChangeBounds(ctx)
	if err != nil {
		return nil, err
	}
	return &Hub{
		store: st, dbID: st.DatabaseID(), opts: opts,
		events: newLogHead(b.Head), journeys: newLogHead(jb.Head), kick: make(chan struct{}, 1),
		closing: make(chan struct{}),
	}, nil
}

// Close ends every subscription, open or still to come, with UNAVAILABLE
// (reason SHUTTING_DOWN) once the items already in its send buffer are
// sent: the server is stopping, and the client resumes from its last
// cursor elsewhere. Without it, open streams would hold a graceful stop
// until its deadline.
func (h *Hub) Close() { h.closeOnce.Do(func() { close(h.closing) }) }

// Committed records newly committed events, in sequence order. Their
// journeys changed in the same transactions, so the journey change head is
// read again too.
func (h *Hub) Committed(events []*conneventsv1.ConnectionEvent) {
	entries := make([]ringEntry, len(events))
	for i, ev := range events {
		entries[i] = newRingEntry(ev, h.dbID)
	}
	h.mu.Lock()
	for _, e := range entries {
		h.push(e)
	}
	h.mu.Unlock()
	h.events.advance(events[len(events)-1].GetSequence())
	h.JourneysChanged()
}

// JourneysChanged tells the hub that journey changes were committed (by
// ingest, or by the stall loop marking journeys STALLED): Watch reads the
// change head and wakes the journey subscriptions.
func (h *Hub) JourneysChanged() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// push appends to the ring, which must stay contiguous: an event that does
// not follow the last one (another process committed in between) starts
// the ring anew.
func (h *Hub) push(e ringEntry) {
	if n := len(h.ring); n > 0 && h.ring[n-1].event.GetSequence()+1 != e.event.GetSequence() {
		h.ring = h.ring[:0]
	}
	if len(h.ring) == h.opts.RingSize {
		copy(h.ring, h.ring[h.opts.RingSize/4:])
		h.ring = h.ring[:h.opts.RingSize-h.opts.RingSize/4]
	}
	h.ring = append(h.ring, e)
}

// fromRing returns up to limit entries after seq from the ring, and whether
// the ring covers seq+1 (if not, the caller reads the store).
func (h *Hub) fromRing(after int64, limit int) ([]ringEntry, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ring) == 0 || after+1 < h.ring[0].event.GetSequence() {
		return nil, false
	}
	i := int(after + 1 - h.ring[0].event.GetSequence())
	if i >= len(h.ring) {
		head, _ := h.events.state()
		return nil, after >= head
	}
	end := min(len(h.ring), i+limit)
	return slices.Clone(h.ring[i:end]), true
}

// commitHinter is a store that can tell that another process committed
// (the PostgreSQL backend, by LISTEN/NOTIFY).
type commitHinter interface {
	CommitHints(ctx context.Context) <-chan struct{}
}

// Watch reads the journey change head whenever JourneysChanged asks, and
// both of the store's heads every PollInterval and at once when the store
// hints that another process committed, so that commits made by other
// processes wake the subscriptions too. The hints only make that sooner:
// polling stays, for hints lost. It returns when ctx ends. Journey
// subscriptions only learn of changes while it runs.
func (h *Hub) Watch(ctx context.Context) {
	var tick <-chan time.Time
	var hints <-chan struct{}
	if h.opts.PollInterval > 0 {
		t := time.NewTicker(h.opts.PollInterval)
		defer t.Stop()
		tick = t.C
		if c, ok := h.store.(commitHinter); ok {
			hints = c.CommitHints(ctx)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.kick:
			h.readJourneyHead(ctx)
		case <-tick:
			h.readHeads(ctx)
		case <-hints:
			h.readHeads(ctx)
		}
	}
}

// readHeads reads both of the store's heads and wakes the subscriptions
// they moved for.
func (h *Hub) readHeads(ctx context.Context) {
	if b, err := h.store.Bounds(ctx); err == nil {
		h.events.advance(b.Head)
	}
	h.readJourneyHead(ctx)
}

func (h *Hub) readJourneyHead(ctx context.Context) {
	if b, err := h.store.JourneyChangeBounds(ctx); err == nil {
		h.journeys.advance(b.Head)
	}
}

// Active is the number of open subscriptions.
func (h *Hub) Active() int { return int(h.active.Load()) }
