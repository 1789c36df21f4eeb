package oneup

// Rejection reasons (reject.Error.Reason) returned by Parse and Normalize.
const (
	// ReasonUnsupportedMediaType: the content type is neither FHIR JSON nor
	// NDJSON. Whole payload.
	ReasonUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// ReasonMalformedJSON: the payload (or one NDJSON line, or one resource)
	// is not a JSON object.
	ReasonMalformedJSON = "MALFORMED_JSON"
	// ReasonMalformedBundle: a Bundle whose `entry` is not an array. Whole
	// payload.
	ReasonMalformedBundle = "MALFORMED_BUNDLE"
	// ReasonMalformedEntry: a Bundle entry that is not an object or has no
	// `resource`.
	ReasonMalformedEntry = "MALFORMED_ENTRY"
	// ReasonNotAnAuditEvent: a resource whose resourceType is not
	// AuditEvent.
	ReasonNotAnAuditEvent = "NOT_AN_AUDIT_EVENT"
	// ReasonMissingID: an AuditEvent without a (string) id.
	ReasonMissingID = "MISSING_ID"
	// ReasonMissingRecorded: an AuditEvent without `recorded`.
	ReasonMissingRecorded = "MISSING_RECORDED"
	// ReasonInvalidRecorded: an AuditEvent whose `recorded` is not a time.
	ReasonInvalidRecorded = "INVALID_RECORDED"
	// ReasonBodyTooLarge: a pushed payload over MaxPushBytes. Enforced by
	// the transports.
	ReasonBodyTooLarge = "BODY_TOO_LARGE"
)

// MaxPushBytes is the largest pushed payload (one AuditEvent, a Bundle or
// NDJSON) the service accepts.
const MaxPushBytes = 10 << 20
