package fasten

import (
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

func TestNormalizeRejects(t *testing.T) {
	tests := []struct {
		name, body string
		reason     reason.Reason
	}{
		{"empty", ``, reason.MalformedJSON},
		{"not json", `hello`, reason.MalformedJSON},
		{"truncated", `{"id":"a","type":"b"`, reason.MalformedJSON},
		{"trailing garbage", `{"id":"a","type":"b"} x`, reason.MalformedJSON},
		{"array", `[{"id":"a","type":"b"}]`, reason.MalformedJSON},
		{"null", `null`, reason.MalformedJSON},
		{"string", `"x"`, reason.MalformedJSON},
		{"no id", `{"type":"webhook.test"}`, reason.MissingID},
		{"empty id", `{"id":"","type":"webhook.test"}`, reason.MissingID},
		{"numeric id", `{"id":12,"type":"webhook.test"}`, reason.MissingID},
		{"null id", `{"id":null,"type":"webhook.test"}`, reason.MissingID},
		{"stitch event", `{"event_type":"widget.complete","data":{"org_connection_id":"x"}}`, reason.MissingID},
		{"no type", `{"id":"a"}`, reason.MissingType},
		{"empty type", `{"id":"a","type":""}`, reason.MissingType},
		{"object type", `{"id":"a","type":{}}`, reason.MissingType},
		{"stitch with id", `{"id":"a","event_type":"widget.complete"}`, reason.MissingType},
		{"data string", `{"id":"a","type":"webhook.test","data":"x"}`, reason.DataNotObject},
		{"data array", `{"id":"a","type":"webhook.test","data":[]}`, reason.DataNotObject},
		{"data number", `{"id":"a","type":"webhook.test","data":1}`, reason.DataNotObject},
		{"date not rfc3339", `{"id":"a","type":"webhook.test","date":"13/06/2024"}`, reason.InvalidDate},
		{"date without zone", `{"id":"a","type":"webhook.test","date":"2024-06-13T00:08:31"}`, reason.InvalidDate},
		{"date number", `{"id":"a","type":"webhook.test","date":1718237311}`, reason.InvalidDate},
		{"date empty", `{"id":"a","type":"webhook.test","date":""}`, reason.InvalidDate},
		{"date out of range", `{"id":"a","type":"webhook.test","date":"0000-12-31T23:59:59Z"}`, reason.InvalidDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Normalize([]byte(tt.body))
			if got := reason.Of(err); got != tt.reason || ev != nil {
				t.Fatalf("Normalize = %v, %v; want reason %s", ev, err, tt.reason)
			}
		})
	}
}

func TestNormalizeLeavesIngestFieldsUnset(t *testing.T) {
	ev, err := Normalize([]byte(`{"id":"a","type":"x.y","date":"2024-06-13T00:08:31Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Id != "" || ev.Sequence != 0 || ev.ReceivedAt != nil {
		t.Fatalf("ingest fields set: %v", ev)
	}
	if ev.Type != conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED || ev.Stage != conneventsv1.Stage_STAGE_OTHER {
		t.Fatalf("unknown type mapped to %v/%v", ev.Type, ev.Stage)
	}
}

// TestNormalizeCopiesRaw: the caller may reuse its buffer.
func TestNormalizeCopiesRaw(t *testing.T) {
	body := []byte(`{"id":"a","type":"webhook.test"}`)
	ev, err := Normalize(body)
	if err != nil {
		t.Fatal(err)
	}
	body[7] = 'b'
	if string(ev.Raw) != `{"id":"a","type":"webhook.test"}` {
		t.Fatal("Raw aliases the caller's buffer")
	}
}
