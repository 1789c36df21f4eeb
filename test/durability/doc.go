// Package durability holds the fault tests of connevents: the kill test
// (SIGKILL the real binary under concurrent ingest, restart, and check that
// every acknowledged event is stored exactly once), storage faults (a failed
// or slow commit is never acknowledged, and the service recovers) and a
// bounded soak (goroutines and memory stay flat under ingest with 100
// subscribers). Everything listens on loopback only.
package durability
