// Package postgres is the PostgreSQL backend of store.Store, on pgx (pgxpool).
// It only opens the pool, used through two DBs (see Plans); the statements
// are sqlstore's, in its PostgreSQL dialect.
//
// # Ordering across processes
//
// Several service replicas may append to one database. Each Append is one
// transaction that first locks the single log_head row (SELECT ... FOR
// UPDATE), assigns the batch's sequences above the head inside that lock,
// writes the events, moves the head and commits. The lock is held until the
// commit is visible, so appends commit one after another in sequence order
// and no reader can see sequence N+1 before N. The same lock makes the
// duplicate check race-free: concurrent appends of one key store it once.
//
// # Durability
//
// An Append returns after COMMIT, which with the server's default
// synchronous_commit=on means the WAL is flushed: the batch survives a crash.
//
// # Plans
//
// Reads (sqlstore.PGXReads) are planned with their arguments on every call;
// the writer's statements (sqlstore.PGX) are prepared once and cached. A
// cached read would get PostgreSQL's generic plan after five calls, chosen
// for an average argument: for a rare event type that is a walk of the
// whole log. Parallel query is off (max_parallel_workers_per_gather=0,
// unless the URL sets it): no statement reads enough rows to repay
// starting workers, and the planner overestimates the stragglers' index.
// The filters write the columns that should not lead a plan as +col (for
// SQLite's planner); migration 11 gives PostgreSQL statistics on those
// expressions, without which it estimated each at 0.5 % of the rows.
//
// # Schema
//
// sqlstore's migrations are applied on Open under an advisory lock, in the
// first schema of the connection's search_path (idempotent on reopen).
package postgres
