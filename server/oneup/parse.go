package oneup

import (
	"bytes"
	"encoding/json"
	"strings"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/reason"
)

// Item is the result for one resource of a payload, in payload order.
// Exactly one of Event and Err is set.
type Item struct {
	// Raw is the exact bytes of the resource (a Bundle entry's resource, an
	// NDJSON line without its line ending, or the whole single resource):
	// the event's Raw when accepted, else possibly shared with the payload;
	// for a Bundle entry without a resource, the entry.
	Raw []byte
	// Event is the normalized event when the item was accepted.
	Event *conneventsv1.ConnectionEvent
	// Err is a *reason.Error when the item was rejected.
	Err error
}

// Parse splits a pushed payload into AuditEvents and normalizes each one.
//
// contentType selects the format (parameters such as charset are ignored):
// application/fhir+json or application/json carry one AuditEvent or a
// Bundle of them (entry[].resource); application/fhir+ndjson,
// application/x-ndjson or application/ndjson carry one resource per line,
// blank lines skipped. A leading UTF-8 byte order mark is ignored.
// Whole-payload problems return a *reason.Error
// (UNSUPPORTED_MEDIA_TYPE, MALFORMED_JSON, MALFORMED_BUNDLE, and
// TOO_MANY_ITEMS over MaxPushItems, counted before any is normalized);
// problems with
// one resource are reported in its Item and do not affect the others.
func Parse(contentType string, body []byte) ([]Item, error) {
	body = bytes.TrimPrefix(body, []byte("\uFEFF")) // a UTF-8 byte order mark
	switch mediaType(contentType) {
	case "application/fhir+json", "application/json":
		return parseJSON(body)
	case "application/fhir+ndjson", "application/x-ndjson", "application/ndjson":
		if countLines(body) > MaxPushItems {
			return nil, errTooManyItems
		}
		return parseNDJSON(body), nil
	}
	return nil, reason.New(reason.UnsupportedMediaType,
		"content type must be application/fhir+json, application/json, application/fhir+ndjson, application/x-ndjson or application/ndjson")
}

// mediaType returns the lower-case type/subtype of a Content-Type value.
func mediaType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// parseJSON handles one resource or a Bundle.
func parseJSON(body []byte) ([]Item, error) {
	if !isJSONObject(body) {
		return nil, reason.New(reason.MalformedJSON, "the payload is not a JSON object")
	}
	var probe struct {
		ResourceType string `json:"resourceType"`
	}
	_ = json.Unmarshal(body, &probe) // a non-string resourceType is a type error: not a Bundle
	if probe.ResourceType != "Bundle" {
		return []Item{normalizeItem(bytes.Clone(bytes.TrimSpace(body)))}, nil
	}
	entries, _, err := bundleParts(body)
	if err != nil {
		return nil, err
	}
	if len(entries) > MaxPushItems {
		return nil, errTooManyItems
	}
	return entryItems(entries), nil
}

var errTooManyItems = reason.New(reason.TooManyItems,
	"the push holds more than 10,000 items; send them in several pushes")

// countLines counts the non-blank lines of an NDJSON body.
func countLines(body []byte) int {
	n := 0
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			n++
		}
	}
	return n
}

// parseNDJSON normalizes each non-blank line on its own.
func parseNDJSON(body []byte) []Item {
	var items []Item
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		items = append(items, normalizeItem(line))
	}
	return items
}

// normalizeItem normalizes one delimited resource. An event the store
// could not hold (ingest.Storable) is refused here, so that it fails alone
// rather than the whole push or page. An accepted item's Raw is its event's
// own copy; a refused one's is raw itself.
func normalizeItem(raw []byte) Item {
	ev, err := Normalize(raw)
	if err == nil {
		err = ingest.Storable(ev)
	}
	if err != nil {
		return Item{Raw: raw, Err: err}
	}
	return Item{Raw: ev.GetRaw(), Event: ev}
}
