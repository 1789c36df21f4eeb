package stream

import (
	"context"
	"crypto/rand"
	"errors"
	"sync/atomic"
	"time"

	middleware "github.com/grpc-ecosystem/go-grpc-middleware/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/connevents/connevents/server/grpccodec"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/telemetry"
)

var (
	errTooMany      = reason.New(reason.TooManySubscriptions, "too many concurrent subscriptions; retry later")
	errTooSlow      = reason.New(reason.SubscriberTooSlow, "the subscriber did not keep up; resume from the last cursor received")
	errShuttingDown = reason.New(reason.ShuttingDown, "the server is shutting down; resume from the last cursor received")
)

// TransportMetadata is the incoming metadata key that names the transport
// a subscription is served on (telemetry.TransportNDJSON or
// TransportSSE), set by the HTTP gateway; without it the transport is
// gRPC. It only labels metrics.
const TransportMetadata = "x-connevents-transport"

// UntrustedTransport is a stream interceptor for a gRPC server that the
// gateway does not call (the public one): it drops TransportMetadata from
// its calls, so that a client cannot label its subscription as another
// transport's.
func UntrustedTransport(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	md, ok := metadata.FromIncomingContext(ss.Context())
	if ok && len(md.Get(TransportMetadata)) > 0 {
		md = md.Copy()
		md.Delete(TransportMetadata)
		wrapped := middleware.WrapServerStream(ss)
		wrapped.WrappedContext = metadata.NewIncomingContext(ss.Context(), md)
		ss = wrapped
	}
	return next(srv, ss)
}

// transportOf is the subscription's transport, for its metrics.
func transportOf(ctx context.Context) telemetry.Transport {
	if v := metadata.ValueFromIncomingContext(ctx, TransportMetadata); len(v) == 1 {
		return telemetry.Transport(v[0]) // an unknown value is labelled OTHER
	}
	return telemetry.TransportGRPC
}

// feed is the log one subscription follows (events or journey changes),
// read through the subscription's filter.
type feed interface {
	// state returns the log's head and a channel closed when it advances.
	state() (int64, <-chan struct{})
	// read returns the items after `after` (up to head, reading at most
	// limit of the log's items) that pass the filter, in log order, and
	// the position it scanned to.
	read(ctx context.Context, after, head int64, limit int) ([]positioned, int64, error)
	// checkpoint is the checkpoint item at pos.
	checkpoint(pos int64) proto.Message
}

// positioned is a stream item and its position in the log.
type positioned struct {
	pos  int64
	item any // a response message, or grpccodec.Encoded
	// receivedAt is the event's received_at, or the journey change's
	// commit time (zero for other items): the delivery lag is measured
	// from it.
	receivedAt time.Time
}

// follow serves one stream of f from the position start resolves, until
// the client goes away, the stream fails, or the subscriber is too slow.
// Its errors are *reason.Error values (cursors, TOO_MANY_SUBSCRIPTIONS,
// SUBSCRIBER_TOO_SLOW, SHUTTING_DOWN once Close is called), the context's
// error when the client went away, the stream's send error, or a store
// error; server/api maps them. kind labels its metrics.
func (h *Hub) follow(ss grpc.ServerStream, f feed, kind telemetry.Kind, start func(context.Context) (int64, error)) error {
	if h.active.Add(1) > int64(h.opts.MaxSubscriptions) {
		h.active.Add(-1)
		return errTooMany
	}
	defer h.active.Add(-1)
	select {
	case <-h.closing:
		return errShuttingDown
	default:
	}
	ctx := ss.Context()
	pos, err := start(ctx)
	if err != nil {
		return err
	}
	sub := &subscription{id: rand.Text(), opts: h.opts, feed: f, cursor: pos, closing: h.closing,
		transport: transportOf(ctx), kind: kind}
	defer h.opts.Metrics.SubscriptionOpened(sub.transport, kind)()
	err = sub.serve(ctx, ss)
	if errors.Is(err, errTooSlow) {
		h.opts.Metrics.SubscriptionTooSlow(sub.transport, kind)
		h.opts.Logger.Warn("subscription ended: the subscriber is too slow", "subscription", sub.id,
			"delivered", sub.delivered.Load(), "queued_items", len(sub.out), "queued_bytes", sub.queued.Load())
	}
	return err
}

// subscription is one stream's reading state.
type subscription struct {
	id     string // in logs only: a random name for this stream
	opts   Options
	feed   feed
	cursor int64 // every matching item up to here has been queued

	closing   <-chan struct{} // the hub's: closed when the server stops
	transport telemetry.Transport
	kind      telemetry.Kind

	// out is the send buffer: at most Options.Buffer frames, of at most
	// Options.BufferBytes (queued) together. The sender signals drained
	// each time it has sent one.
	out       chan frame
	queued    atomic.Int64
	drained   chan struct{}
	delivered atomic.Int64 // items sent (checkpoints aside)
	lastSize  int64        // of the last item frame: what room expects
	sendErr   chan error
}

// frame is one stream item in the send buffer: an item encoded once, or a
// checkpoint.
type frame struct {
	msg        any // grpccodec.Encoded, or a checkpoint's response message
	size       int64
	item       bool
	receivedAt time.Time // an event's received_at or a change's commit, for the delivery lag
}

// serve runs the sender goroutine and the read loop. The sender drains the
// bounded buffer into the stream; the read loop fills it.
func (s *subscription) serve(ctx context.Context, ss grpc.ServerStream) error {
	s.out = make(chan frame, s.opts.Buffer)
	s.drained = make(chan struct{}, 1)
	s.sendErr = make(chan error, 1)
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		s.sendErr <- s.send(ss)
	}()
	err := s.readLoop(ctx)
	close(s.out)
	if !errors.Is(err, errTooSlow) {
		// The sender ends promptly: its Send fails once ctx is done, and
		// on shutdown it has only the buffer left to send. A
		// too-slow client's Send is blocked until the stream ends, which
		// happens when this handler returns.
		<-senderDone
	}
	return err
}

// send sends the buffered frames in order; a frame's bytes count as
// queued until it is sent.
func (s *subscription) send(ss grpc.ServerStream) error {
	for f := range s.out {
		if err := ss.SendMsg(f.msg); err != nil {
			return err
		}
		s.queued.Add(-f.size)
		if f.item {
			s.delivered.Add(1)
			s.opts.Metrics.Delivered(s.transport, s.kind, f.receivedAt)
		}
		select {
		case s.drained <- struct{}{}:
		default:
		}
	}
	return nil
}

// readLoop queues every matching item after the cursor, and a checkpoint
// at the start and after each heartbeat interval of silence.
func (s *subscription) readLoop(ctx context.Context) error {
	if err := s.enqueue(ctx, s.checkpoint()); err != nil {
		return err
	}
	heartbeat := time.NewTimer(s.opts.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-s.closing: // also between the reads of a long catch-up
			return errShuttingDown
		default:
		}
		head, wake := s.feed.state()
		if s.cursor < head {
			sent, err := s.readOnce(ctx, head)
			if err != nil {
				return err
			}
			if sent {
				heartbeat.Reset(s.opts.Heartbeat)
			}
			continue
		}
		select {
		case <-wake:
		case <-heartbeat.C:
			if err := s.enqueue(ctx, s.checkpoint()); err != nil {
				return err
			}
			heartbeat.Reset(s.opts.Heartbeat)
		case <-ctx.Done():
			return ctx.Err()
		case err := <-s.sendErr:
			return err
		case <-s.closing:
			return errShuttingDown
		}
	}
}

// readOnce queues one batch after the cursor and moves the cursor past
// everything it scanned. It reports whether it queued anything.
func (s *subscription) readOnce(ctx context.Context, head int64) (bool, error) {
	found, scanned, err := s.feed.read(ctx, s.cursor, head, s.room())
	if err != nil {
		return false, err
	}
	for _, p := range found {
		f, err := s.item(p.item)
		if err != nil {
			return false, err
		}
		f.receivedAt = p.receivedAt
		if err := s.enqueue(ctx, f); err != nil {
			return false, err
		}
		s.cursor = p.pos
	}
	s.cursor = max(s.cursor, scanned)
	return len(found) > 0, nil
}

// room is how many items to read next: about what the send buffer can
// still take (judged by the last item's size), at least one and at most
// ReadBatch. A subscriber that does not read so holds one item besides
// its buffer, not a whole read batch.
func (s *subscription) room() int {
	if s.lastSize == 0 {
		return 1 // the first read: the size of items is not known yet
	}
	n := min(cap(s.out)-len(s.out), int((int64(s.opts.BufferBytes)-s.queued.Load())/s.lastSize))
	return max(1, min(n, s.opts.ReadBatch))
}

// item is the frame the sender sends for an item: encoded here (unless a
// ring entry's, shared by every subscriber, already is), so that the
// buffer holds bytes it can count.
func (s *subscription) item(item any) (frame, error) {
	b, ok := item.(grpccodec.Encoded)
	if !ok {
		var err error
		if b, err = proto.Marshal(item.(proto.Message)); err != nil {
			return frame{}, err
		}
	}
	s.lastSize = int64(len(b))
	return frame{msg: b, size: s.lastSize, item: true}, nil
}

func (s *subscription) checkpoint() frame {
	msg := s.feed.checkpoint(s.cursor)
	return frame{msg: msg, size: int64(proto.Size(msg))}
}

// enqueue puts a frame in the send buffer, waiting at most SlowTimeout for
// room (an item, and its bytes under the cap unless the buffer is empty).
func (s *subscription) enqueue(ctx context.Context, f frame) error {
	var timeout <-chan time.Time
	for {
		if q := s.queued.Load(); len(s.out) < cap(s.out) && (q == 0 || q+f.size <= int64(s.opts.BufferBytes)) {
			s.queued.Add(f.size)
			s.out <- f // only this goroutine sends: there is room
			return nil
		}
		if timeout == nil {
			timer := time.NewTimer(s.opts.SlowTimeout)
			defer timer.Stop()
			timeout = timer.C
		}
		select {
		case <-s.drained:
		case <-timeout:
			return errTooSlow
		case <-ctx.Done():
			return ctx.Err()
		case err := <-s.sendErr:
			return err
		case <-s.closing:
			return errShuttingDown
		}
	}
}
