package store

import (
	"context"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// DeadLetterQuery selects dead letters for ListDeadLetters: newest first
// (by id, which is a UUIDv7 and so rises with time).
type DeadLetterQuery struct {
	// Source keeps only dead letters of this source; unspecified keeps all.
	Source conneventsv1.Source
	// Before keeps only dead letters whose id sorts before it (paging);
	// empty: no bound.
	Before string
	// Limit is the most returned; it must be > 0.
	Limit int
}

// KeptDeadLetter is the outcome of adding one dead letter.
type KeptDeadLetter struct {
	// DeadLetter is the one added, or the one of the same source and bytes
	// kept before (without raw).
	DeadLetter *conneventsv1.DeadLetter
	// Added is false when the same bytes of the same source were kept
	// already.
	Added bool
}

// DeadLetters are authentic deliveries and items that could not be
// normalized, kept byte for byte (raw) until an operator retries or
// discards them. They are not part of the log: no sequence, no
// subscription sees them, Prune leaves them.
type DeadLetters interface {
	// AddDeadLetters durably stores ds in one transaction and returns one
	// KeptDeadLetter per input, in order. Id (unique), Source, Reason and
	// ReceivedAt must be set (otherwise ErrInvalidEvent and nothing is
	// stored); Retries is stored as given. It is idempotent on (Source,
	// Raw): when a dead letter of the same source with the same bytes is
	// kept already (or earlier in ds), nothing new is stored for it and
	// that one is returned (without raw) with Added false.
	AddDeadLetters(ctx context.Context, ds []*conneventsv1.DeadLetter) ([]KeptDeadLetter, error)

	// GetDeadLetter returns the dead letter with raw, or ErrNotFound.
	GetDeadLetter(ctx context.Context, id string) (*conneventsv1.DeadLetter, error)

	// ListDeadLetters returns up to q.Limit dead letters without raw,
	// newest (highest id) first.
	ListDeadLetters(ctx context.Context, q DeadLetterQuery) ([]*conneventsv1.DeadLetter, error)

	// DeadLetterRetried records a retry that failed again: Retries goes up
	// by one and Reason and Message are replaced. ErrNotFound if there is
	// no such dead letter.
	DeadLetterRetried(ctx context.Context, id, reason, message string) error

	// DeleteDeadLetter deletes it; ErrNotFound if there is no such dead
	// letter (so of two concurrent deletes exactly one succeeds).
	DeleteDeadLetter(ctx context.Context, id string) error
}
