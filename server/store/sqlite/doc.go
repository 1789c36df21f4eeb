// Package sqlite is the SQLite backend of store.Store, on the pure-Go
// modernc.org/sqlite driver (no cgo).
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: every commit fsyncs
// the write-ahead log before Append returns, so an acknowledged append
// survives a process kill and a power loss. (synchronous=NORMAL, the usual
// WAL setting, survives a process kill but may lose the last commits on
// power loss; the service acknowledges webhooks on append, so it must not.)
//
// # Connections and ordering
//
// All writes go through one connection (a *sql.DB with one open connection)
// and each Append is one BEGIN IMMEDIATE transaction, which also takes
// SQLite's write lock against other processes. Sequences are assigned inside
// that lock from the log_head row, so commit order is sequence order and a
// reader never sees sequence N+1 before N. Reads use a separate pool of
// query_only connections that WAL lets run beside the writer.
//
// # Schema
//
// Numbered migrations are embedded and applied on Open (idempotent on
// reopen). Each event is stored as protobuf bytes plus one indexed column per
// filter field; the raw vendor payload lives in its own table and is read
// only when asked for.
package sqlite
