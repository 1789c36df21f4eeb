package access

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// DefaultMaxBatch is the most records one transaction commits.
const DefaultMaxBatch = 256

// commitTimeout bounds one commit: a store that hangs fails the batch.
const commitTimeout = 30 * time.Second

// ErrUnavailable is every failure to record: the read must be refused.
var ErrUnavailable = reason.New(reason.AccessLogUnavailable, "this read could not be recorded in the access log, so it was refused; retry later")

// Appender is where records go (store.Store).
type Appender interface {
	AppendAccessRecords(ctx context.Context, records []store.AccessRecord) error
}

// Log commits access records in batches: one writer goroutine takes every
// record waiting (up to MaxBatch) and commits them in one transaction, so
// that while one commit runs the next batch forms, and each reader waits
// for about one commit whatever the load.
type Log struct {
	store    Appender
	maxBatch int
	logger   *slog.Logger

	queue   chan *pending
	quit    chan struct{} // closed by Close
	done    chan struct{} // closed when the writer has stopped
	closing sync.Once
}

// pending is one record waiting for its commit.
type pending struct {
	rec  store.AccessRecord
	done chan error
}

// Option changes a Log.
type Option func(*Log)

// WithMaxBatch sets the most records per transaction.
func WithMaxBatch(n int) Option { return func(l *Log) { l.maxBatch = max(1, n) } }

// WithLogger sets where commit failures are logged (their error only,
// never a record's contents).
func WithLogger(logger *slog.Logger) Option { return func(l *Log) { l.logger = logger } }

// New starts a Log writing to s. Close stops it.
func New(s Appender, opts ...Option) *Log {
	l := &Log{store: s, maxBatch: DefaultMaxBatch, logger: slog.New(slog.DiscardHandler),
		quit: make(chan struct{}), done: make(chan struct{})}
	for _, o := range opts {
		o(l)
	}
	l.queue = make(chan *pending, l.maxBatch)
	go l.write()
	return l
}

// Record stores r and returns once it is durable, or ErrUnavailable when it
// could not be stored (the store failed, the Log is closed, or ctx ended
// first: the record may then still be stored, but the read is refused).
func (l *Log) Record(ctx context.Context, r store.AccessRecord) error {
	select {
	case <-l.quit:
		return ErrUnavailable
	default:
	}
	p := &pending{rec: r, done: make(chan error, 1)}
	select {
	case l.queue <- p:
	case <-l.quit:
		return ErrUnavailable
	case <-ctx.Done():
		return ErrUnavailable
	}
	select {
	case err := <-p.done:
		return err
	case <-l.done: // closed after the writer's last commit
		select {
		case err := <-p.done:
			return err
		default:
			return ErrUnavailable
		}
	case <-ctx.Done():
		return ErrUnavailable
	}
}

// Close commits the records already queued, refuses new ones, and waits
// for the writer to stop.
func (l *Log) Close() {
	l.closing.Do(func() { close(l.quit) })
	<-l.done
}

// write is the writer goroutine.
func (l *Log) write() {
	defer close(l.done)
	batch := make([]*pending, 0, l.maxBatch)
	for {
		select {
		case p := <-l.queue:
			batch = l.fill(append(batch[:0], p))
			l.commit(batch)
		case <-l.quit:
			l.drain()
			return
		}
	}
}

// fill adds to batch every record already waiting, up to maxBatch.
func (l *Log) fill(batch []*pending) []*pending {
	for len(batch) < l.maxBatch {
		select {
		case p := <-l.queue:
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

// drain commits what is queued when the Log closes.
func (l *Log) drain() {
	for {
		batch := l.fill(nil)
		if len(batch) == 0 {
			return
		}
		l.commit(batch)
	}
}

// commit stores a batch in one transaction and answers each of its
// readers. When the batch fails, each record is tried alone: a record the
// store cannot take must not refuse the reads of the others sharing its
// transaction.
func (l *Log) commit(batch []*pending) {
	err := l.append(batch)
	if err != nil && len(batch) > 1 {
		for _, p := range batch {
			p.done <- l.append([]*pending{p})
		}
		return
	}
	for _, p := range batch {
		p.done <- err
	}
}

// append stores the batch's records in one transaction.
func (l *Log) append(batch []*pending) error {
	recs := make([]store.AccessRecord, len(batch))
	for i, p := range batch {
		recs[i] = p.rec
	}
	// Not the readers' contexts: a batch serves many, and a reader that
	// went away is refused anyway.
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	if err := l.store.AppendAccessRecords(ctx, recs); err != nil {
		l.logger.Error("the access log cannot record reads; they are refused", "records", len(recs), "err", err)
		return ErrUnavailable
	}
	return nil
}
