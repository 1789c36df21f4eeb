package api

import (
	"context"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Until the store records each event's journey, a filter by connection_id
// is refused instead of silently matching every event.
func TestConnectionFilterIsRefusedNotIgnored(t *testing.T) {
	s := New(Deps{}) // no store: the refusal must come before any read
	f := &conneventsv1.EventFilter{ConnectionId: "cnx_aaaaaaaaaaaaaaaaaaaaaaaaaa"}
	_, err := s.ListEvents(context.Background(), &conneventsv1.ListEventsRequest{Filter: f})
	checkRefusal(t, "ListEvents", err)
	checkRefusal(t, "SubscribeEvents", s.SubscribeEvents(&conneventsv1.SubscribeEventsRequest{Filter: f}, nil))
}

func checkRefusal(t *testing.T, method string, err error) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.Unimplemented {
		t.Fatalf("%s: %v, want UNIMPLEMENTED", method, err)
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == string(reason.ConnectionFilterUnavailable) {
			return
		}
	}
	t.Errorf("%s: no ErrorInfo reason %s in %v", method, string(reason.ConnectionFilterUnavailable), st.Details())
}
