// Package store defines the durable log of connection events: the Store
// interface every backend implements and its errors. The backend is chosen
// from the database URL at start-up (server), not here.
//
// The log is append-only. Every stored event gets a sequence number that is
// strictly increasing in commit order and never reused, so a reader that has
// seen sequence N and later reads "after N" can never miss an event that
// committed in between: a backend must not make sequence N+1 visible before
// N. Backends live in sub-packages (sqlite, postgres) and all pass the
// conformance suite in storetest.
//
// Beside the log the store keeps the connection journeys (package journey)
// in step with it: every Append updates, in its own transaction, the
// journeys its new events belong to, and records each change in a journey
// change log with its own commit-ordered sequence, so that journeys can be
// listed, counted into a funnel and followed like events.
package store

import (
	"context"
	"errors"
	"math"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// Errors returned by every backend. Transports map them to status codes in
// one place (server/api).
var (
	// ErrNotFound: no event with that id, no journey with that id, or no
	// checkpoint with that key.
	ErrNotFound = errors.New("store: not found")
	// ErrInvalidEvent: an appended event lacks a field the store needs
	// (id, source, source_event_id). A programming error, not bad input.
	ErrInvalidEvent = errors.New("store: invalid event")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)

// MaxKeyBytes is the longest text a store promises to hold in the columns
// it indexes (an event's ids, its health system's ids and name, its
// platform type): several share one index entry, and a PostgreSQL index
// entry holds at most about 2.7 KB. Callers refuse longer values before
// Append (ingest.Storable).
const MaxKeyBytes = 512

// Order is the direction of a List.
type Order int

const (
	// Descending lists the newest (highest sequence) first.
	Descending Order = iota
	// Ascending lists the oldest (lowest sequence) first.
	Ascending
)

// Query selects events for List.
type Query struct {
	// Filter selects events; nil matches everything. Semantics are those of
	// conneventsv1.EventFilter: OR within a repeated field, AND across
	// fields; Patient matches the external id or external state, the
	// 1upHealth user id or the FHIR patient reference; OccurredAfter is inclusive, OccurredBefore
	// exclusive.
	Filter *conneventsv1.EventFilter
	// Order of the result, by sequence.
	Order Order
	// After keeps only events with sequence > After (0: no lower bound).
	After int64
	// Before keeps only events with sequence < Before (0: no upper bound).
	Before int64
	// Limit is the most events returned; it must be > 0 (List returns an
	// error otherwise).
	Limit int
	// WithRaw also loads the raw vendor payload (ConnectionEvent.raw).
	WithRaw bool
}

// Appended is the outcome of appending one event.
type Appended struct {
	// Event is the stored event: the one appended (with its sequence set),
	// or, for a duplicate, the one stored before. Raw is not loaded for
	// duplicates.
	Event *conneventsv1.ConnectionEvent
	// Duplicate is true when an event with the same (source,
	// source_event_id) was already stored; nothing new was written for it.
	Duplicate bool
}

// Bounds describes the retained part of the log.
type Bounds struct {
	// Oldest is the lowest retained sequence, or Head+1 when no event is
	// retained (an empty log has Oldest 1 and Head 0).
	Oldest int64
	// Head is the highest committed sequence (0 for a log that never held
	// an event). It never goes down, even when old events are pruned.
	Head int64
}

// Store is the durable, append-only log of connection events.
//
// All methods are safe for concurrent use. Events returned are fresh copies
// the caller may modify.
type Store interface {
	// Append stores a batch of events in one transaction and returns one
	// Appended per input event, in input order.
	//
	// In the same transaction it sets each new event's ConnectionId (the
	// journey it belongs to; the input value is ignored), folds the new
	// events into their journeys and records one journey change per
	// journey changed, unless journey upkeep is off (an option of the backend, for benchmarks).
	//
	// Each event must have ID, Source and SourceEventId set (otherwise
	// ErrInvalidEvent and nothing is stored); Sequence is assigned by the
	// store and the input value ignored. Append is idempotent on (Source,
	// SourceEventId): an event whose key is already stored, or appears
	// earlier in the same batch, is a duplicate and the stored event is
	// returned instead. Concurrent appends of the same key, from this or
	// another process, store exactly one event.
	//
	// New events get consecutive sequences above every committed sequence,
	// and become visible to readers in sequence order: when Append returns
	// nil the batch is durable (it survives a process kill) and visible.
	// On error nothing of the batch is stored.
	Append(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]Appended, error)

	// Get returns the event with the connevents id, or ErrNotFound.
	// withRaw also loads the raw vendor payload.
	Get(ctx context.Context, id string, withRaw bool) (*conneventsv1.ConnectionEvent, error)

	// List returns up to q.Limit committed events that match q, ordered by
	// sequence in q.Order. Paging is by keyset: pass the last sequence seen
	// as After (ascending) or Before (descending). Reading ascending from
	// After is how subscriptions replay the log.
	List(ctx context.Context, q Query) ([]*conneventsv1.ConnectionEvent, error)

	// Bounds returns the oldest retained and the highest committed sequence.
	Bounds(ctx context.Context) (Bounds, error)

	// SequenceBefore returns one less than the lowest sequence of an event
	// received at or after t, or Head if there is none. Reading after it
	// yields every retained event received at or after t (and possibly a
	// few received just before: under concurrent ingest received_at need
	// not rise with sequence, and missing one would be worse).
	SequenceBefore(ctx context.Context, t time.Time) (int64, error)

	// Prune deletes the oldest events up to, not including, the first event
	// received at or after t; so the retained log is always a contiguous
	// suffix. If no retained event was received at or after t, every
	// retained event goes. The cut is SequenceBefore(t) as of when Prune
	// starts: events up to it are deleted lowest first (possibly in several
	// transactions, each leaving a contiguous suffix) and events appended
	// meanwhile stay. As received_at need not rise with sequence, events
	// received before t may be retained, but none received at or after t is
	// deleted; an event without a received time counts as received before
	// any t. Prune returns how many events it deleted. Sequences are never
	// reused and the head never goes down; Bounds.Oldest moves up. A pruned
	// event's (source, source_event_id) may be stored again later.
	//
	// Journeys stay consistent: in the transaction that deletes events, a
	// journey left without events is deleted and one with events left is
	// folded again from them (recorded as a change without an event). Journey
	// changes recorded before t are pruned likewise, oldest first.
	Prune(ctx context.Context, before time.Time) (int64, error)

	// DatabaseID returns a random id created with the database. Cursors
	// carry it so that a cursor from another database is recognised.
	DatabaseID() string

	// GetCheckpoint returns the value stored under key, or ErrNotFound.
	// Checkpoints record how far a source poller has read.
	GetCheckpoint(ctx context.Context, key string) (string, error)

	// PutCheckpoint durably stores value under key, replacing any value.
	PutCheckpoint(ctx context.Context, key, value string) error

	// GetJourney returns the journey with the id (ConnectionJourney.id) and
	// up to maxEvents of its events (none when maxEvents <= 0), in the order
	// its state is folded in: occurred_at (received_at for an event without
	// one), then source_event_id byte by byte, then sequence. The events
	// are those the returned state was folded from (never a later one),
	// without raw. ErrNotFound when there is no such journey.
	GetJourney(ctx context.Context, id string, maxEvents int) (*conneventsv1.ConnectionJourney, []*conneventsv1.ConnectionEvent, error)

	// ListJourneys returns up to q.Limit journeys that match q, ordered by
	// (last_event_at, id) in q.Order (Descending: latest activity first).
	// Paging is by keyset: pass the JourneyKeyOf the last journey seen as
	// q.After.
	ListJourneys(ctx context.Context, q JourneyQuery) ([]*conneventsv1.ConnectionJourney, error)

	// Funnel counts the connection funnel of q's window, exactly, one
	// Funnel per group, by descending number of connections then group (see
	// conneventsv1.Funnel and journey.ComputeFunnel, which it agrees with).
	Funnel(ctx context.Context, q FunnelQuery) ([]*conneventsv1.Funnel, error)

	// ListJourneyChanges returns up to q.Limit journey changes with
	// sequence in (q.After, q.Before), ascending, whose journey matches
	// q.Filter. Reading from After is how journey subscriptions replay.
	ListJourneyChanges(ctx context.Context, q ChangeQuery) ([]JourneyChange, error)

	// JourneyChangeBounds returns the oldest retained and the highest
	// committed change sequence, with the meaning of Bounds for events.
	JourneyChangeBounds(ctx context.Context) (Bounds, error)

	// MarkStalled makes every IN_PROGRESS journey whose stall time is at or
	// before now STALLED, recording one change each, and returns how many
	// it changed. Safe to run from several processes at once: each journey
	// is changed once.
	MarkStalled(ctx context.Context, now time.Time) (int64, error)

	// RebuildJourneys recomputes every journey from the log (after a change
	// of the fold, or on a database written before journeys existed),
	// batch journeys per transaction so that appends wait for at most one
	// batch, and returns how many journeys it changed (created, rewritten
	// or deleted). On a consistent store it returns 0. batch <= 0 means a
	// default size.
	RebuildJourneys(ctx context.Context, batch int) (int64, error)

	// CountJourneys returns how many journeys have each stored status (a
	// status no journey has is absent). A journey past its stall time
	// counts as STALLED once MarkStalled has run.
	CountJourneys(ctx context.Context) (map[conneventsv1.ConnectionStatus]int64, error)

	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error

	// Close releases the store. Further calls return ErrClosed.
	Close() error

	// AppendAccessRecords durably stores records in one transaction, in
	// order, each with a new ID above every ID stored before (the input ID
	// is ignored). When it returns nil every record is durable; on error
	// none is stored. Records are never changed once stored.
	AppendAccessRecords(ctx context.Context, records []AccessRecord) error

	// ListAccessRecords returns up to q.Limit access records that match q,
	// newest (highest ID) first. Paging is by keyset: pass the ID of the
	// last record seen as q.Before.
	ListAccessRecords(ctx context.Context, q AccessQuery) ([]AccessRecord, error)

	// PruneAccessRecords deletes the access records written before t and
	// returns how many it deleted. It is the only way records go.
	PruneAccessRecords(ctx context.Context, before time.Time) (int64, error)

	// DeadLetters keeps authentic deliveries that could not be normalized
	// (see deadletters.go).
	DeadLetters
}

// UnixNanos is t as unix nanoseconds, like t.UnixNano, except that times
// outside its range (before 1678, after 2262) saturate at the int64 bounds
// instead of wrapping, so that the order of times is kept: every time the
// stores and page tokens keep as an integer goes through it.
func UnixNanos(t time.Time) int64 {
	const limit = math.MaxInt64/int64(time.Second) - 1
	switch sec := t.Unix(); {
	case sec > limit:
		return math.MaxInt64
	case sec < -limit:
		return math.MinInt64
	default:
		return sec*int64(time.Second) + int64(t.Nanosecond())
	}
}

// JourneyKey is a journey's place in ListJourneys order.
type JourneyKey struct {
	// LastEventAt is the journey's last_event_at.
	LastEventAt time.Time
	// ID is the journey's id; it breaks ties.
	ID string
}

// JourneyKeyOf returns j's place in ListJourneys order.
func JourneyKeyOf(j *conneventsv1.ConnectionJourney) JourneyKey {
	return JourneyKey{LastEventAt: j.GetLastEventAt().AsTime(), ID: j.GetId()}
}

// JourneyQuery selects journeys for ListJourneys.
type JourneyQuery struct {
	// Filter selects journeys; nil matches everything. Semantics are those
	// of conneventsv1.ConnectionFilter; StalledFor is measured at Now.
	Filter *conneventsv1.ConnectionFilter
	// Order of the result by (last_event_at, id); Descending (the zero
	// value) lists the latest activity first.
	Order Order
	// After, when set, keeps only journeys strictly after it in Order.
	After *JourneyKey
	// Limit is the most journeys returned; it must be > 0.
	Limit int
	// Now is the time StalledFor is measured at; the zero time means now.
	Now time.Time
}

// FunnelQuery selects the window and breakdown of a funnel.
type FunnelQuery struct {
	// Start (inclusive) and End (exclusive) of the window: the cohort is
	// the journeys whose first event occurred in it, and the patients are
	// those of the discovery events that occurred in it.
	Start, End time.Time
	// GroupBy breaks the funnel down (one group if unspecified).
	GroupBy conneventsv1.FunnelGroupBy
	// Sources keeps only these sources (all if empty).
	Sources []conneventsv1.Source
	// APIMode keeps only this environment (all if unspecified).
	APIMode conneventsv1.ApiMode
}

// ChangeQuery selects journey changes for ListJourneyChanges.
type ChangeQuery struct {
	// After keeps only changes with sequence > After (0: no lower bound).
	After int64
	// Before keeps only changes with sequence < Before (0: no upper bound).
	Before int64
	// Limit is the most changes returned; it must be > 0.
	Limit int
	// Filter selects changes by their journey's current state; a filter
	// that sets nothing (or nil) matches everything, including changes of
	// journeys since deleted, which no other filter matches.
	Filter *conneventsv1.ConnectionFilter
	// Now is the time Filter's StalledFor is measured at; zero means now.
	Now time.Time
}

// JourneyChange is one entry of the journey change log.
type JourneyChange struct {
	// Sequence is the change's place in the change log: strictly
	// increasing in commit order, never reused.
	Sequence int64
	// JourneyID is the journey that changed.
	JourneyID string
	// EventSequence is the sequence of the event whose append caused the
	// change (the highest, when one append brought several), or 0 when no
	// event did (the journey became STALLED, or was folded again after a
	// prune or by a rebuild).
	EventSequence int64
	// Time is when the change was committed.
	Time time.Time
	// Journey is the journey's current state (not a snapshot as of the
	// change: a journey changed again later is returned as it is now),
	// or nil when the journey has since been deleted.
	Journey *conneventsv1.ConnectionJourney
}

// AccessRecord is one entry of the access log: one read of personal data
// (see server/access).
type AccessRecord struct {
	// ID is assigned by the store: increasing in the order records were
	// stored, never reused.
	ID int64
	// Time is when the call was answered (or a subscription opened).
	Time time.Time
	// KeyName and Role are who called: the key's name and the role the
	// call needed.
	KeyName, Role string
	// Method is the RPC's full gRPC method name; Route the HTTP route of a
	// call made over HTTP ("" over gRPC).
	Method, Route string
	// Phase says whether this records a unary call or a subscription's
	// open or end.
	Phase conneventsv1.AccessPhase
	// Filter is the request as JSON (it may name a patient).
	Filter string
	// Patient is the patient the filter names, "" if none: what
	// AccessQuery.Patient matches.
	Patient string
	// Count is how many items the call returned or delivered.
	Count int64
	// Peer is the caller's network address.
	Peer string
	// Outcome is "OK" or the reason the call failed.
	Outcome string
}

// AccessQuery selects access records for ListAccessRecords. Fields are
// ANDed; a zero field matches everything.
type AccessQuery struct {
	// KeyName, Method and Patient match those fields exactly.
	KeyName, Method, Patient string
	// Start (inclusive) and End (exclusive) bound the records' Time.
	Start, End time.Time
	// Before keeps only records with ID < Before (0: no bound).
	Before int64
	// Limit is the most records returned; it must be > 0.
	Limit int
}
