// Package journey derives the state of a patient connection (a journey)
// from its events. It is pure: events in, state out; no storage, no clock,
// no logging.
//
// # Identity
//
// KeyOf names the journey an event belongs to: a Fasten org connection
// (`org_connection_id`), or a 1upHealth (user id, custodian altId) pair, or
// the 1upHealth user alone when the event names no custodian. Events that
// name no connection, and vendor test events, belong to no journey. A Namer
// turns a Key into the journey's public id with a keyed hash (HMAC-SHA-256),
// so ids are opaque, stable, equal on every replica sharing the key, and do
// not reveal the patient identifiers they are derived from.
//
// # The fold
//
// The state of a journey is a function of the set of its events, ordered by
// occurred_at (received_at when an event has none), then source_event_id
// (events at the same time, common as Fasten dates to the second, in an
// order that does not depend on their arrival), then sequence (copies of
// one event). Every part of State is a join that does not depend on the
// order it sees events in (a latest-by-that-order value, a minimum, a
// maximum or a count), so:
//
//   - Fold(events) gives the same State for any permutation of events, and
//     ignores duplicates (the same source and source_event_id);
//   - State.Apply(ev) adds one event in any order: applying each distinct
//     event once, in any order, equals Fold. This is how the store keeps a
//     journey current in the transaction that appends its event, without
//     reading the journey's other events.
//
// The status comes from the latest step event (see Kind): a revoked
// connection authorized again is in progress again; a resource-retrieval
// failure is counted, never a failure of the journey. An in-progress
// journey whose last progress (step or resource event) is older than the
// threshold of its phase (Thresholds) is STALLED: State.Journey takes the
// time to judge that by.
//
// # The funnel
//
// ComputeFunnel counts, for a cohort of journeys and the discovery events
// of a window, how far patients and connections got, exactly and in one
// pass; the store feeds it rows.
package journey
