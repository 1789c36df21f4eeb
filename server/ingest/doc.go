// Package ingest is the one way into the store. Every door (the Fasten
// webhook, the gRPC relay, the 1upHealth poller and push) hands normalized
// events to an Ingester, which stamps them, commits them, and tells the
// subscriptions.
//
// Group commit: concurrent Ingest calls queue their events for a single
// committer goroutine, which appends everything queued in one store
// transaction (one fsync) and then answers each caller. A caller is answered
// only after its events are durable, so throughput grows with concurrency
// while every acknowledgement still means "committed".
//
// Errors: ErrClosed (reason SHUTTING_DOWN) after Close, store errors as the
// store returns them; server/api maps both.
package ingest
