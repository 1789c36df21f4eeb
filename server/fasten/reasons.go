package fasten

import "time"

// Reasons a delivery is refused. Each is the Reason of a *reject.Error.
const (
	// ReasonNoSecretConfigured: the receiver has no signing secret, so no
	// delivery can be verified.
	ReasonNoSecretConfigured = "NO_SECRET_CONFIGURED"
	// ReasonSignatureMissing: the webhook-id, webhook-timestamp or
	// webhook-signature header is missing or empty.
	ReasonSignatureMissing = "SIGNATURE_MISSING"
	// ReasonSignatureInvalid: no v1 signature in the header matches any
	// secret (wrong secret, altered body or headers, malformed header).
	ReasonSignatureInvalid = "SIGNATURE_INVALID"
	// ReasonTimestampInvalid: webhook-timestamp is not an integer.
	ReasonTimestampInvalid = "TIMESTAMP_INVALID"
	// ReasonTimestampOutOfTolerance: webhook-timestamp is more than
	// Tolerance away from the receiver's clock (stale or in the future).
	ReasonTimestampOutOfTolerance = "TIMESTAMP_OUT_OF_TOLERANCE"

	// ReasonMalformedJSON: the body is not a JSON object.
	ReasonMalformedJSON = "MALFORMED_JSON"
	// ReasonMissingID: the envelope has no non-empty string `id` (this
	// includes browser-side Stitch events, which have `event_type` but no
	// `id`).
	ReasonMissingID = "MISSING_ID"
	// ReasonMissingType: the envelope has no non-empty string `type`.
	ReasonMissingType = "MISSING_TYPE"
	// ReasonDataNotObject: `data` is present but neither an object nor null.
	ReasonDataNotObject = "DATA_NOT_OBJECT"
	// ReasonInvalidDate: `date` is present but not an RFC 3339 time.
	ReasonInvalidDate = "INVALID_DATE"

	// ReasonBodyTooLarge: the body is over MaxBodyBytes. Enforced by the
	// transport, which reads the body; defined here so that all of a
	// delivery's reasons are in one place.
	ReasonBodyTooLarge = "BODY_TOO_LARGE"
)

const (
	// Tolerance is how far webhook-timestamp may be from the receiver's
	// clock, either way (the Standard Webhooks default).
	Tolerance = 5 * time.Minute
	// MaxBodyBytes is the largest delivery body the receiver accepts.
	MaxBodyBytes = 256 << 10
)

// Header names of a Standard Webhooks delivery (matched case-insensitively
// by HTTP).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)
