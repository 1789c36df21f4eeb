package oneup

// MaxPushBytes is the largest pushed payload (one AuditEvent, a Bundle or
// NDJSON) the service accepts.
const MaxPushBytes = 10 << 20
