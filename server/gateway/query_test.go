package gateway

import (
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// An unknown parameter's message names the known part of its path by the
// request's own names and never repeats what the client sent: a parameter
// name can be a patient id.
func TestUnknownParameterRepeatsNothingTheClientSent(t *testing.T) {
	md := (&conneventsv1.ListEventsRequest{}).ProtoReflect().Descriptor()
	for _, c := range []struct{ key, want string }{
		{"123456789", "a query parameter names no field of this call's request"},
		{"PATIENT42", "a query parameter names no field of this call's request"},
		{"filter.patiant", "a query parameter names no field of filter"},
		{"filter.PATIENT42", "a query parameter names no field of filter"},
		{"filter.patient.PATIENT42", "a query parameter names no field of filter"},
		{"page_size.PATIENT42", "a query parameter names no field of this call's request"},
	} {
		got := unknownParameter(md, c.key)
		if got != c.want {
			t.Errorf("unknownParameter(%q) = %q, want %q", c.key, got, c.want)
		}
		if strings.Contains(got, "PATIENT42") || strings.Contains(got, "123456789") {
			t.Errorf("unknownParameter(%q) repeats the client's text: %q", c.key, got)
		}
	}
}
