// Package stream serves subscriptions: every committed event that matches a
// filter, after a start position, exactly once and in sequence order, with
// checkpoints on quiet streams; and likewise every change of the
// connection journeys that match a filter, in the order of the store's
// journey change log (SubscribeConnections).
//
// Both are one mechanism over two logs (a feed each): a subscription
// follows its log's head, reads forward from its cursor in batches, queues
// what matches into its bounded buffer, and sends checkpoints. Cursors name
// their log, so an event cursor cannot resume a journey stream.
//
// The store's log is the only source of truth. A subscription reads forward
// from its cursor; the Hub keeps the most recent commits of this process in
// a ring (basic view, each item encoded once for all subscribers) and wakes
// subscribers when one lands, so that live subscribers are served from
// memory. A subscriber whose cursor is older than the ring (it
// started from history, or fell behind) reads from the store instead, until
// it catches up. Because both paths read the same log by sequence, the
// switch from history to live can neither skip nor repeat an event, and
// events committed by other processes (several replicas on one PostgreSQL
// database) are found by the same store read.
//
// Journey changes are always read from the store (no ring). The hub learns
// that they happened from Committed (an append changes journeys in its own
// transaction), from JourneysChanged (the stall loop), and from Watch's
// polling of the change head (other processes); Watch reads the change
// head and wakes the journey subscriptions.
//
// Each subscription has a bounded send buffer. Ingestion never waits for a
// subscriber: committing only appends to the ring. A subscriber whose
// buffer stays full for longer than the slow-subscriber timeout is ended
// with RESOURCE_EXHAUSTED (reason SUBSCRIBER_TOO_SLOW) and can resume from
// the last cursor it received.
//
// The package knows no gRPC codes: its refusals are *reason.Error values
// (the cursor reasons, TOO_MANY_SUBSCRIPTIONS, SUBSCRIBER_TOO_SLOW), and a
// failed store read returns the store's error; server/api turns them into
// statuses.
package stream
