package status

import (
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/telemetry"
)

// Board holds one SourceStatus per source. Safe for concurrent use.
type Board struct {
	mu      sync.Mutex
	sources map[conneventsv1.Source]*conneventsv1.SourceStatus
	silence map[conneventsv1.Source]*silence
	metrics *telemetry.Metrics
}

// silence tracks how long a source has sent nothing (see ExpectEvery).
type silence struct {
	expect   time.Duration
	flag     string // the flag that set expect, for the reason
	last     time.Time
	degraded bool
}

// Option configures a Board.
type Option func(*Board)

// WithMetrics has the board count rejections and dead letters, and report
// degraded sources, in m too.
func WithMetrics(m *telemetry.Metrics) Option { return func(b *Board) { b.metrics = m } }

// NewBoard returns a board with every source disabled.
func NewBoard(opts ...Option) *Board {
	b := &Board{sources: map[conneventsv1.Source]*conneventsv1.SourceStatus{}, silence: map[conneventsv1.Source]*silence{}}
	for _, s := range Sources() {
		b.sources[s] = &conneventsv1.SourceStatus{
			Source:              s,
			State:               conneventsv1.SourceState_SOURCE_STATE_DISABLED,
			RejectionsByReason:  map[string]int64{},
			DeadLettersByReason: map[string]int64{},
		}
	}
	for _, o := range opts {
		o(b)
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

// Ingested counts stored events and duplicates (see ingest.Recorder). An
// event arriving ends a silence (see ExpectEvery).
func (b *Board) Ingested(src conneventsv1.Source, stored, duplicates int, at time.Time) {
	b.update(src, func(s *conneventsv1.SourceStatus) {
		s.EventsIngested += int64(stored)
		s.Duplicates += int64(duplicates)
		if stored+duplicates > 0 {
			b.arrived(s, at)
		}
	})
}

// Rejected counts one refused item.
func (b *Board) Rejected(src conneventsv1.Source, r reason.Reason) {
	b.update(src, func(s *conneventsv1.SourceStatus) { s.RejectionsByReason[string(r)]++ })
	b.metrics.Rejected(src, r)
}

// DeadLettered counts one authentic delivery or item kept as a dead
// letter. It arrived, so it ends a silence too.
func (b *Board) DeadLettered(src conneventsv1.Source, r reason.Reason, at time.Time) {
	b.update(src, func(s *conneventsv1.SourceStatus) {
		s.DeadLettersByReason[string(r)]++
		b.arrived(s, at)
	})
	b.metrics.DeadLettered(src, r)
}

// Succeeded records a success: an accepted delivery, a complete poll. A
// silent source stays DEGRADED: a poll that finds nothing is no event.
func (b *Board) Succeeded(src conneventsv1.Source, at time.Time) {
	b.update(src, func(s *conneventsv1.SourceStatus) {
		s.LastSuccessAt = timestamppb.New(at)
		s.State = conneventsv1.SourceState_SOURCE_STATE_OK
		if si := b.silence[src]; si != nil && si.degraded {
			s.State = conneventsv1.SourceState_SOURCE_STATE_DEGRADED
		}
	})
}

// ExpectEvery has the board expect something (an event or a dead letter)
// from src at least every d, counted from now: CheckSilence marks it
// DEGRADED after d without one. flag names the setting in the reason.
func (b *Board) ExpectEvery(src conneventsv1.Source, d time.Duration, flag string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.silence[src] = &silence{expect: d, flag: flag, last: now}
	b.metrics.SetSourceDegraded(src, false)
}

// CheckSilence marks every source that has sent nothing for longer than
// it is expected to as DEGRADED, with the reason. A source in ERROR or
// CONFIG_ERROR keeps that state (it says more); the reason and the metric
// are set either way.
func (b *Board) CheckSilence(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for src, si := range b.silence {
		quiet := now.Sub(si.last)
		if si.degraded || quiet < si.expect {
			continue
		}
		si.degraded = true
		s := b.sources[src]
		s.DegradedReason = fmt.Sprintf("nothing arrived for %s (%s is %s)", quiet.Round(time.Second), si.flag, si.expect)
		if s.State == conneventsv1.SourceState_SOURCE_STATE_OK {
			s.State = conneventsv1.SourceState_SOURCE_STATE_DEGRADED
		}
		b.metrics.SetSourceDegraded(src, true)
	}
}

// arrived records that src sent something at at, ending a silence.
// Callers hold mu.
func (b *Board) arrived(s *conneventsv1.SourceStatus, at time.Time) {
	si := b.silence[s.GetSource()]
	if si == nil {
		return
	}
	if at.After(si.last) {
		si.last = at
	}
	if !si.degraded {
		return
	}
	si.degraded = false
	s.DegradedReason = ""
	if s.State == conneventsv1.SourceState_SOURCE_STATE_DEGRADED {
		s.State = conneventsv1.SourceState_SOURCE_STATE_OK
	}
	b.metrics.SetSourceDegraded(s.GetSource(), false)
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
