package status

import (
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Board holds one SourceStatus per source. Safe for concurrent use.
type Board struct {
	mu      sync.Mutex
	sources map[conneventsv1.Source]*conneventsv1.SourceStatus
}

// NewBoard returns a board with every source disabled.
func NewBoard() *Board {
	b := &Board{sources: map[conneventsv1.Source]*conneventsv1.SourceStatus{}}
	for _, s := range Sources() {
		b.sources[s] = &conneventsv1.SourceStatus{
			Source:             s,
			State:              conneventsv1.SourceState_SOURCE_STATE_DISABLED,
			RejectionsByReason: map[string]int64{},
		}
	}
	return b
}

// Sources lists the sources the service knows, in a stable order.
func Sources() []conneventsv1.Source {
	return []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN, conneventsv1.Source_SOURCE_ONEUP}
}

func (b *Board) update(src conneventsv1.Source, f func(*conneventsv1.SourceStatus)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.sources[src]; ok {
		f(s)
	}
}

// Enable marks a source as configured.
func (b *Board) Enable(src conneventsv1.Source) {
	b.update(src, func(s *conneventsv1.SourceStatus) { s.State = conneventsv1.SourceState_SOURCE_STATE_OK })
}

// Ingested counts stored events and duplicates (see ingest.Recorder).
func (b *Board) Ingested(src conneventsv1.Source, stored, duplicates int, at time.Time) {
	b.update(src, func(s *conneventsv1.SourceStatus) {
		s.EventsIngested += int64(stored)
		s.Duplicates += int64(duplicates)
	})
}

// Rejected counts one refused item.
func (b *Board) Rejected(src conneventsv1.Source, r reason.Reason) {
	b.update(src, func(s *conneventsv1.SourceStatus) { s.RejectionsByReason[string(r)]++ })
}

// Succeeded records a success: an accepted delivery, a complete poll.
func (b *Board) Succeeded(src conneventsv1.Source, at time.Time) {
	b.update(src, func(s *conneventsv1.SourceStatus) {
		s.LastSuccessAt = timestamppb.New(at)
		s.State = conneventsv1.SourceState_SOURCE_STATE_OK
	})
}

// Failed records a failure (a failed poll): the source's state becomes
// state (SOURCE_STATE_ERROR or SOURCE_STATE_CONFIG_ERROR), with when and
// why. message must hold no secrets or personal data.
func (b *Board) Failed(src conneventsv1.Source, at time.Time, state conneventsv1.SourceState, message string) {
	b.update(src, func(s *conneventsv1.SourceStatus) {
		s.State = state
		s.LastErrorAt = timestamppb.New(at)
		s.LastError = message
	})
}

// Checkpointed records where the source's next poll starts.
func (b *Board) Checkpointed(src conneventsv1.Source, next time.Time) {
	b.update(src, func(s *conneventsv1.SourceStatus) { s.Checkpoint = timestamppb.New(next) })
}

// Get returns a copy of one source's status, or nil for an unknown source.
func (b *Board) Get(src conneventsv1.Source) *conneventsv1.SourceStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.sources[src]
	if !ok {
		return nil
	}
	return proto.Clone(s).(*conneventsv1.SourceStatus)
}
