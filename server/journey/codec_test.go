package journey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	journeyv1 "github.com/connevents/connevents/gen/connevents/journey/v1"
	"github.com/connevents/connevents/server/oneup"
)

func TestStoredStateRoundTrips(t *testing.T) {
	for seed := range uint64(20) {
		st := Fold(randomJourney(newRand(seed)))
		b, err := st.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := back.Marshal(); !bytes.Equal(again, b) {
			t.Errorf("seed %d: the state read back stores differently", seed)
		}
		if got, want := back.Journey("cnx_x", t0, DefaultThresholds()), st.Journey("cnx_x", t0, DefaultThresholds()); !proto.Equal(got, want) {
			t.Errorf("seed %d: round trip:\n got %v\nwant %v", seed, got, want)
		}
		// Events applied after a reload continue the same fold.
		more := up(t, oneup.SubtypeResourceIngestionResult, t0.Add(50), 500, "0")
		back.Apply(more)
		st.Apply(more)
		if got, want := back.Journey("cnx_x", t0, DefaultThresholds()), st.Journey("cnx_x", t0, DefaultThresholds()); !proto.Equal(got, want) {
			t.Errorf("seed %d: apply after reload differs", seed)
		}
	}
}

// TestKeysAreInternedAndEarlierPointsRead: each vendor event id is stored
// once however many points name it, and a state written before that (the
// id in each point) reads back as the same state.
func TestKeysAreInternedAndEarlierPointsRead(t *testing.T) {
	for seed := range uint64(20) {
		st := Fold(randomJourney(newRand(seed)))
		m := st.s.stored()
		seen := map[string]bool{}
		for _, k := range m.GetKeys() {
			if seen[k] {
				t.Fatalf("seed %d: key %q stored twice", seed, k)
			}
			seen[k] = true
		}
		// The earlier form: every point carries its key.
		earlier := proto.Clone(m).(*journeyv1.StoredState)
		for _, p := range pointsOf(earlier) {
			if i := p.GetKeyIndex(); i > 0 {
				p.Key, p.KeyIndex = earlier.GetKeys()[i-1], 0
			}
		}
		earlier.Keys = nil
		b, err := proto.Marshal(earlier)
		if err != nil {
			t.Fatal(err)
		}
		readsBackAs(t, b, st, fmt.Sprintf("seed %d: a state with its keys in its points", seed))
	}
}

// readsBackAs checks that stored, a state in an earlier stored form, reads
// back as st.
func readsBackAs(t *testing.T, stored []byte, st State, what string) {
	t.Helper()
	back, err := Unmarshal(stored)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got, _ := back.Marshal()
	want, _ := st.Marshal()
	if !bytes.Equal(got, want) {
		t.Errorf("%s reads back as another state", what)
	}
}

// pointsOf returns every point of m.
func pointsOf(m *journeyv1.StoredState) []*journeyv1.Point {
	ps := []*journeyv1.Point{m.GetFirst(), m.GetLast(), m.GetStepAt(), m.GetProgressAt(), m.GetExportAt(),
		m.GetApiModeAt(), m.GetConsentExpiresAt()}
	for _, t := range m.GetStepTimes() {
		ps = append(ps, t.GetAt())
	}
	for _, l := range m.GetIdentities() {
		ps = append(ps, l.GetAt())
	}
	return slices.DeleteFunc(ps, func(p *journeyv1.Point) bool { return p == nil })
}

// TestUnmarshalReadsEarlierJSON: states stored as JSON by earlier releases
// read back as the same state.
func TestUnmarshalReadsEarlierJSON(t *testing.T) {
	for seed := range uint64(20) {
		st := Fold(randomJourney(newRand(seed)))
		old, err := json.Marshal(jsonStored{V: stateVersion, S: st.s})
		if err != nil {
			t.Fatal(err)
		}
		readsBackAs(t, old, st, fmt.Sprintf("seed %d: the JSON state", seed))
	}
}

func TestUnmarshalRefusesOtherVersionsAndGarbage(t *testing.T) {
	if _, err := Unmarshal([]byte(`{"v":999,"s":{}}`)); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("another fold version: %v, want an error asking for a rebuild", err)
	}
	other, _ := proto.Marshal(&journeyv1.StoredState{Version: 999})
	if _, err := Unmarshal(other); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("another fold version (binary): %v, want an error asking for a rebuild", err)
	}
	for _, garbage := range []string{`not json`, `{"v":`, "\xff\xff"} {
		if _, err := Unmarshal([]byte(garbage)); err == nil {
			t.Errorf("garbage %q was accepted", garbage)
		}
	}
}
