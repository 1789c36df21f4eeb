package gateway

import "testing"

// TestWantsEventStream: Accept is read by HTTP's rules (media types in any
// case, several fields, qualities, q=0 meaning "not acceptable"); anything
// else gets NDJSON.
func TestWantsEventStream(t *testing.T) {
	tests := []struct {
		accept []string
		want   bool
	}{
		{[]string{"text/event-stream"}, true},
		{[]string{"TEXT/Event-Stream"}, true},
		{[]string{"application/json, text/event-stream;q=0.5"}, true},
		{[]string{"application/x-ndjson", "text/event-stream"}, true},
		{[]string{"text/event-stream;q=0"}, false},
		{[]string{"text/event-stream;q=0.2, application/x-ndjson;q=0.9"}, false},
		{[]string{"application/x-ndjson"}, false},
		{[]string{"*/*"}, false},
		{[]string{"text/event-streamx"}, false},
		{[]string{"text/event-stream;q=bad"}, false},
		{[]string{"text/event-stream;q=0.1, */*"}, false},
		{[]string{"*/*;q=0.5, text/event-stream;q=0.4"}, false},
		{[]string{"application/*, text/event-stream;q=0.2"}, false},
		{[]string{"text/event-stream, */*"}, true},
		{[]string{"text/event-stream;q=0.5, application/x-ndjson;q=0.4, */*"}, true}, // the most specific range counts
		{nil, false},
	}
	for _, tt := range tests {
		if got := wantsEventStream(tt.accept); got != tt.want {
			t.Errorf("wantsEventStream(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}
