// Package oneup turns 1upHealth Patient Connect AuditEvents (FHIR R4) into
// ConnectionEvents, and pulls them from 1upHealth's FHIR API.
//
// It has two halves:
//
//   - Parse and Normalize are pure functions: FHIR JSON or NDJSON in,
//     normalized events (or *reason.Error) out. They are lenient: an
//     AuditEvent with unknown codings, a missing outcome, extra fields or
//     values of an unexpected JSON type is still an event. Only a payload
//     that is not an AuditEvent at all, or lacks `id` or `recorded`, is
//     rejected.
//   - Client and Poller read `GET {base}/r4/AuditEvent` incrementally, hand
//     the events to a Sink and record how far they have read as a
//     checkpoint (the newest `meta.lastUpdated` read: 1upHealth's write
//     time, not the `recorded` event time, so that events written late are
//     read too), so that a restart neither skips nor re-stores events.
//
// Nothing in this package logs or returns patient identifiers, payload
// bytes or the client secret in errors.
package oneup
