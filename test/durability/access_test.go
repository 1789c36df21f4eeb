package durability

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/reason"
)

// TestAccessLogFailsClosed: while access records cannot be stored, every
// read of personal data is refused with UNAVAILABLE ACCESS_LOG_UNAVAILABLE
// (over gRPC and REST, unary and streams, before any item is sent), and
// reads are answered again once the store takes writes.
func TestAccessLogFailsClosed(t *testing.T) {
	rig := newFaultRig(t)
	a, err := rig.webhook(t.Context(), uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	rig.store.set(true, 0)

	_, err = rig.client.GetEvent(t.Context(), &conneventsv1.GetEventRequest{Id: a.eventID, View: conneventsv1.EventView_EVENT_VIEW_FULL})
	assertAccessRefused(t, "gRPC GetEvent", err)
	_, err = rig.client.ListEvents(t.Context(), &conneventsv1.ListEventsRequest{})
	assertAccessRefused(t, "gRPC ListEvents", err)
	sub, err := rig.client.SubscribeEvents(t.Context(), &conneventsv1.SubscribeEventsRequest{
		Start: &conneventsv1.SubscribeEventsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST},
	})
	if err == nil {
		var item *conneventsv1.SubscribeEventsResponse
		item, err = sub.Recv()
		if err == nil {
			t.Errorf("gRPC SubscribeEvents delivered %v while the access log could not record it", item)
		}
	}
	assertAccessRefused(t, "gRPC SubscribeEvents", err)
	for _, path := range []string{"/v1/events/" + a.eventID + "?view=EVENT_VIEW_FULL", "/v1/events", "/v1/events:subscribe?start_position=START_POSITION_EARLIEST"} {
		code, body := httpGet(t, rig.baseURL+path)
		if code != http.StatusServiceUnavailable || !json.Valid(body) || errReason(body) != string(reason.AccessLogUnavailable) {
			t.Errorf("REST %s: %d %s, want 503 %s", path, code, body, reason.AccessLogUnavailable)
		}
	}

	rig.store.set(false, 0)
	if _, err := rig.client.GetEvent(t.Context(), &conneventsv1.GetEventRequest{Id: a.eventID}); err != nil {
		t.Errorf("GetEvent once records can be stored again: %v", err)
	}
}

func assertAccessRefused(t *testing.T, what string, err error) {
	t.Helper()
	if status.Code(err) != codes.Unavailable || api.ReasonOf(err) != reason.AccessLogUnavailable {
		t.Errorf("%s: %v, want UNAVAILABLE %s", what, err, reason.AccessLogUnavailable)
	}
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// errReason is the reason of an error body, or of a stream's error line.
func errReason(body []byte) string {
	var e struct {
		Reason string
		Error  struct{ Reason string }
	}
	_ = json.Unmarshal(body, &e)
	return e.Reason + e.Error.Reason
}
