package eventsql

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// Key is the idempotency key of an event.
type Key struct {
	Source        int32
	SourceEventID string
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

// Batch is an Append in progress. A backend builds it before taking its
// write lock, then, inside the lock, looks up Keys, calls Assign with the head
// and the events already stored, writes the rows Assign returns and moves the
// head past them.
type Batch struct {
	rows   []Row
	copies []*conneventsv1.ConnectionEvent // what a new event's result will be
	added  []*conneventsv1.ConnectionEvent // the new events, as stored, after Assign
	first  []int                           // index of the first event with the same key
	out    []store.Appended
}

// NewBatch validates and encodes events; connectionID names the journey of
// each.
func NewBatch(events []*conneventsv1.ConnectionEvent, connectionID func(*conneventsv1.ConnectionEvent) string) (*Batch, error) {
	if err := Validate(events); err != nil {
		return nil, err
	}
	b := &Batch{
		rows:   make([]Row, len(events)),
		copies: make([]*conneventsv1.ConnectionEvent, len(events)),
		first:  make([]int, len(events)),
		out:    make([]store.Appended, len(events)),
	}
	seen := make(map[Key]int, len(events))
	for i, ev := range events {
		k := Key{Source: int32(ev.GetSource()), SourceEventID: ev.GetSourceEventId()}
		j, ok := seen[k]
		if ok {
			b.first[i] = j
			continue
		}
		seen[k], b.first[i] = i, i
		var err error
		if b.rows[i], b.copies[i], err = Encode(ev, connectionID(ev)); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
	}
	return b, nil
}

// Keys returns the distinct keys of the batch.
func (b *Batch) Keys() []Key {
	keys := make([]Key, 0, len(b.rows))
	for i := range b.rows {
		if b.first[i] == i {
			keys = append(keys, Key{Source: b.rows[i].Source, SourceEventID: b.rows[i].SourceEventID})
		}
	}
	return keys
}

// Assign decides each event's fate: a duplicate of a stored event (from
// stored, keyed by Key) or of an earlier event of the batch, or a new event
// with the next sequence above head. It returns the rows to insert, with
// consecutive sequences head+1, head+2, ...
func (b *Batch) Assign(head int64, stored map[Key]*conneventsv1.ConnectionEvent) []*Row {
	var rows []*Row
	for i := range b.rows {
		if j := b.first[i]; j != i {
			b.out[i] = store.Appended{Event: withoutRaw(b.out[j].Event), Duplicate: true}
			continue
		}
		r := &b.rows[i]
		if ev, ok := stored[Key{Source: r.Source, SourceEventID: r.SourceEventID}]; ok {
			b.out[i] = store.Appended{Event: ev, Duplicate: true}
			continue
		}
		r.Sequence = head + int64(len(rows)) + 1
		rows = append(rows, r)
		b.copies[i].Sequence = r.Sequence
		b.out[i] = store.Appended{Event: b.copies[i]}
		b.added = append(b.added, b.copies[i])
	}
	return rows
}

// Added returns the new events in the order of Assign's rows, with their
// sequences: the caller must not modify them (they are the results).
func (b *Batch) Added() []*conneventsv1.ConnectionEvent { return b.added }

// Results returns one Appended per input event, valid after Assign.
func (b *Batch) Results() []store.Appended { return b.out }

func withoutRaw(ev *conneventsv1.ConnectionEvent) *conneventsv1.ConnectionEvent {
	c := proto.Clone(ev).(*conneventsv1.ConnectionEvent)
	c.Raw = nil
	return c
}
