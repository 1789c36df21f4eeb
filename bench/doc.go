// Package bench is the engine of `connevents-bench`: it loads a real
// connevents the way users do (signed Fasten webhooks from concurrent HTTP
// clients, 1upHealth AuditEvents over gRPC, Get/List over gRPC and REST,
// fan-out to many subscribers) and, in the same run, measures the ceilings
// of the machine beside each figure (empty handlers, bare gRPC streams, raw
// store inserts) and two peers (a naive hand-written receiver and an
// embedded NATS JetStream), so that every number is also a ratio that holds
// on any machine.
//
// Everything listens on loopback; every database and JetStream directory is
// temporary except the cached Get/List store.
package bench
