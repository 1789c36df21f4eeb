package oneup

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// Sink takes normalized events; it is the service's single ingest path.
// It returns one store.Appended per event, in order, and dedupes on
// (source, source_event_id): re-reading an event is harmless.
type Sink interface {
	Ingest(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error)
}

// Checkpoints is the part of store.Store the poller needs.
type Checkpoints interface {
	GetCheckpoint(ctx context.Context, key string) (string, error)
	PutCheckpoint(ctx context.Context, key, value string) error
}

// PollResult sums up one poll (or, passed to Config.Progress, the poll so
// far).
type PollResult struct {
	// Windows is how many date windows the poll searched (see PollOnce).
	Windows int
	// Pages is how many search pages were read.
	Pages int
	// Fetched is how many Bundle entries were read.
	Fetched int
	// Stored is how many new events the sink stored.
	Stored int
	// Duplicates is how many events the sink already had.
	Duplicates int
	// Rejected is how many entries were rejected; by reason below.
	Rejected           int
	RejectionsByReason map[string]int
	// DeadLettered is how many entries could not be normalized and were
	// kept as dead letters (Config.DeadLetters).
	DeadLettered int
	// Checkpoint is the stored checkpoint after the poll: the newest
	// `meta.lastUpdated` ingested (capped at Now), or the start bound.
	Checkpoint time.Time
	// DeferredUntil, when set, is when 1upHealth asked the poller to come
	// back (a Retry-After over MaxRetryAfter): the poll stopped there
	// without failing, and the next poll waits until then.
	DeferredUntil time.Time
	// Duration is how long the poll took.
	Duration time.Duration
}

func (r PollResult) clone() PollResult {
	r.RejectionsByReason = maps.Clone(r.RejectionsByReason)
	return r
}

// Poller pulls AuditEvents incrementally into a Sink. Its methods are safe
// for concurrent use; polls never overlap.
type Poller struct {
	cfg    Config
	client *Client
	sink   Sink
	cps    Checkpoints
	status reporter
	since  time.Time // the first poll's `date` lower bound
	floor  time.Time // Config.Since: every poll's `date` lower bound (zero: none)
	pollMu sync.Mutex
	// notBefore is when the next poll may start (a deferral); pollMu
	// guards it.
	notBefore time.Time
}

// NewPoller validates cfg (after applying defaults) and returns a Poller.
func NewPoller(cfg Config, sink Sink, cps Checkpoints) (*Poller, error) {
	client, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	if sink == nil || cps == nil {
		return nil, errors.New("oneup: a sink and a checkpoint store are required")
	}
	cfg = client.cfg
	since := cfg.Since
	if since.IsZero() {
		since = cfg.Now().Add(-DefaultSinceAge)
	}
	return &Poller{cfg: cfg, client: client, sink: sink, cps: cps, status: reporter{cfg.Status, cfg.Metrics},
		since: since.UTC(), floor: cfg.Since.UTC()}, nil
}

// Run polls at once and then every Interval until ctx ends, and returns
// nil then. After consecutive failed polls the wait doubles, up to
// MaxErrorInterval, so rejected credentials never cause a hot loop.
// A zero Interval disables polling: Run returns nil at once.
func (p *Poller) Run(ctx context.Context) error {
	if p.cfg.Interval <= 0 {
		return nil
	}
	failures := 0
	for {
		if _, err := p.PollOnce(ctx); err != nil {
			failures++
		} else {
			failures = 0
		}
		if p.cfg.Sleep(ctx, p.nextWait(failures)) != nil {
			return nil
		}
	}
}

// nextWait is Interval after a success, doubled per consecutive failure up
// to max(Interval, MaxErrorInterval).
func (p *Poller) nextWait(failures int) time.Duration {
	d, limit := p.cfg.Interval, max(p.cfg.Interval, p.cfg.MaxErrorInterval)
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
