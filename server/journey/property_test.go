package journey

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// stageOfType is the stage model.md gives each unified type.
var stageOfType = map[conneventsv1.EventType]conneventsv1.Stage{
	conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED:               conneventsv1.Stage_STAGE_OTHER,
	conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED:           conneventsv1.Stage_STAGE_DISCOVERY,
	conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED:           conneventsv1.Stage_STAGE_DISCOVERY,
	conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED:          conneventsv1.Stage_STAGE_DISCOVERY,
	conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED:     conneventsv1.Stage_STAGE_AUTHORIZATION,
	conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED:       conneventsv1.Stage_STAGE_AUTHORIZATION,
	conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED:        conneventsv1.Stage_STAGE_AUTHORIZATION,
	conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED:         conneventsv1.Stage_STAGE_AUTHORIZATION,
	conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED:     conneventsv1.Stage_STAGE_TRANSFER,
	conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED: conneventsv1.Stage_STAGE_TRANSFER,
	conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED:         conneventsv1.Stage_STAGE_TRANSFER,
	conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED:   conneventsv1.Stage_STAGE_COMPLETION,
	conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED:      conneventsv1.Stage_STAGE_COMPLETION,
	conneventsv1.EventType_EVENT_TYPE_SUPPORT_REQUESTED:         conneventsv1.Stage_STAGE_OTHER,
}

// randomJourney returns 1 to 40 distinct events of one journey, with times
// drawn from few values (so that ties are common), distinct sequences,
// identifiers drawn from small pools, some exports and some events without
// an occurred time.
func randomJourney(r *rand.Rand) []*conneventsv1.ConnectionEvent {
	src := conneventsv1.Source(1 + r.IntN(2))
	n := 1 + r.IntN(40)
	seqs := r.Perm(200)
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	evs := make([]*conneventsv1.ConnectionEvent, n)
	for i := range evs {
		typ := conneventsv1.EventType(r.IntN(14)) // every type but TEST
		ev := &conneventsv1.ConnectionEvent{
			Id:            fmt.Sprintf("id-%d", i),
			Sequence:      int64(seqs[i] + 1),
			Source:        src,
			SourceEventId: fmt.Sprintf("ev-%d", i),
			Type:          typ,
			Stage:         stageOfType[typ],
			Outcome:       conneventsv1.Outcome(r.IntN(5)),
			ApiMode:       conneventsv1.ApiMode(r.IntN(3)),
			OccurredAt:    timestamppb.New(t0.Add(time.Duration(r.IntN(12)) * time.Hour)),
			ReceivedAt:    timestamppb.New(t0.Add(time.Duration(r.IntN(12)) * time.Hour)),
			Patient:       &conneventsv1.Patient{ExternalId: pick("", "e1", "e2"), OneupUserId: "u1", FhirPatientReference: pick("", "Patient/a", "Patient/b")},
			HealthSystem:  &conneventsv1.HealthSystem{Name: pick("", "Humana", "Aetna"), OneupSystemId: "s1", BrandId: pick("", "b1", "b2")},
			Connection:    &conneventsv1.Connection{OrgConnectionId: "oc1", PlatformType: pick("", "epic", "cerner"), ConnectionStatus: pick("", "authorized", "revoked")},
		}
		if r.IntN(8) == 0 {
			ev.OccurredAt = nil
		}
		if r.IntN(3) == 0 {
			ev.Failure = &conneventsv1.Failure{Reason: conneventsv1.FailureReason(r.IntN(11)), Detail: pick("x", "y")}
		}
		if r.IntN(5) == 0 {
			ev.Connection.ConsentExpiresAt = timestamppb.New(t0.Add(time.Duration(r.IntN(1000)) * time.Hour))
		}
		if typ == conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED && r.IntN(2) == 0 {
			ev.Export = &conneventsv1.Export{
				TotalResources:  int64(r.IntN(100)),
				DownloadLinks:   []*conneventsv1.DownloadLink{{Url: pick("https://a", "https://b"), ExportType: "jsonl"}},
				ResourcesByType: map[string]int64{"Patient": 1, "Observation": int64(r.IntN(50))},
			}
		}
		evs[i] = ev
	}
	return evs
}

// TestFoldIgnoresOrderAndDuplicates is the property the store relies on:
// for random journeys, every permutation of the events with random
// duplicates folds to the same journey, and so does applying each distinct
// event once, in any order, to a state stored and reloaded between events.
// A plain reference (sort, then read the latest step) checks the meaning.
func TestFoldIgnoresOrderAndDuplicates(t *testing.T) {
	r := newRand(20260302)
	th := Thresholds{Discovery: time.Hour, Authorized: 3 * time.Hour, Transfer: 5 * time.Hour}
	iterations := 3000
	if testing.Short() {
		iterations = 300
	}
	for it := range iterations {
		evs := randomJourney(r)
		now := t0.Add(time.Duration(r.IntN(20)) * time.Hour)
		base := Fold(evs)
		want := base.Journey("cnx_p", now, th)
		checkReference(t, it, evs, now, th, want)

		// The same deliveries arriving in another order, some twice (stored
		// again later, with a higher sequence): the store numbers them in
		// their order of arrival.
		perm := make([]*conneventsv1.ConnectionEvent, len(evs))
		for i, j := range r.Perm(len(evs)) {
			perm[i] = proto.Clone(evs[j]).(*conneventsv1.ConnectionEvent)
			perm[i].Sequence = int64(i + 1)
		}
		for range r.IntN(len(evs) + 1) {
			dup := proto.Clone(perm[r.IntN(len(perm))]).(*conneventsv1.ConnectionEvent)
			if r.IntN(2) == 0 {
				dup.Sequence += 1000
			}
			perm = append(perm, dup)
		}
		r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		st := Fold(perm)
		// The same journey, but for the sequence of its latest stored event
		// (a later copy of an event counts as the event: Fold keeps the first).
		wantPerm := proto.Clone(want).(*conneventsv1.ConnectionJourney)
		wantPerm.Sequence = int64(len(evs))
		if got := st.Journey("cnx_p", now, th); !proto.Equal(got, wantPerm) {
			t.Fatalf("iteration %d: a permutation with duplicates folds differently:\n got %v\nwant %v", it, got, wantPerm)
		}

		// Incremental, in another order, through the stored form.
		order := r.Perm(len(evs))
		var inc State
		for _, i := range order {
			inc.Apply(evs[i])
			if r.IntN(3) == 0 {
				b, err := inc.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				if inc, err = Unmarshal(b); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := inc.Journey("cnx_p", now, th); !proto.Equal(got, want) {
			t.Fatalf("iteration %d: incremental fold differs:\n got %v\nwant %v", it, got, want)
		}
	}
}

// checkReference recomputes the headline fields the plain way.
func checkReference(t *testing.T, it int, evs []*conneventsv1.ConnectionEvent, now time.Time, th Thresholds, j *conneventsv1.ConnectionJourney) {
	t.Helper()
	sorted := slices.Clone(evs)
	timeOf := func(ev *conneventsv1.ConnectionEvent) time.Time {
		if ev.GetOccurredAt() != nil {
			return ev.GetOccurredAt().AsTime()
		}
		return ev.GetReceivedAt().AsTime()
	}
	slices.SortFunc(sorted, func(a, b *conneventsv1.ConnectionEvent) int {
		if c := timeOf(a).Compare(timeOf(b)); c != 0 {
			return c
		}
		if c := strings.Compare(a.GetSourceEventId(), b.GetSourceEventId()); c != 0 {
			return c
		}
		return int(a.GetSequence() - b.GetSequence())
	})
	status, step := inProgress, conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED
	var resources, failures int64
	var progressAt time.Time
	var threshold time.Duration
	for _, ev := range sorted {
		bad := ev.GetOutcome() >= conneventsv1.Outcome_OUTCOME_MINOR_FAILURE
		switch ev.GetType() {
		case conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED:
			status, threshold = inProgress, th.Discovery
		case conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED:
			status, threshold = inProgress, th.Authorized
		case conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED:
			status = declined
		case conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED:
			status = revoked
		case conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED:
			status = failed
		case conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED:
			status, threshold = inProgress, th.Transfer
			if bad {
				status = failed
			}
		case conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED:
			status = completed
			if bad {
				status = failed
			}
		case conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED:
			resources++
			progressAt, threshold = timeOf(ev), th.Transfer
			continue
		case conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED:
			failures++
			progressAt, threshold = timeOf(ev), th.Transfer
			continue
		default:
			continue
		}
		step, progressAt = ev.GetType(), timeOf(ev)
	}
	if status == inProgress && !progressAt.IsZero() && !now.Before(progressAt.Add(threshold)) {
		status = stalled
	}
	if j.GetStatus() != status || j.GetCurrentStep() != step || j.GetResourcesIngested() != resources ||
		j.GetResourceRetrievalFailures() != failures || j.GetEventCount() != int64(len(evs)) ||
		!j.GetFirstEventAt().AsTime().Equal(timeOf(sorted[0])) || !j.GetLastEventAt().AsTime().Equal(timeOf(sorted[len(sorted)-1])) {
		t.Fatalf("iteration %d: the fold disagrees with the reference: status %v/%v step %v/%v resources %d/%d failures %d/%d count %d/%d",
			it, j.GetStatus(), status, j.GetCurrentStep(), step, j.GetResourcesIngested(), resources,
			j.GetResourceRetrievalFailures(), failures, j.GetEventCount(), len(evs))
	}
}

// newRand returns a deterministic random source.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 10)) }
