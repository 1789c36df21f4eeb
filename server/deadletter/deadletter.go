package deadletter

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// Board counts dead letters per source (status.Board).
type Board interface {
	DeadLettered(src conneventsv1.Source, r reason.Reason, at time.Time)
}

// Keeper stores dead letters.
type Keeper struct {
	store  store.DeadLetters
	board  Board
	logger *slog.Logger
	now    func() time.Time
}

// NewKeeper returns a Keeper over st that counts on board (nil: nowhere)
// and logs to logger (nil: nowhere).
func NewKeeper(st store.DeadLetters, board Board, logger *slog.Logger) *Keeper {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Keeper{store: st, board: board, logger: logger, now: time.Now}
}

// Keep stores raw, received from src, as a dead letter for cause (a
// *reason.Error from normalizing; its reason and message are kept, never
// the payload) and returns it. The same bytes from the same source are kept
// once (a poll re-reads its overlap): Keep then returns the dead letter
// kept before. An error means nothing was kept: the caller must not
// acknowledge the delivery.
func (k *Keeper) Keep(ctx context.Context, src conneventsv1.Source, raw []byte, cause error) (*conneventsv1.DeadLetter, error) {
	kept, err := k.KeepItems(ctx, src, []oneup.Item{{Raw: raw, Err: cause}})
	if err != nil {
		return nil, err
	}
	return kept[0], nil
}

// KeepItems is Keep for every item of a push or a polled page (their Raw
// and Err), in one transaction; it returns one dead letter per item. Items
// with the same bytes share one.
func (k *Keeper) KeepItems(ctx context.Context, src conneventsv1.Source, items []oneup.Item) ([]*conneventsv1.DeadLetter, error) {
	now := k.now()
	var ds []*conneventsv1.DeadLetter
	which := make([]int, len(items)) // item → its dead letter in ds
	seen := map[string]int{}
	for i, it := range items {
		if j, ok := seen[string(it.Raw)]; ok {
			which[i] = j
			continue
		}
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		seen[string(it.Raw)], which[i] = len(ds), len(ds)
		ds = append(ds, &conneventsv1.DeadLetter{
			Id: id.String(), Source: src, Reason: string(reasonOf(it.Err)), Message: messageOf(it.Err),
			ReceivedAt: timestamppb.New(now), Raw: it.Raw,
		})
	}
	kept, err := k.store.AddDeadLetters(ctx, ds)
	if err != nil {
		return nil, err
	}
	for _, kd := range kept {
		if !kd.Added {
			k.logger.DebugContext(ctx, "dead letter kept before", "dead_letter_id", kd.DeadLetter.GetId(), "source", src.String())
			continue
		}
		if k.board != nil {
			k.board.DeadLettered(src, reason.Reason(kd.DeadLetter.GetReason()), now)
		}
		k.logger.WarnContext(ctx, "kept as a dead letter", "dead_letter_id", kd.DeadLetter.GetId(), "source", src.String(),
			"reason", kd.DeadLetter.GetReason(), "bytes", len(kd.DeadLetter.GetRaw()))
	}
	out := make([]*conneventsv1.DeadLetter, len(items))
	for i, j := range which {
		out[i] = kept[j].DeadLetter
	}
	return out, nil
}

// Normalize turns raw bytes of src into an event the store can hold, as
// the doors do: a Fasten body (its signature already verified) or one
// 1upHealth resource. Errors are *reason.Error values.
func Normalize(src conneventsv1.Source, raw []byte) (*conneventsv1.ConnectionEvent, error) {
	var (
		ev  *conneventsv1.ConnectionEvent
		err error
	)
	switch src {
	case conneventsv1.Source_SOURCE_FASTEN:
		ev, err = fasten.Normalize(raw)
	case conneventsv1.Source_SOURCE_ONEUP:
		ev, err = oneup.Normalize(raw)
	default:
		return nil, reason.New(reason.SourceUnknown, "the dead letter's source is unknown")
	}
	if err != nil {
		return nil, err
	}
	if err := ingest.Storable(ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// reasonOf is the reason of a normalizing error; INTERNAL (a bug) when it
// has none.
func reasonOf(err error) reason.Reason {
	if r := reason.Of(err); r != "" {
		return r
	}
	return reason.Internal
}

func messageOf(err error) string {
	var r *reason.Error
	if errors.As(err, &r) {
		return r.Message
	}
	return "could not be normalized"
}
