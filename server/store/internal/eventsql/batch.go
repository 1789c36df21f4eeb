package eventsql

import (
	"fmt"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// Key is the idempotency key of an event.
type Key struct {
	Source        int32
	SourceEventID string
}

// KeyOf returns the idempotency key of ev.
func KeyOf(ev *conneventsv1.ConnectionEvent) Key {
	return Key{Source: int32(ev.GetSource()), SourceEventID: ev.GetSourceEventId()}
}

// Validate reports store.ErrInvalidEvent for the first event that lacks a
// field the store needs. The error names the position and the field, never a
// value.
func Validate(events []*conneventsv1.ConnectionEvent) error {
	for i, ev := range events {
		if missing := missingField(ev); missing != "" {
			return fmt.Errorf("%w: event %d has no %s", store.ErrInvalidEvent, i, missing)
		}
	}
	return nil
}

func missingField(ev *conneventsv1.ConnectionEvent) string {
	switch {
	case ev == nil:
		return "value"
	case ev.GetId() == "":
		return "id"
	case ev.GetSource() == conneventsv1.Source_SOURCE_UNSPECIFIED:
		return "source"
	case ev.GetSourceEventId() == "":
		return "source_event_id"
	}
	return ""
}

// FirstOccurrence returns, for each event, the index of the first event of
// the batch with the same key (its own index when it is the first).
func FirstOccurrence(events []*conneventsv1.ConnectionEvent) []int {
	first := make([]int, len(events))
	seen := make(map[Key]int, len(events))
	for i, ev := range events {
		k := KeyOf(ev)
		j, ok := seen[k]
		if !ok {
			seen[k] = i
			j = i
		}
		first[i] = j
	}
	return first
}
