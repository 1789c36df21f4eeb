package gateway

import (
	"slices"
	"testing"
)

// TestAllowedMethods: the Allow header of a 405 names the methods the
// RPCs' bindings take at the path, a variable matching one segment.
func TestAllowedMethods(t *testing.T) {
	for path, want := range map[string][]string{
		"/v1/events":              {"GET"},
		"/v1/events/abc":          {"GET"},
		"/v1/events:search":       {"POST"},
		"/v1/events:subscribe":    {"GET", "POST"},
		"/v1/events/abc/def":      nil,
		"/v1/connections/cnx_abc": {"GET"},
		"/v1/no-such-route":       nil,
	} {
		got := allowedMethods(path)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("allowedMethods(%s) = %v, want %v", path, got, want)
		}
	}
}
