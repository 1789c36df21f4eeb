// Package sqlstore is the one SQL implementation of store.Store, shared by
// the SQLite and PostgreSQL backends. Those packages only open and tune a
// database (pragmas, pools, driver settings) and hand it over as a DB with
// their Dialect; every statement is written here, once.
//
// # Writing SQL here
//
// Statements use ? placeholders; the dialect numbers them ($1, $2, ...) for
// PostgreSQL. A statement over many rows (a batch insert, a key lookup) is a
// batchStmt: its rows arrive as one relation whose shape is the dialect's
// (multi-row VALUES on SQLite, unnest of arrays on PostgreSQL), so it too is
// written once. What truly differs between the databases (row locking,
// migration locking, error scrubbing, DDL) is in the Dialect or in the
// backends' migration files.
//
// # Schema
//
// The numbered migrations in migrations/ are embedded and applied on Open:
// NNNN_name.sql on every database, NNNN_name.sqlite.sql or
// NNNN_name.postgres.sql where the DDL must differ (see package migrations).
// Each event is stored as protobuf bytes plus one indexed column per filter
// field; the raw vendor payload lives in its own table and is read only when
// asked for.
//
// # Appends
//
// Every Append is one write transaction that reads the head under the
// dialect's lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN
// IMMEDIATE already excludes other writers), looks up the batch's keys,
// inserts what is new and moves the head: see appendTx. Work that must
// commit with the events (another table kept in step with the log) belongs
// in appendTx, as more statements for the same ExecBatch.
//
// # Journeys
//
// The same transaction keeps the connection journeys (package journey):
// it sets each new event's connection_id (a keyed hash of its vendor key,
// under a secret kept in meta), reads the stored states of the batch's
// journeys, applies the new events and writes each journey's row (the
// state plus the columns lists, stalls and the funnel select by), its
// lookup terms (patient and health system ids, for the filters), one entry
// per changed journey in journey_changes (numbered by change_head, moved
// under the same lock as the event head) and the funnel rows of discovery
// events. Every other writer of journeys (MarkStalled, Prune, rebuilds)
// takes the same head lock, so change sequences are commit order too.
// Decoded states of recently written journeys are cached, checked against
// the row's sequence and update time, since decoding is the costliest part
// of the upkeep.
package sqlstore
