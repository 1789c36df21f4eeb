package eventsql

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// Row is an event as the SQL backends store it. Optional columns are nil
// pointers (SQL NULL) when the event does not carry the value, so partial
// indexes stay small.
type Row struct {
	Sequence        int64 // set by Batch.Assign
	ID              string
	Source          int32
	SourceEventID   string
	Type            int32
	Stage           int32
	Outcome         int32
	APIMode         int32
	OccurredAt      *int64 // unix nanoseconds
	ReceivedAt      *int64 // unix nanoseconds
	ExternalID      *string
	ExternalState   *string
	OneupUserID     *string
	FHIRPatientRef  *string
	OrgConnectionID *string
	ConnectionID    *string // the journey (ConnectionEvent.connection_id)
	Body            []byte  // proto.Marshal of the event without raw, sequence and connection_id
	Raw             []byte  // the raw vendor payload; nil when empty
}

// Encode returns the row of ev, in the journey connectionID ("" for none),
// and a copy of ev that the backend hands back to the caller once it has set
// the sequence. ev itself is not modified. The connection id is stored in
// its column only, so that it can be set again without rewriting the body.
func Encode(ev *conneventsv1.ConnectionEvent, connectionID string) (Row, *conneventsv1.ConnectionEvent, error) {
	c := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	raw := c.GetRaw()
	c.Raw, c.Sequence, c.ConnectionId = nil, 0, ""
	body, err := proto.Marshal(c)
	if err != nil {
		return Row{}, nil, fmt.Errorf("%w: cannot encode: %v", store.ErrInvalidEvent, err)
	}
	if len(raw) > 0 {
		c.Raw = raw
	} else {
		raw = nil
	}
	c.ConnectionId = connectionID
	return Row{
		ID: c.GetId(), Source: int32(c.GetSource()), SourceEventID: c.GetSourceEventId(),
		Type: int32(c.GetType()), Stage: int32(c.GetStage()), Outcome: int32(c.GetOutcome()),
		APIMode:    int32(c.GetApiMode()),
		OccurredAt: TimestampNanos(c.GetOccurredAt()), ReceivedAt: TimestampNanos(c.GetReceivedAt()),
		ExternalID:      nonEmpty(c.GetPatient().GetExternalId()),
		ExternalState:   nonEmpty(c.GetPatient().GetExternalState()),
		OneupUserID:     nonEmpty(c.GetPatient().GetOneupUserId()),
		FHIRPatientRef:  nonEmpty(c.GetPatient().GetFhirPatientReference()),
		OrgConnectionID: nonEmpty(c.GetConnection().GetOrgConnectionId()),
		ConnectionID:    nonEmpty(connectionID),
		Body:            body, Raw: raw,
	}, c, nil
}

// Decode rebuilds a stored event from its sequence, connection id (nil for
// none), body and raw payload.
func Decode(seq int64, connectionID *string, body, raw []byte) (*conneventsv1.ConnectionEvent, error) {
	ev := &conneventsv1.ConnectionEvent{}
	if err := proto.Unmarshal(body, ev); err != nil {
		return nil, fmt.Errorf("decode event %d: %w", seq, err)
	}
	ev.Sequence = seq
	if connectionID != nil {
		ev.ConnectionId = *connectionID
	}
	if len(raw) > 0 {
		ev.Raw = raw
	}
	return ev, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TimestampNanos returns ts as unix nanoseconds, or nil when ts is nil.
// Times outside the int64 range (before 1678 or after 2262) are clamped to
// it (minNanos, math.MaxInt64), so they still compare correctly with times
// inside it.
func TimestampNanos(ts *timestamppb.Timestamp) *int64 {
	if ts == nil {
		return nil
	}
	n := TimeNanos(ts.AsTime())
	return &n
}

// TimeNanos returns t as unix nanoseconds, clamped like TimestampNanos.
func TimeNanos(t time.Time) int64 {
	return max(store.UnixNanos(t), minNanos)
}

// minNanos is the lowest stored time: StragglerNanos above the lowest
// int64, so that the stragglers' index predicate (StragglerSQL), which
// subtracts that window from a running maximum of stored times on every
// insert, never overflows (PostgreSQL refuses an overflow: a log whose
// first event was dated before 1678 could store nothing).
const minNanos = math.MinInt64 + StragglerNanos
