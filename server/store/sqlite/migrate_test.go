package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/storetest"
)

// TestOccurredMaxBackfill: a database made before migrations 6 and 7 (events
// without occurred_max) gets the running maximum of occurred_at on every
// event, and in log_head, when it is opened; the next append carries it on.
func TestOccurredMaxBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s := openPath(t, path)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	minutes := []int{-1, 5, 3, 9, -1, 2, 12, 11} // -1: no occurred_at
	batch := make([]*conneventsv1.ConnectionEvent, len(minutes))
	for i, m := range minutes {
		batch[i] = storetest.SampleEvent(i)
		batch[i].OccurredAt = nil
		if m >= 0 {
			batch[i].OccurredAt = timestamppb.New(base.Add(time.Duration(m) * time.Minute))
		}
	}
	if _, err := s.Append(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	// Back to version 5's schema, with the data kept.
	for _, q := range []string{
		"DROP INDEX journeys_stage", // migration 8
		"DROP INDEX journeys_api_mode",
		"DROP INDEX journeys_source",
		"DROP INDEX events_occurred_max",
		"DROP INDEX events_late",
		"ALTER TABLE events DROP COLUMN occurred_max",
		"ALTER TABLE log_head DROP COLUMN occurred_max",
		"DELETE FROM schema_migrations WHERE version >= 6",
	} {
		if _, err := s.write.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPath(t, path)
	late := storetest.SampleEvent(len(minutes))
	late.OccurredAt = timestamppb.New(base.Add(time.Minute)) // earlier than the running maximum
	if _, err := s.Append(t.Context(), []*conneventsv1.ConnectionEvent{late}); err != nil {
		t.Fatal(err)
	}
	want := []int{-1, 5, 5, 9, 9, 9, 12, 12, 12}
	rows, err := s.read.QueryContext(t.Context(), "SELECT occurred_max FROM events ORDER BY sequence")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var v *int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		m := -1
		if v != nil {
			m = int(time.Unix(0, *v).Sub(base) / time.Minute)
		}
		got = append(got, m)
	}
	if len(got) != len(want) {
		t.Fatalf("occurred_max in minutes %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("occurred_max in minutes %v, want %v", got, want)
		}
	}
}

// TestEarlierJourneyState: a JSON journey state stored before migration 8
// (by an earlier release: the store is reopened, as after an upgrade)
// reads, and the next event folds into it.
func TestEarlierJourneyState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s := openPath(t, path)
	storetest.RunEarlierJourneyState(t, s, func(t *testing.T, id, state string) store.Store {
		if _, err := s.write.ExecContext(t.Context(), "UPDATE journeys SET state = ? WHERE id = ?", state, id); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return openPath(t, path)
	})
}
