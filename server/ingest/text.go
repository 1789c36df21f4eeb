package ingest

import (
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protopath"
	"google.golang.org/protobuf/reflect/protorange"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// idFields are the identifiers that key, deduplicate or select events. One
// holding U+FFFD is refused: a decoder writes it for invalid UTF-8 and lone
// surrogates, so two different ids would be stored as one.
var idFields = map[string]bool{
	"source_event_id":                true,
	"connection_id":                  true,
	"patient.external_id":            true,
	"patient.oneup_user_id":          true,
	"patient.fhir_patient_reference": true,
	"connection.org_connection_id":   true,
}

// Storable is the one rule for text the service stores, applied to every
// event before the store whatever door it came through (Ingest checks it;
// doors that answer per item check each item first, so only the item
// fails):
//
//   - no string of the event may hold NUL or bytes that are not UTF-8, which
//     no store can hold as text (reason.TextNotStorable);
//   - no identifier may hold U+FFFD (reason.IDNotUTF8).
//
// The error is a *reason.Error naming the field, never its value.
func Storable(ev *conneventsv1.ConnectionEvent) error {
	var refused error
	_ = protorange.Range(ev.ProtoReflect(), func(p protopath.Values) error {
		last := p.Index(-1)
		if last.Step.Kind() == protopath.MapIndexStep {
			refused = checkText(p, last.Step.MapIndex().String())
		}
		if s, ok := last.Value.Interface().(string); ok && refused == nil {
			refused = checkText(p, s)
		}
		if refused != nil {
			return protorange.Terminate
		}
		return nil
	})
	return refused
}

// checkText applies the rule to s, the value (or map key) at p. Most text
// is plain, and is passed without naming its field.
func checkText(p protopath.Values, s string) error {
	if isPlain(s) {
		return nil
	}
	field := fieldPath(p)
	switch {
	case strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s):
		return reason.New(reason.TextNotStorable, field+" holds a NUL character or invalid UTF-8, which cannot be stored")
	case idFields[field]:
		return reason.New(reason.IDNotUTF8, field+" is not valid UTF-8 (or holds U+FFFD); refused so that no two ids become one")
	}
	return nil
}

// isPlain: s is valid UTF-8 without NUL or U+FFFD, so no rule can refuse it.
func isPlain(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError)
}

// fieldPath names the field of a value by field names only (no list index
// or map key, which may be personal data), such as patient.external_id.
func fieldPath(p protopath.Values) string {
	var names []string
	for _, s := range p.Path {
		if s.Kind() == protopath.FieldAccessStep {
			names = append(names, string(s.FieldDescriptor().Name()))
		}
	}
	return strings.Join(names, ".")
}
