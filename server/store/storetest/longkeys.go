package storetest

import (
	"crypto/rand"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// testLongestKeys: an event whose every indexed text (ids, the health
// system's ids and name, the platform type) is store.MaxKeyBytes long is
// stored, with its journey and its funnel row: the limit callers enforce
// before Append is one every backend can index.
func testLongestKeys(t *testing.T, newStore NewStore) {
	s := newStore(t)
	// Random text: PostgreSQL compresses index entries, and a run of one
	// character would fit whatever its length.
	key := func(c string) string {
		var b strings.Builder
		for b.WriteString(c); b.Len() < store.MaxKeyBytes; {
			b.WriteString(rand.Text())
		}
		return b.String()[:store.MaxKeyBytes]
	}
	long := func(ev *conneventsv1.ConnectionEvent, idChar string) *conneventsv1.ConnectionEvent {
		ev.SourceEventId = key(idChar)
		ev.Patient = &conneventsv1.Patient{ExternalId: key("e"), OneupUserId: key("u"),
			FhirPatientReference: key("f"), ExternalState: key("s")}
		ev.Connection.OrgConnectionId, ev.Connection.PlatformType = key("o"), key("p")
		ev.HealthSystem = &conneventsv1.HealthSystem{EndpointId: key("1"), PortalId: key("2"), BrandId: key("3"),
			TefcaDirectoryId: key("4"), OrgId: key("5"), Name: key("n"), OneupSystemId: key("6")}
		return ev
	}
	searched := long(fullEvent(), "a")
	searched.Type = conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED
	completed := long(fullEvent(), "b")
	got := mustAppend(t, s, searched, completed)
	for i, a := range got {
		if a.Duplicate {
			t.Errorf("event %d: Duplicate", i)
		}
	}
	back := mustGet(t, s, completed.GetId(), false)
	if !proto.Equal(back.GetPatient(), completed.GetPatient()) || !proto.Equal(back.GetHealthSystem(), completed.GetHealthSystem()) {
		t.Error("the long identifiers did not round-trip")
	}
}
