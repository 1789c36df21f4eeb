package fasten

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// SampleOption changes what Sample builds.
type SampleOption func(*sampleConfig)

type sampleConfig struct {
	id, apiMode, variant string
	date                 time.Time
	data                 map[string]any
}

// WithID sets the envelope id (default: a fresh random UUID).
func WithID(id string) SampleOption { return func(c *sampleConfig) { c.id = id } }

// WithAPIMode sets api_mode (default "test").
func WithAPIMode(mode string) SampleOption { return func(c *sampleConfig) { c.apiMode = mode } }

// WithDate sets the envelope date (default: now), sent in UTC to the second.
func WithDate(t time.Time) SampleOption { return func(c *sampleConfig) { c.date = t } }

// WithVariant picks one of Variants(eventType); a patient.ehi_export_failed
// variant is its failure_reason and may be any string.
func WithVariant(v string) SampleOption { return func(c *sampleConfig) { c.variant = v } }

// WithData sets the data member key to value (any JSON-encodable value),
// replacing the sample's; a nil value removes the member.
func WithData(key string, value any) SampleOption {
	return func(c *sampleConfig) {
		if c.data == nil {
			c.data = map[string]any{}
		}
		c.data[key] = value
	}
}

// Variants returns the variants Sample can build for eventType, the default
// first; nil when the type has only one shape.
func Variants(eventType string) []string {
	switch eventType {
	case TypeConnectionSuccess:
		return []string{"authorized", "rejected", "revoked", "tefca"}
	case TypeEHIExportSuccess:
		return []string{"download_links", "download_link"}
	case TypeEHIExportFailed:
		return []string{"suppressed_please_contact", "token_refresh_failure", "scope_patient_missing",
			"resource_patient_failure", "resource_invalid_content", "tefca_no_documents_found"}
	}
	return nil
}

// Sample returns a realistic delivery body of eventType (one of
// EventTypes()), shaped like Fasten's, with a fresh UUID id, api_mode "test"
// and date now unless options say otherwise. Sign it with Sign or
// SignedHeaders.
func Sample(eventType string, opts ...SampleOption) ([]byte, error) {
	c := sampleConfig{apiMode: "test", date: time.Now()}
	for _, opt := range opts {
		opt(&c)
	}
	if err := c.defaults(eventType); err != nil {
		return nil, err
	}
	data, err := sampleData(eventType, c)
	if err != nil {
		return nil, err
	}
	for k, v := range c.data {
		data[k] = v
		if v == nil {
			delete(data, k)
		}
	}
	return json.Marshal(sampleEnvelope{c.id, eventType, c.apiMode, c.date.UTC().Format(time.RFC3339), data})
}

// sampleEnvelope fixes the order of the envelope members.
type sampleEnvelope struct {
	ID      string         `json:"id"`
	Type    string         `json:"type"`
	APIMode string         `json:"api_mode"`
	Date    string         `json:"date"`
	Data    map[string]any `json:"data"`
}

func (c *sampleConfig) defaults(eventType string) error {
	if !slices.Contains(EventTypes(), eventType) {
		return fmt.Errorf("fasten: no sample for event type %q (want one of %v)", eventType, EventTypes())
	}
	variants := Variants(eventType)
	if c.variant == "" && len(variants) > 0 {
		c.variant = variants[0]
	}
	if c.variant != "" && eventType != TypeEHIExportFailed && !slices.Contains(variants, c.variant) {
		return fmt.Errorf("fasten: no variant %q of %s (want one of %v)", c.variant, eventType, variants)
	}
	if c.id != "" {
		return nil
	}
	var err error
	c.id, err = newUUID()
	return err
}

// SignedHeaders signs body with secret as sent at now. The webhook-id is
// the body's `id` when it has one (so that retries share it), else a fresh
// UUID.
func SignedHeaders(secret string, body []byte, now time.Time) (Headers, error) {
	id := ""
	if top, ok := object(body); ok {
		id = top.str("id")
	}
	if id == "" {
		var err error
		if id, err = newUUID(); err != nil {
			return Headers{}, err
		}
	}
	sig, err := Sign(secret, id, now, body)
	if err != nil {
		return Headers{}, err
	}
	return Headers{ID: id, Timestamp: strconv.FormatInt(now.Unix(), 10), Signature: sig}, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
