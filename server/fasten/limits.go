package fasten

import "time"

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
