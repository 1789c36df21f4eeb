// Package sqlite is the SQLite backend of store.Store, on the pure-Go
// modernc.org/sqlite driver (no cgo). It only opens and tunes the database
// (pragmas, connection pools); the statements are sqlstore's, in its SQLite
// dialect.
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
// sqlstore's migrations are applied on Open, in one write transaction
// (idempotent on reopen).
package sqlite
