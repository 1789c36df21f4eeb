package journey

import (
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
)

func TestKeyOf(t *testing.T) {
	upEv := func(user, systemID string) *conneventsv1.ConnectionEvent {
		ev, err := oneup.Normalize(oneuptest.AuditEvent(oneuptest.Event{ID: "a", Subtype: oneup.SubtypeSystemSelected,
			Recorded: t0, UserID: user, SystemID: systemID, SystemName: "Humana"}))
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	fa := func(opts ...fasten.SampleOption) *conneventsv1.ConnectionEvent {
		return fastenEvent(t, fasten.TypeConnectionSuccess, t0, 1, opts...)
	}
	tests := []struct {
		name string
		ev   *conneventsv1.ConnectionEvent
		want Key
		ok   bool
	}{
		{"fasten org connection", fa(fasten.WithData("org_connection_id", "oc-1")), Key{conneventsv1.Source_SOURCE_FASTEN, "oc-1"}, true},
		{"fasten without org connection", fa(fasten.WithData("org_connection_id", nil)), Key{}, false},
		{"1up user and system", upEv("118044", "4706"), Key{conneventsv1.Source_SOURCE_ONEUP, "118044\x004706"}, true},
		{"1up user, system unknown", upEv("118044", ""), Key{conneventsv1.Source_SOURCE_ONEUP, "118044\x00"}, true},
		{"1up without user", upEv("", "4706"), Key{}, false},
		{"vendor test event", fastenEvent(t, fasten.TypeWebhookTest, t0, 1, fasten.WithData("org_connection_id", "oc-1")), Key{}, false},
		{"no source", &conneventsv1.ConnectionEvent{Connection: &conneventsv1.Connection{OrgConnectionId: "oc-1"}}, Key{}, false},
	}
	for _, tc := range tests {
		got, ok := KeyOf(tc.ev)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: KeyOf = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNamer(t *testing.T) {
	n := NewNamer(testSecret)
	k := Key{conneventsv1.Source_SOURCE_ONEUP, "118044\x004706"}
	id := n.ID(k)
	if id != NewNamer(testSecret).ID(k) {
		t.Error("two namers with one secret disagree (replicas would name journeys differently)")
	}
	if !ValidID(id) || !strings.HasPrefix(id, IDPrefix) || strings.Contains(id, "118044") || strings.Contains(id, "4706") {
		t.Errorf("id %q: want %s + 26 base32 characters, revealing nothing of the key", id, IDPrefix)
	}
	other := []string{
		n.ID(Key{conneventsv1.Source_SOURCE_ONEUP, "118044\x00"}),
		n.ID(Key{conneventsv1.Source_SOURCE_FASTEN, "118044\x004706"}),
		NewNamer([]byte("another secret of enough length")).ID(k),
	}
	for _, o := range other {
		if o == id {
			t.Errorf("distinct keys or secrets share the id %q", id)
		}
	}
	for _, bad := range []string{"", "cnx_", id + "a", strings.ToUpper(id), "evt_" + id[len(IDPrefix):], id[:len(id)-1] + "1"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
	if got := n.IDOf(fastenEvent(t, fasten.TypeRequestSupport, t0, 1)); got != "" {
		t.Errorf("IDOf a support request = %q, want none", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewNamer accepted a short secret")
		}
	}()
	NewNamer([]byte("short"))
}
