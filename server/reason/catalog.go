package reason

// Callers: a missing or wrong API key, or a key without the role a call
// needs (server/auth).
const (
	// APIKeyInvalid: API keys are configured and the request carries no
	// `authorization: Bearer <key>` with one of them.
	APIKeyInvalid Reason = "API_KEY_INVALID"
	// RoleRequired: the key is valid but lacks the role the call needs;
	// the metadata's `role` names it (ingest, read or admin).
	RoleRequired Reason = "ROLE_REQUIRED"
	// MethodNotPermitted: the server grants no role the method or route
	// (a server bug: every method and route must be in server/auth's
	// table).
	MethodNotPermitted Reason = "METHOD_NOT_PERMITTED"
	// HostNotAllowed: an HTTP request to a server without API keys (open,
	// on loopback) whose Host is not a loopback name: a web page's DNS
	// rebinding, refused so that it cannot read the open API.
	HostNotAllowed Reason = "HOST_NOT_ALLOWED"
)

// Fasten deliveries whose sender cannot be verified (server/fasten).
const (
	// NoSecretConfigured: the receiver has no Fasten signing secret, so no
	// delivery can be verified.
	NoSecretConfigured Reason = "NO_SECRET_CONFIGURED"
	// SignatureMissing: the webhook-id, webhook-timestamp or
	// webhook-signature header is missing or empty.
	SignatureMissing Reason = "SIGNATURE_MISSING"
	// SignatureInvalid: no v1 signature in the header matches any secret
	// (wrong secret, altered body or headers, malformed header).
	SignatureInvalid Reason = "SIGNATURE_INVALID"
	// TimestampInvalid: webhook-timestamp is not an integer.
	TimestampInvalid Reason = "TIMESTAMP_INVALID"
	// TimestampOutOfTolerance: webhook-timestamp is further from the
	// receiver's clock than the tolerance (stale, or in the future).
	TimestampOutOfTolerance Reason = "TIMESTAMP_OUT_OF_TOLERANCE"
)

// Request bodies of the ingest doors.
const (
	// BodyTooLarge: the body is over the door's limit (a Fasten delivery,
	// a 1upHealth push). HTTP refuses it before reading it all.
	BodyTooLarge Reason = "BODY_TOO_LARGE"
	// BodyUnreadable: the HTTP request body could not be read.
	BodyUnreadable Reason = "BODY_UNREADABLE"
	// UnsupportedMediaType: a 1upHealth push whose content type is neither
	// FHIR JSON nor NDJSON.
	UnsupportedMediaType Reason = "UNSUPPORTED_MEDIA_TYPE"
	// TooManyItems: a 1upHealth push holding more items (NDJSON lines,
	// Bundle entries) than the limit of one push (10,000); split it.
	TooManyItems Reason = "TOO_MANY_ITEMS"
)

// Vendor payloads that cannot be mapped (server/fasten, server/oneup). A
// Fasten delivery is refused whole; a 1upHealth push or poll refuses only
// the item, except where noted.
const (
	// MalformedJSON: the body (a Fasten delivery, a whole 1upHealth
	// payload), an NDJSON line or a Bundle entry's resource is not a JSON
	// object.
	MalformedJSON Reason = "MALFORMED_JSON"
	// MissingID: a Fasten envelope without a non-empty string `id` (this
	// includes browser-side Stitch events), or an AuditEvent without a
	// string `id`.
	MissingID Reason = "MISSING_ID"
	// MissingType: a Fasten envelope without a non-empty string `type`.
	MissingType Reason = "MISSING_TYPE"
	// DataNotObject: a Fasten envelope whose `data` is neither an object
	// nor null.
	DataNotObject Reason = "DATA_NOT_OBJECT"
	// InvalidDate: a Fasten envelope whose `date` is not an RFC 3339 time.
	InvalidDate Reason = "INVALID_DATE"
	// MalformedBundle: a 1upHealth Bundle whose `entry` is not an array
	// (the whole payload is refused).
	MalformedBundle Reason = "MALFORMED_BUNDLE"
	// MalformedEntry: a Bundle entry that is not an object or has no
	// `resource`.
	MalformedEntry Reason = "MALFORMED_ENTRY"
	// NotAnAuditEvent: a resource whose resourceType is not AuditEvent.
	NotAnAuditEvent Reason = "NOT_AN_AUDIT_EVENT"
	// MissingRecorded: an AuditEvent without `recorded`.
	MissingRecorded Reason = "MISSING_RECORDED"
	// InvalidRecorded: an AuditEvent whose `recorded` is not a time.
	InvalidRecorded Reason = "INVALID_RECORDED"
	// TextNotStorable: a text field of the event holds a NUL character or
	// bytes that are not UTF-8, which no store can hold as text (PostgreSQL
	// refuses NUL), or an identifier the store indexes is longer than
	// store.MaxKeyBytes (a PostgreSQL index entry holds at most about 2.7 KB);
	// the message names the field, never its value. Refused before the
	// store, so that the item fails alone.
	TextNotStorable Reason = "TEXT_NOT_STORABLE"
	// IDNotUTF8: an identifier (source_event_id, a patient or connection
	// id) held invalid UTF-8 or a lone surrogate escape, which JSON decoding
	// turns into U+FFFD, so that two different ids would become one; an id
	// holding U+FFFD is refused rather than merged with another.
	IDNotUTF8 Reason = "ID_NOT_UTF8"
)

// Dead letters (the admin API).
const (
	// DeadLetterNotFound: no dead letter has the id.
	DeadLetterNotFound Reason = "DEAD_LETTER_NOT_FOUND"
	// DeadLetterStillUnreadable: a retried dead letter still cannot be
	// normalized; it is kept, with the new reason in the metadata.
	DeadLetterStillUnreadable Reason = "DEAD_LETTER_STILL_UNREADABLE"
)

// Arguments of the read RPCs.
const (
	// InvalidRequest: a request the HTTP gateway could not turn into an RPC
	// (an unknown enum value, a repeated oneof field, …).
	InvalidRequest Reason = "INVALID_REQUEST"
	// IDRequired: GetEvent or GetConnection without an id.
	IDRequired Reason = "ID_REQUIRED"
	// NotFound: no event, or no connection journey, has the id; or no
	// route of the HTTP API has the path.
	NotFound Reason = "NOT_FOUND"
	// MethodNotAllowed: a route of the HTTP API called with a method it
	// does not take (PUT /v1/events).
	MethodNotAllowed Reason = "METHOD_NOT_ALLOWED"
	// PageSizeNegative: ListEvents or ListConnections with a negative
	// page_size.
	PageSizeNegative Reason = "PAGE_SIZE_NEGATIVE"
	// OrderByInvalid: ListEvents with an order_by other than "sequence
	// desc" or "sequence asc", or ListConnections with one other than
	// "last_event_at desc" or "last_event_at asc".
	OrderByInvalid Reason = "ORDER_BY_INVALID"
	// PageTokenInvalid: a page_token that is malformed or was issued for
	// other list arguments.
	PageTokenInvalid Reason = "PAGE_TOKEN_INVALID"
	// SourceUnknown: GetSourceStatus for a source the service does not
	// know.
	SourceUnknown Reason = "SOURCE_UNKNOWN"
	// ConnectionIDInvalid: GetConnection with an id that is not a
	// connection journey id (`cnx_` and 26 base32 characters).
	ConnectionIDInvalid Reason = "CONNECTION_ID_INVALID"
	// FilterInvalid: a connection filter with a value that cannot mean
	// anything (a negative stalled_for).
	FilterInvalid Reason = "FILTER_INVALID"
	// WindowInvalid: GetFunnel without a start_time, with an end_time not
	// after it, or with a window longer than 366 days.
	WindowInvalid Reason = "WINDOW_INVALID"
)

// Subscriptions (server/stream).
const (
	// CursorInvalid: a start_cursor that is not a cursor.
	CursorInvalid Reason = "CURSOR_INVALID"
	// CursorExpired: a cursor older than the retained log; the metadata
	// holds oldest_cursor and oldest_sequence to resume from.
	CursorExpired Reason = "CURSOR_EXPIRED"
	// CursorOtherDatabase: a cursor issued by another database.
	CursorOtherDatabase Reason = "CURSOR_OTHER_DATABASE"
	// CursorAheadOfLog: a cursor ahead of the log (a restored database).
	CursorAheadOfLog Reason = "CURSOR_AHEAD_OF_LOG"
	// SubscriberTooSlow: the subscriber's buffer stayed full for longer
	// than the slow-subscriber timeout; resume from the last cursor
	// received.
	SubscriberTooSlow Reason = "SUBSCRIBER_TOO_SLOW"
	// TooManySubscriptions: the server already serves its maximum of
	// concurrent subscriptions.
	TooManySubscriptions Reason = "TOO_MANY_SUBSCRIPTIONS"
)

// The service itself: retry later.
const (
	// StorageUnavailable: the store failed; the message says nothing more
	// (the server logs the error).
	StorageUnavailable Reason = "STORAGE_UNAVAILABLE"
	// ShuttingDown: the server is stopping and takes no more events.
	ShuttingDown Reason = "SHUTTING_DOWN"
	// AccessLogUnavailable: a read of personal data could not be recorded
	// in the access log, so it was refused (an unrecorded read is worse
	// than a refused one).
	AccessLogUnavailable Reason = "ACCESS_LOG_UNAVAILABLE"
	// Internal: the server failed in a way it does not expect (a bug): a
	// response it could not encode, a refusal without a reason.
	Internal Reason = "INTERNAL"
)

// All lists every reason of the catalog, in the order above.
func All() []Reason {
	return []Reason{
		APIKeyInvalid, RoleRequired, MethodNotPermitted, HostNotAllowed,
		NoSecretConfigured, SignatureMissing, SignatureInvalid, TimestampInvalid, TimestampOutOfTolerance,
		BodyTooLarge, BodyUnreadable, UnsupportedMediaType, TooManyItems,
		MalformedJSON, MissingID, MissingType, DataNotObject, InvalidDate,
		MalformedBundle, MalformedEntry, NotAnAuditEvent, MissingRecorded, InvalidRecorded,
		TextNotStorable, IDNotUTF8,
		DeadLetterNotFound, DeadLetterStillUnreadable,
		InvalidRequest, IDRequired, NotFound, MethodNotAllowed, PageSizeNegative, OrderByInvalid, PageTokenInvalid, SourceUnknown,
		ConnectionIDInvalid, FilterInvalid, WindowInvalid,
		CursorInvalid, CursorExpired, CursorOtherDatabase, CursorAheadOfLog, SubscriberTooSlow, TooManySubscriptions,
		StorageUnavailable, ShuttingDown, AccessLogUnavailable, Internal,
	}
}
