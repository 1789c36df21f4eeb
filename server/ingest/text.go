package ingest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/protowalk"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// idFields are the identifiers that key, deduplicate or select events and
// journeys (the custodian's id is half of a 1upHealth journey's key). One
// holding U+FFFD is refused: a decoder writes it for invalid UTF-8 and lone
// surrogates, so two different ids would be stored as one.
var idFields = map[string]bool{
	"source_event_id":                true,
	"connection_id":                  true,
	"patient.external_id":            true,
	"patient.oneup_user_id":          true,
	"patient.fhir_patient_reference": true,
	"connection.org_connection_id":   true,
	"health_system.oneup_system_id":  true,
}

// keyFields are the text fields the store indexes (events, journeys, the
// funnel): the ids, the health system's ids and name, the platform type.
var keyFields = map[string]bool{
	"patient.external_state":           true,
	"connection.platform_type":         true,
	"health_system.endpoint_id":        true,
	"health_system.portal_id":          true,
	"health_system.brand_id":           true,
	"health_system.tefca_directory_id": true,
	"health_system.org_id":             true,
	"health_system.name":               true,
}

func init() {
	for f := range idFields {
		keyFields[f] = true
	}
}

// Storable is the one rule for text the service stores, applied to every
// event before the store whatever door it came through (Ingest checks it;
// doors that answer per item check each item first, so only the item
// fails):
//
//   - no string of the event may hold NUL or bytes that are not UTF-8, which
//     no store can hold as text (reason.TextNotStorable);
//   - no identifier may hold U+FFFD (reason.IDNotUTF8);
//   - no indexed text (keyFields) may be longer than store.MaxKeyBytes
//     (reason.TextNotStorable).
//
// The error is a *reason.Error naming the field, never its value.
func Storable(ev *conneventsv1.ConnectionEvent) error {
	return protowalk.Walk(ev.ProtoReflect(), protowalk.Visitor{Text: checkText})
}

// checkText applies the rule to s, the value (or map key) of the field at
// the end of p. Most text is plain, and is passed without naming its field.
func checkText(p protowalk.Path, s string) error {
	if len(s) <= store.MaxKeyBytes && isPlain(s) {
		return nil
	}
	field := p.String()
	switch {
	case strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s):
		return reason.New(reason.TextNotStorable, field+" holds a NUL character or invalid UTF-8, which cannot be stored")
	case len(s) > store.MaxKeyBytes && keyFields[field]:
		return reason.New(reason.TextNotStorable, fmt.Sprintf("%s is longer than %d bytes, more than the store can index", field, store.MaxKeyBytes))
	case strings.ContainsRune(s, utf8.RuneError) && idFields[field]:
		return reason.New(reason.IDNotUTF8, field+" is not valid UTF-8 (or holds U+FFFD); refused so that no two ids become one")
	}
	return nil
}

// isPlain: s is valid UTF-8 without NUL or U+FFFD, so no rule can refuse it.
func isPlain(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError)
}
