package journey

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/connevents/connevents/server/oneup"
)

func TestStoredStateRoundTrips(t *testing.T) {
	st := Fold(randomJourney(newRand(1)))
	b, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.Journey("cnx_x", t0, DefaultThresholds()), st.Journey("cnx_x", t0, DefaultThresholds()); !proto.Equal(got, want) {
		t.Errorf("round trip:\n got %v\nwant %v", got, want)
	}
	// Events applied after a reload continue the same fold.
	more := up(t, oneup.SubtypeResourceIngestionResult, t0.Add(50), 500, "0")
	back.Apply(more)
	st.Apply(more)
	if got, want := back.Journey("cnx_x", t0, DefaultThresholds()), st.Journey("cnx_x", t0, DefaultThresholds()); !proto.Equal(got, want) {
		t.Errorf("apply after reload differs")
	}
}

func TestUnmarshalRefusesOtherVersionsAndGarbage(t *testing.T) {
	if _, err := Unmarshal([]byte(`{"v":999,"s":{}}`)); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("another fold version: %v, want an error asking for a rebuild", err)
	}
	if _, err := Unmarshal([]byte(`not json`)); err == nil {
		t.Error("garbage was accepted")
	}
}
