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
	"github.com/connevents/connevents/server/store"
)

// Hub is the live side of subscriptions: it learns about commits
// (ingest.Notifier), keeps the latest of them in a ring, and wakes the
// subscriptions. Committed never blocks.
type Hub struct {
	store  store.Store
	dbID   string
	opts   Options
	active atomic.Int64

	mu   sync.Mutex
	head int64         // highest sequence known to be committed
	ring []ringEntry   // contiguous sequences, oldest first
	wake chan struct{} // closed and replaced on every advance of head
}

// ringEntry is a recent event in the basic view (no raw payload, so the
// ring's memory stays small whatever the vendors send), with its stream
// item encoded at most once for every subscriber. Full-view subscriptions
// read the store.
type ringEntry struct {
	event *conneventsv1.ConnectionEvent
	wire  func() (encoded, error)
}

func newRingEntry(ev *conneventsv1.ConnectionEvent, dbID string) ringEntry {
	basic := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	basic.Raw = nil
	return ringEntry{
		event: basic,
		wire:  sync.OnceValues(func() (encoded, error) { return proto.Marshal(eventItem(dbID, basic)) }),
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
	// PollInterval is how often the store's head is checked for commits
	// this process did not make (other replicas); 0 disables.
	PollInterval time.Duration
	// ReadBatch is how many events one store read returns.
	ReadBatch int
	// Logger logs subscriptions ended as too slow (ids and counts only).
	Logger *slog.Logger
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

// NewHub returns a hub over st, starting at the store's head.
func NewHub(ctx context.Context, st store.Store, opts Options) (*Hub, error) {
	opts.defaults()
	b, err := st.Bounds(ctx)
	if err != nil {
		return nil, err
	}
	return &Hub{store: st, dbID: st.DatabaseID(), opts: opts, head: b.Head, wake: make(chan struct{})}, nil
}

// Committed records newly committed events, in sequence order.
func (h *Hub) Committed(events []*conneventsv1.ConnectionEvent) {
	entries := make([]ringEntry, len(events))
	for i, ev := range events {
		entries[i] = newRingEntry(ev, h.dbID)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range entries {
		h.push(e)
	}
	h.advance(events[len(events)-1].GetSequence())
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

// advance moves head and wakes every subscription. Callers hold mu.
func (h *Hub) advance(head int64) {
	if head <= h.head {
		return
	}
	h.head = head
	close(h.wake)
	h.wake = make(chan struct{})
}

// state returns the head and the channel closed on its next advance.
func (h *Hub) state() (int64, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.head, h.wake
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
		return nil, after >= h.head
	}
	end := min(len(h.ring), i+limit)
	return slices.Clone(h.ring[i:end]), true
}

// Watch checks the store's head every PollInterval, so that commits made by
// other processes wake the subscriptions too. It returns when ctx ends.
func (h *Hub) Watch(ctx context.Context) {
	if h.opts.PollInterval <= 0 {
		return
	}
	t := time.NewTicker(h.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if b, err := h.store.Bounds(ctx); err == nil {
				h.mu.Lock()
				h.advance(b.Head)
				h.mu.Unlock()
			}
		}
	}
}

// Active is the number of open subscriptions.
func (h *Hub) Active() int { return int(h.active.Load()) }
