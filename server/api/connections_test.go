package api

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

func checkRefusal(t *testing.T, what string, err error, code codes.Code, r reason.Reason) {
	t.Helper()
	if status.Code(err) != code || ReasonOf(err) != r {
		t.Errorf("%s: %v (reason %q), want %v %s", what, err, ReasonOf(err), code, r)
	}
}

// Bad arguments of the journey RPCs are refused with their reason before
// the store is read (the service below has none).
func TestConnectionArgumentsRefused(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	s := New(Deps{Now: func() time.Time { return now }})
	ctx := context.Background()
	get := func(id string) error {
		_, err := s.GetConnection(ctx, &conneventsv1.GetConnectionRequest{Id: id})
		return err
	}
	list := func(req *conneventsv1.ListConnectionsRequest) error {
		_, err := s.ListConnections(ctx, req)
		return err
	}
	funnel := func(start, end time.Time, g conneventsv1.FunnelGroupBy) error {
		req := &conneventsv1.GetFunnelRequest{GroupBy: g}
		if !start.IsZero() {
			req.StartTime = timestamppb.New(start)
		}
		if !end.IsZero() {
			req.EndTime = timestamppb.New(end)
		}
		_, err := s.GetFunnel(ctx, req)
		return err
	}
	stalled := &conneventsv1.ConnectionFilter{StalledFor: durationpb.New(-time.Minute)}
	other := encodePageToken(journeyListArgs(&conneventsv1.ListConnectionsRequest{OrderBy: "last_event_at asc"}),
		journeyPosition(store.JourneyKey{LastEventAt: now, ID: "cnx_aaaaaaaaaaaaaaaaaaaaaaaaaa"}))
	badID := encodePageToken(journeyListArgs(&conneventsv1.ListConnectionsRequest{}), journeyPosition(store.JourneyKey{LastEventAt: now, ID: "x"}))
	month := 30 * 24 * time.Hour
	tests := []struct {
		name   string
		err    error
		reason reason.Reason
	}{
		{"get without id", get(""), reason.IDRequired},
		{"get event id", get("01a20124-74c7-7557-bd6a-b492fc424a0e"), reason.ConnectionIDInvalid},
		{"get short id", get("cnx_abc"), reason.ConnectionIDInvalid},
		{"get id outside base32", get("cnx_AAAAAAAAAAAAAAAAAAAAAAAAAA"), reason.ConnectionIDInvalid},
		{"negative page size", list(&conneventsv1.ListConnectionsRequest{PageSize: -1}), reason.PageSizeNegative},
		{"order by sequence", list(&conneventsv1.ListConnectionsRequest{OrderBy: "sequence desc"}), reason.OrderByInvalid},
		{"garbage token", list(&conneventsv1.ListConnectionsRequest{PageToken: "zzz"}), reason.PageTokenInvalid},
		{"token of other arguments", list(&conneventsv1.ListConnectionsRequest{PageToken: other}), reason.PageTokenInvalid},
		{"token without a journey id", list(&conneventsv1.ListConnectionsRequest{PageToken: badID}), reason.PageTokenInvalid},
		{"negative stalled_for", list(&conneventsv1.ListConnectionsRequest{Filter: stalled}), reason.FilterInvalid},
		{"subscribe negative stalled_for", s.SubscribeConnections(&conneventsv1.SubscribeConnectionsRequest{Filter: stalled}, nil), reason.FilterInvalid},
		{"funnel without start", funnel(time.Time{}, time.Time{}, 0), reason.WindowInvalid},
		{"funnel starting now", funnel(now, time.Time{}, 0), reason.WindowInvalid},
		{"funnel ending before start", funnel(now.Add(-month), now.Add(-2*month), 0), reason.WindowInvalid},
		{"funnel over a year", funnel(now.Add(-400*24*time.Hour), time.Time{}, 0), reason.WindowInvalid},
	}
	for _, tt := range tests {
		checkRefusal(t, tt.name, tt.err, codes.InvalidArgument, tt.reason)
	}
}

// A page token carries the journey's place in list order exactly.
func TestJourneyPageTokenRoundTrip(t *testing.T) {
	req := &conneventsv1.ListConnectionsRequest{Filter: &conneventsv1.ConnectionFilter{Patient: "p"}, PageSize: 3}
	want := store.JourneyKey{LastEventAt: time.Date(2026, 5, 1, 2, 3, 4, 5, time.UTC), ID: "cnx_abcdefghijklmnopqrstuvwxyz"}
	s := New(Deps{})
	req.PageToken = encodePageToken(journeyListArgs(req), journeyPosition(want))
	q, err := s.journeyQuery(req)
	if err != nil {
		t.Fatal(err)
	}
	if q.After == nil || !q.After.LastEventAt.Equal(want.LastEventAt) || q.After.ID != want.ID || q.Limit != 3 || q.Order != store.Descending {
		t.Fatalf("query %+v, after %+v; want after %+v, limit 3, descending", q, q.After, want)
	}
	// The page size is not part of the arguments a token is bound to.
	req.PageSize = 10
	if _, err := s.journeyQuery(req); err != nil {
		t.Fatalf("another page size: %v", err)
	}
}
