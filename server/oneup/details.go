package oneup

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// keyValue is one entity detail as text: its key (detail.type) and value.
type keyValue struct {
	key, value string
}

// detailsOf returns every entity detail of ae that has a value, in order.
func detailsOf(ae *auditEvent) []keyValue {
	var out []keyValue
	for _, e := range ae.Entity {
		for _, d := range e.Detail {
			if v, ok := detailValue(d); ok {
				out = append(out, keyValue{key: detailKey(d.Type), value: v})
			}
		}
	}
	return out
}

// detailKey reads detail.type: an R4 string, or an R5 CodeableConcept
// (its text, else its first coding's code).
func detailKey(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var cc codeableConcept
	if err := json.Unmarshal(raw, &cc); err != nil && !isTypeError(err) {
		return ""
	}
	if cc.Text != "" {
		return cc.Text
	}
	for _, c := range cc.Coding {
		if c.Code != "" {
			return c.Code
		}
	}
	return ""
}

// detailValue reads the value of a detail: valueString, else
// valueBase64Binary (decoded; must be UTF-8 text), else valueInteger or
// valueQuantity.value (R5) as their JSON text.
func detailValue(d detail) (string, bool) {
	if d.ValueString != nil {
		return *d.ValueString, true
	}
	if d.ValueBase64Binary != "" {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(d.ValueBase64Binary))
		if err == nil && utf8.Valid(b) {
			return string(b), true
		}
	}
	for _, n := range []json.RawMessage{d.ValueInteger, d.ValueQuantity.Value} {
		var num json.Number
		if json.Unmarshal(n, &num) == nil {
			return num.String(), true
		}
	}
	return "", false
}

// containsAny reports whether s contains one of words, ignoring case.
func containsAny(s string, words ...string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
