package stream

import (
	"context"
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// logOf describes one log a subscription can follow: its cursors and how
// to read its retained bounds.
type logOf struct {
	tag    cursorTag
	bounds func(context.Context) (store.Bounds, error)
}

// start resolves a cursor or a start position of the log to the position
// after which the stream begins: strictly after a cursor; before the
// oldest retained item for START_POSITION_EARLIEST; at the head otherwise.
func (h *Hub) start(ctx context.Context, l logOf, cursor *string, pos conneventsv1.StartPosition) (int64, error) {
	b, err := l.bounds(ctx)
	if err != nil {
		return 0, readError(ctx, err)
	}
	switch {
	case cursor != nil:
		seq, err := l.tag.decode(h.dbID, *cursor)
		if err != nil {
			return 0, err
		}
		return seq, l.tag.checkRetained(h.dbID, seq, b.Oldest, b.Head)
	case pos == conneventsv1.StartPosition_START_POSITION_EARLIEST:
		return b.Oldest - 1, nil
	}
	return b.Head, nil
}

// readLog finishes a store read of up to limit items after `after` (at
// most up to head) that returned n items, the last at position last: it
// returns the position the read scanned to (head when fewer than limit
// came back), after checking that `after` is still retained. Pruning
// deletes a prefix of the log; if the cursor is still inside the retained
// log after the read, the read skipped nothing.
func (h *Hub) readLog(ctx context.Context, l logOf, after, head int64, limit, n int, last int64) (int64, error) {
	b, err := l.bounds(ctx)
	if err != nil {
		return after, readError(ctx, err)
	}
	if err := l.tag.checkRetained(h.dbID, after, b.Oldest, max(b.Head, after)); err != nil {
		return after, err
	}
	if n < limit {
		return head, nil
	}
	return last, nil
}

// readError is the error of a failed store read: the context's, when the
// subscription ended meanwhile, or the store's (server/api answers it
// STORAGE_UNAVAILABLE and logs it).
func readError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("stream: reading the log: %w", err)
}
