package eventsql

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

func TestEncodeDecode(t *testing.T) {
	ev := &conneventsv1.ConnectionEvent{
		Id: "id-1", Sequence: 99, Source: conneventsv1.Source_SOURCE_ONEUP, SourceEventId: "ae-1",
		OccurredAt: timestamppb.New(time.Unix(10, 5)),
		Patient:    &conneventsv1.Patient{OneupUserId: "u1"},
		Raw:        []byte("raw"),
	}
	row, c, err := Encode(ev, "cnx_1")
	if err != nil {
		t.Fatal(err)
	}
	if ev.GetSequence() != 99 || string(ev.GetRaw()) != "raw" {
		t.Error("Encode changed its input")
	}
	if c.GetConnectionId() != "cnx_1" || *row.ConnectionID != "cnx_1" {
		t.Errorf("connection id: copy %q, row %v", c.GetConnectionId(), row.ConnectionID)
	}
	if c.Sequence, c.ConnectionId = 99, ""; !proto.Equal(c, ev) {
		t.Error("Encode's copy differs from the input beyond the sequence")
	}
	if row.ExternalID != nil || row.OneupUserID == nil || *row.OneupUserID != "u1" || row.ReceivedAt != nil {
		t.Errorf("optional columns wrong: %+v", row)
	}
	if *row.OccurredAt != 10_000_000_005 || string(row.Raw) != "raw" {
		t.Errorf("occurred_at %d, raw %q", *row.OccurredAt, row.Raw)
	}
	got, err := Decode(7, row.ConnectionID, row.Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	want.Sequence, want.Raw, want.ConnectionId = 7, nil, "cnx_1"
	if !proto.Equal(got, want) {
		t.Errorf("Decode = %v, want %v", got, want)
	}
}

func TestTimeNanosClamps(t *testing.T) {
	cases := []struct {
		at   time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(-1, 999_999_999), -1},
		{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		// Low times stop StragglerNanos above the lowest int64, so that the
		// stragglers' predicate (a running maximum minus the window) holds.
		{time.Time{}, math.MinInt64 + StragglerNanos},
		{time.Unix(0, math.MinInt64+1), math.MinInt64 + StragglerNanos},
		{time.Unix(0, math.MinInt64+StragglerNanos+1), math.MinInt64 + StragglerNanos + 1},
	}
	for _, c := range cases {
		if got := TimeNanos(c.at); got != c.want {
			t.Errorf("TimeNanos(%v) = %d, want %d", c.at, got, c.want)
		}
		if got := *TimestampNanos(timestamppb.New(c.at)); got != c.want {
			t.Errorf("TimestampNanos(%v) = %d, want %d", c.at, got, c.want)
		}
	}
	if TimestampNanos(nil) != nil {
		t.Error("TimestampNanos(nil) != nil")
	}
}

func TestSelect(t *testing.T) {
	cases := []struct {
		name     string
		q        store.Query
		want     string
		wantArgs []any
	}{
		{"all", store.Query{Limit: 5}, " ORDER BY e.sequence DESC LIMIT ?", []any{int64(5)}},
		{"bounds", store.Query{After: 1, Before: 9, Order: store.Ascending, Limit: 2},
			" WHERE e.sequence > ? AND e.sequence < ? ORDER BY e.sequence ASC LIMIT ?", []any{int64(1), int64(9), int64(2)}},
		{"patient", store.Query{Filter: &conneventsv1.EventFilter{Patient: "p", Sources: []conneventsv1.Source{2}}, Before: 9, Limit: 1},
			" WHERE e.sequence IN (" +
				"SELECT b.sequence FROM (SELECT e.sequence FROM events e WHERE e.external_id = ? AND e.sequence < ? AND +e.source IN (?) ORDER BY e.sequence DESC LIMIT ?) b UNION " +
				"SELECT b.sequence FROM (SELECT e.sequence FROM events e WHERE e.oneup_user_id = ? AND e.sequence < ? AND +e.source IN (?) ORDER BY e.sequence DESC LIMIT ?) b UNION " +
				"SELECT b.sequence FROM (SELECT e.sequence FROM events e WHERE e.fhir_patient_reference = ? AND e.sequence < ? AND +e.source IN (?) ORDER BY e.sequence DESC LIMIT ?) b UNION " +
				"SELECT b.sequence FROM (SELECT e.sequence FROM events e WHERE e.external_state = ? AND e.sequence < ? AND +e.source IN (?) ORDER BY e.sequence DESC LIMIT ?) b" +
				") ORDER BY e.sequence DESC LIMIT ?",
			[]any{"p", int64(9), int32(2), int64(1), "p", int64(9), int32(2), int64(1), "p", int64(9), int32(2), int64(1),
				"p", int64(9), int32(2), int64(1), int64(1)}},
	}
	for _, c := range cases {
		got, args, err := Select(c.q)
		if err != nil || got != c.want || !slices.Equal(args, c.wantArgs) {
			t.Errorf("%s: Select = %q %v %v\nwant %q %v", c.name, got, args, err, c.want, c.wantArgs)
		}
	}
	if _, _, err := Select(store.Query{}); err == nil {
		t.Error("Select with limit 0 succeeded")
	}
}

func TestNewBatchInvalid(t *testing.T) {
	_, err := NewBatch([]*conneventsv1.ConnectionEvent{{Id: "x", Source: 1, SourceEventId: "secret-vendor-id"}, {Id: "y", Source: 1}},
		func(*conneventsv1.ConnectionEvent) string { return "" })
	if !errors.Is(err, store.ErrInvalidEvent) {
		t.Fatalf("NewBatch error = %v, want ErrInvalidEvent", err)
	}
	if got := err.Error(); got != "store: invalid event: event 1 has no source_event_id" {
		t.Errorf("error text %q", got)
	}
}
