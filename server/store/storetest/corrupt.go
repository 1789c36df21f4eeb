package storetest

import (
	"testing"
	"time"

	"github.com/connevents/connevents/server/store"
)

// Exec runs a statement directly on a backend's database, bypassing the
// store, for RunCorruption.
type Exec func(t *testing.T, sql string)

// RunCorruption checks that RebuildJourneys repairs journeys the store did
// not write: a damaged row, a lost one, a stray one, and events stored
// before journeys existed (no connection id, no funnel row). exec runs SQL
// on the database under s.
func RunCorruption(t *testing.T, s store.Store, exec Exec) {
	t.Helper()
	g := newJourneyGen(30, baseTime())
	appendInBatches(t, s, g.rng, g.events(200, 15))
	want := allJourneys(t, s)
	wantFunnel, err := s.Funnel(t.Context(), store.FunnelQuery{Start: baseTime(), End: baseTime().Add(5000 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	victim, lost := want[0].GetId(), want[1].GetId()
	exec(t, "UPDATE journeys SET status = 3, stage = 1, completed_at = NULL WHERE id = '"+victim+"'")
	exec(t, "DELETE FROM journeys WHERE id = '"+lost+"'")
	exec(t, "INSERT INTO journeys SELECT 'cnx_stray', fold_version, state, source, status, stage, api_mode, "+
		"first_event_at, last_event_at, stall_at, sequence, update_time, hs_group, hs_name, platform_type, searched_at, "+
		"selected_at, requested_at, authorized_at, declined_at, connection_failed_at, transfer_started_at, completed_at, "+
		"transfer_failed_at, revoked_at, terms FROM journeys WHERE id = '"+victim+"'")
	// As if the first 50 events predated journeys.
	exec(t, "UPDATE events SET connection_id = NULL, external_state = NULL WHERE sequence <= 50")
	exec(t, "DELETE FROM funnel_discovery WHERE sequence <= 50")
	exec(t, "INSERT INTO meta (key, value) VALUES ('connection_ids', 'pending')")
	n, err := s.RebuildJourneys(t.Context(), 4)
	if err != nil {
		t.Fatalf("RebuildJourneys: %v", err)
	}
	if n != 3 {
		t.Errorf("RebuildJourneys changed %d journeys, want 3 (damaged, lost, stray)", n)
	}
	got := allJourneys(t, s)
	if len(got) != len(want) {
		t.Fatalf("%d journeys after rebuild, want %d", len(got), len(want))
	}
	for i := range got {
		if a, b := comparable(got[i], true), comparable(want[i], true); !protoEqual(a, b) {
			t.Errorf("journey %s after rebuild\n got %v\nwant %v", got[i].GetId(), a, b)
		}
	}
	assertJourneysMatchLog(t, "after rebuild", s, time.Now())
	gotFunnel, err := s.Funnel(t.Context(), store.FunnelQuery{Start: baseTime(), End: baseTime().Add(5000 * time.Hour)})
	if err != nil || len(gotFunnel) != 1 || !protoEqual(gotFunnel[0], wantFunnel[0]) {
		t.Errorf("funnel after rebuild %v, %v; want %v", gotFunnel, err, wantFunnel)
	}
	if n, err := s.RebuildJourneys(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("second RebuildJourneys = %d, %v; want 0", n, err)
	}
}
