package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/storetest"
)

// Text no store can hold (a NUL character: PostgreSQL refuses it in text
// columns) and ids that decoding made ambiguous (U+FFFD, what invalid UTF-8
// becomes) are refused before the store, with a reason that names the
// field and never the value.
func TestUnstorableText(t *testing.T) {
	tests := []struct {
		name  string
		set   func(*conneventsv1.ConnectionEvent)
		want  reason.Reason
		field string
	}{
		{"NUL in source_event_id", func(e *conneventsv1.ConnectionEvent) { e.SourceEventId = "a\x00b" }, reason.TextNotStorable, "source_event_id"},
		{"NUL in external_id", func(e *conneventsv1.ConnectionEvent) {
			e.Patient = &conneventsv1.Patient{ExternalId: "p\x00"}
		}, reason.TextNotStorable, "patient.external_id"},
		{"NUL in org_connection_id", func(e *conneventsv1.ConnectionEvent) {
			e.Connection = &conneventsv1.Connection{OrgConnectionId: "\x00"}
		}, reason.TextNotStorable, "connection.org_connection_id"},
		{"NUL in the 1upHealth user", func(e *conneventsv1.ConnectionEvent) {
			e.Patient = &conneventsv1.Patient{OneupUserId: "u\x00"}
		}, reason.TextNotStorable, "patient.oneup_user_id"},
		{"NUL in a patient reference", func(e *conneventsv1.ConnectionEvent) {
			e.Patient = &conneventsv1.Patient{FhirPatientReference: "Patient/\x00"}
		}, reason.TextNotStorable, "patient.fhir_patient_reference"},
		{"NUL in a message", func(e *conneventsv1.ConnectionEvent) {
			e.Failure = &conneventsv1.Failure{Detail: "x\x00y"}
		}, reason.TextNotStorable, "failure.detail"},
		{"NUL in a map key", func(e *conneventsv1.ConnectionEvent) {
			e.Export = &conneventsv1.Export{ResourcesByType: map[string]int64{"Obs\x00": 1}}
		}, reason.TextNotStorable, "export.resources_by_type"},
		{"replacement character in the custodian's id", func(e *conneventsv1.ConnectionEvent) {
			e.HealthSystem = &conneventsv1.HealthSystem{OneupSystemId: "sys-\uFFFD"}
		}, reason.IDNotUTF8, "health_system.oneup_system_id"},
		{"an indexed id too long", func(e *conneventsv1.ConnectionEvent) {
			e.Patient = &conneventsv1.Patient{ExternalId: strings.Repeat("p", store.MaxKeyBytes+1)}
		}, reason.TextNotStorable, "patient.external_id"},
		{"an indexed name too long", func(e *conneventsv1.ConnectionEvent) {
			e.HealthSystem = &conneventsv1.HealthSystem{Name: strings.Repeat("h", store.MaxKeyBytes+1)}
		}, reason.TextNotStorable, "health_system.name"},
		{"source_event_id too long", func(e *conneventsv1.ConnectionEvent) { e.SourceEventId = strings.Repeat("i", 10000) }, reason.TextNotStorable, "source_event_id"},
		{"invalid UTF-8 in a list element", func(e *conneventsv1.ConnectionEvent) {
			e.Export = &conneventsv1.Export{DownloadLinks: []*conneventsv1.DownloadLink{{Url: "https://x/ok"}, {Url: "https://x/\xfe"}}}
		}, reason.TextNotStorable, "export.download_links.url"},
		{"invalid UTF-8 in a message", func(e *conneventsv1.ConnectionEvent) { e.SourceEventType = "\xff" }, reason.TextNotStorable, "source_event_type"},
		{"replacement character in source_event_id", func(e *conneventsv1.ConnectionEvent) { e.SourceEventId = "COLLIDE-\uFFFD" }, reason.IDNotUTF8, "source_event_id"},
		{"replacement character in external_id", func(e *conneventsv1.ConnectionEvent) {
			e.Patient = &conneventsv1.Patient{ExternalId: "p\uFFFD"}
		}, reason.IDNotUTF8, "patient.external_id"},
	}
	in := New(newStore(t))
	defer in.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ev("id-" + strings.ReplaceAll(tt.name, " ", "-"))
			tt.set(e)
			_, err := in.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{e})
			var r *reason.Error
			if !errors.As(err, &r) || r.Reason != tt.want {
				t.Fatalf("Ingest = %v, want %s", err, tt.want)
			}
			if !strings.Contains(r.Message, tt.field) || strings.ContainsAny(r.Message, "\x00\uFFFD") {
				t.Errorf("message %q should name %s and hold no value", r.Message, tt.field)
			}
		})
	}
	// A replacement character outside an id is what a lenient decoder
	// makes of a vendor's text: kept.
	ok := ev("ok")
	ok.SourceEventType = "caf\uFFFD"
	if _, err := in.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{ok}); err != nil {
		t.Fatalf("a replacement character in a type: %v", err)
	}
	// Long text the store does not index is kept, and so is an indexed
	// id of exactly store.MaxKeyBytes.
	long := ev("long")
	long.Failure = &conneventsv1.Failure{Detail: strings.Repeat("d", 100_000)}
	long.Patient = &conneventsv1.Patient{ExternalId: strings.Repeat("p", store.MaxKeyBytes)}
	if _, err := in.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{long}); err != nil {
		t.Fatalf("long unindexed text: %v", err)
	}
}

// poisonedStore answers any Append whose batch holds an event with the
// marked source_event_id with poison's error (or panic), as a store does on
// a value it cannot hold (or one that triggers a bug).
type poisonedStore struct {
	store.Store
	mark   string
	poison func() error
}

func (s poisonedStore) Append(ctx context.Context, evs []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	for _, e := range evs {
		if e.GetSourceEventId() == s.mark {
			return nil, s.poison()
		}
	}
	return s.Store.Append(ctx, evs)
}

// Whatever the store error, a request whose events cannot be stored fails
// alone: the others sharing its transaction are committed.
func TestStoreErrorFailsOnlyItsRequest(t *testing.T) {
	in := New(poisonedStore{Store: newStore(t), mark: "poison",
		poison: func() error { return errors.New("ERROR: invalid byte sequence (SQLSTATE 22021)") }})
	defer in.Close()
	good := &request{events: []*conneventsv1.ConnectionEvent{ev("good-1"), ev("good-2")}, reply: make(chan reply, 1)}
	bad := &request{events: []*conneventsv1.ConnectionEvent{ev("fine"), ev("poison")}, reply: make(chan reply, 1)}
	other := &request{events: []*conneventsv1.ConnectionEvent{ev("good-3")}, reply: make(chan reply, 1)}
	if err := in.stamp(append(append(append([]*conneventsv1.ConnectionEvent{}, good.events...), bad.events...), other.events...)); err != nil {
		t.Fatal(err)
	}
	in.commit([]*request{good, bad, other})
	for _, r := range []*request{good, other} {
		if got := <-r.reply; got.err != nil || len(got.appended) != len(r.events) || got.appended[0].Duplicate {
			t.Fatalf("a good request: %+v", got)
		}
	}
	if got := <-bad.reply; got.err == nil {
		t.Fatal("the poisoned request succeeded")
	}
}

// BenchmarkStorable: the text rule on a typical event, which every
// ingested event passes through on its caller's goroutine.
func BenchmarkStorable(b *testing.B) {
	e := storetest.SampleEvent(1)
	b.ReportAllocs()
	for b.Loop() {
		if err := Storable(e); err != nil {
			b.Fatal(err)
		}
	}
}

// A store that panics on one request's events fails that request with
// INTERNAL, commits the others of its batch, and keeps committing: the
// service does not stop, and its health does not say the disk is failing.
func TestStorePanicFailsOnlyItsRequest(t *testing.T) {
	in := New(poisonedStore{Store: newStore(t), mark: "poison", poison: func() error { panic("a bug") }})
	defer in.Close()
	good := &request{events: []*conneventsv1.ConnectionEvent{ev("good-1")}, reply: make(chan reply, 1)}
	bad := &request{events: []*conneventsv1.ConnectionEvent{ev("poison")}, reply: make(chan reply, 1)}
	if err := in.stamp(append(append([]*conneventsv1.ConnectionEvent{}, good.events...), bad.events...)); err != nil {
		t.Fatal(err)
	}
	in.commit([]*request{good, bad})
	if got := <-good.reply; got.err != nil || len(got.appended) != 1 {
		t.Fatalf("the good request: %+v", got)
	}
	var r *reason.Error
	if got := <-bad.reply; !errors.As(got.err, &r) || r.Reason != reason.Internal {
		t.Fatalf("the poisoned request: %v, want reason INTERNAL", got.err)
	}
	if in.writesFailing.Load() {
		t.Error("a panic marked writes as failing")
	}
	if _, err := in.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{ev("after")}); err != nil {
		t.Fatalf("an ingest after the panic: %v", err)
	}
}
