package oneup

// MaxPushBytes is the largest pushed payload (one AuditEvent, a Bundle or
// NDJSON) the service accepts.
const MaxPushBytes = 10 << 20

// MaxPushItems is the most items (AuditEvents, Bundle entries, NDJSON
// lines) one push may hold; more is refused whole (TOO_MANY_ITEMS).
const MaxPushItems = 10_000
