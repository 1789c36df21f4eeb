// Package deadletter keeps authentic deliveries and items that cannot be
// normalized — a signed Fasten delivery that is not a usable envelope, a
// pushed or polled 1upHealth resource that is not a usable AuditEvent, an
// event holding a value no store can hold — instead of refusing them: the
// sender cannot fix them by retrying, and Fasten disables an endpoint that
// keeps failing. A Keeper stores each one byte for byte with its source,
// reason and time, and counts it on the status board (and so in
// /metrics). Normalize is the one place that turns raw bytes of a source
// into an event, for the doors and for retrying a dead letter later.
//
// Forged or unsigned deliveries never get here: the Fasten door refuses
// them (401) before anything is kept.
package deadletter
