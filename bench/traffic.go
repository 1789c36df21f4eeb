package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// traffic makes events that look like a month of real traffic for the
// read stores: many patients (a few busy, most seen a handful of times),
// their connections, the common event types often and the failures rarely,
// 3 % sandbox (test mode) events, occurred_at spread over 30 days in
// roughly the order they arrive. Never EVENT_TYPE_TEST, so that a filter on
// it matches nothing.
type traffic struct {
	rng       *rand.Rand
	templates map[conneventsv1.Source][]*conneventsv1.ConnectionEvent
	patients  int
	start     time.Time // occurred_at of the first event
	span      time.Duration
	total     int // events the store will hold: occurred_at spreads over them
	made      int
}

// Days is how long the read stores' traffic spans.
const trafficDays = 30

// kind is one weighted event type with the stage and outcome it has.
type kind struct {
	weight  int // per 10,000 events
	source  conneventsv1.Source
	typ     conneventsv1.EventType
	stage   conneventsv1.Stage
	outcome conneventsv1.Outcome
}

var (
	fastenSrc = conneventsv1.Source_SOURCE_FASTEN
	oneupSrc  = conneventsv1.Source_SOURCE_ONEUP
)

// kinds is the traffic's mix: ingestion and discovery dominate, failures
// are rare (a connection failing 0.4 %, a resource retrieval 0.3 %, an
// export 0.2 %).
var kinds = []kind{
	{2600, oneupSrc, conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED, conneventsv1.Stage_STAGE_TRANSFER, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{1500, oneupSrc, conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, conneventsv1.Stage_STAGE_DISCOVERY, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{1000, oneupSrc, conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, conneventsv1.Stage_STAGE_DISCOVERY, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{900, oneupSrc, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, conneventsv1.Stage_STAGE_AUTHORIZATION, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{1200, fastenSrc, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, conneventsv1.Stage_STAGE_AUTHORIZATION, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{1100, fastenSrc, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, conneventsv1.Stage_STAGE_TRANSFER, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{1000, fastenSrc, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, conneventsv1.Stage_STAGE_COMPLETION, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{300, oneupSrc, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, conneventsv1.Stage_STAGE_COMPLETION, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{150, fastenSrc, conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED, conneventsv1.Stage_STAGE_AUTHORIZATION, conneventsv1.Outcome_OUTCOME_SUCCESS},
	{100, fastenSrc, conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, conneventsv1.Stage_STAGE_AUTHORIZATION, conneventsv1.Outcome_OUTCOME_MINOR_FAILURE},
	{40, fastenSrc, conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, conneventsv1.Stage_STAGE_AUTHORIZATION, conneventsv1.Outcome_OUTCOME_SERIOUS_FAILURE},
	{30, oneupSrc, conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED, conneventsv1.Stage_STAGE_TRANSFER, conneventsv1.Outcome_OUTCOME_MINOR_FAILURE},
	{20, fastenSrc, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, conneventsv1.Stage_STAGE_TRANSFER, conneventsv1.Outcome_OUTCOME_MAJOR_FAILURE},
	{60, fastenSrc, conneventsv1.EventType_EVENT_TYPE_SUPPORT_REQUESTED, conneventsv1.Stage_STAGE_OTHER, conneventsv1.Outcome_OUTCOME_SUCCESS},
}

// newTraffic prepares total events' worth of traffic ending now; the
// patient pool grows with the store (one patient per 50 events).
func newTraffic(total int, seed uint64) (*traffic, error) {
	samples, err := normalizedEvents(64)
	if err != nil {
		return nil, err
	}
	t := &traffic{rng: rand.New(rand.NewPCG(seed, 1)), templates: map[conneventsv1.Source][]*conneventsv1.ConnectionEvent{},
		patients: trafficPatients(total), span: trafficDays * 24 * time.Hour, total: max(1, total)}
	t.start = time.Now().Add(-t.span)
	for _, ev := range samples {
		ev.Raw = nil // the raw payloads are all alike; kept small like the sample's
		t.templates[ev.GetSource()] = append(t.templates[ev.GetSource()], ev)
	}
	for _, src := range []conneventsv1.Source{fastenSrc, oneupSrc} {
		if len(t.templates[src]) == 0 {
			return nil, fmt.Errorf("bench: no %s sample to build traffic from", src)
		}
	}
	return t, nil
}

// trafficPatients is how many patients a store of total events has: one
// per 50 events.
func trafficPatients(total int) int { return max(100, total/50) }

// patient returns the index of a patient: skewed, so some patients have
// many events and most a few.
func (t *traffic) patient() int {
	u := t.rng.Float64()
	return int(u * u * float64(t.patients))
}

// next returns the next event of the month.
func (t *traffic) next() *conneventsv1.ConnectionEvent {
	k := t.kind()
	tmpls := t.templates[k.source]
	ev := proto.Clone(tmpls[t.rng.IntN(len(tmpls))]).(*conneventsv1.ConnectionEvent)
	p := t.patient()
	ev.Id, ev.SourceEventId = uuid.Must(uuid.NewV7()).String(), uuid.NewString()
	ev.Type, ev.Stage, ev.Outcome = k.typ, k.stage, k.outcome
	ev.ApiMode = conneventsv1.ApiMode_API_MODE_LIVE
	if t.rng.IntN(100) < 3 {
		ev.ApiMode = conneventsv1.ApiMode_API_MODE_TEST
	}
	// occurred_at follows arrival order, give or take a few minutes.
	at := t.start.Add(time.Duration(float64(t.span) * float64(t.made) / float64(t.total)))
	at = at.Add(-time.Duration(t.rng.Int64N(int64(5 * time.Minute))))
	ev.OccurredAt, ev.ReceivedAt = timestamppb.New(at), timestamppb.Now()
	ev.Patient = &conneventsv1.Patient{}
	if k.source == fastenSrc {
		ev.Patient.ExternalId = patientKey("ext", p)
		ev.Connection = &conneventsv1.Connection{OrgConnectionId: orgConnection(p)}
	} else {
		ev.Patient.OneupUserId = patientKey("user", p)
		ev.Patient.FhirPatientReference = "Patient/" + patientKey("fhir", p)
		ev.Connection = nil
	}
	t.made++
	return ev
}

func (t *traffic) kind() kind {
	n := t.rng.IntN(totalWeight)
	for _, k := range kinds {
		if n < k.weight {
			return k
		}
		n -= k.weight
	}
	return kinds[0]
}

var totalWeight = func() int {
	n := 0
	for _, k := range kinds {
		n += k.weight
	}
	return n
}()

// patientKey is patient i's id of one kind; fasten's external ids and
// 1upHealth's user ids are different patients' keys on purpose (each
// vendor has its own users).
func patientKey(prefix string, i int) string { return fmt.Sprintf("bench-%s-%07d", prefix, i) }

// orgConnection is patient i's Fasten org connection.
func orgConnection(i int) string { return fmt.Sprintf("bench-orgconn-%07d", i) }

// batch returns the next n events.
func (t *traffic) batch(n int) []*conneventsv1.ConnectionEvent {
	out := make([]*conneventsv1.ConnectionEvent, n)
	for i := range out {
		out[i] = t.next()
	}
	return out
}
