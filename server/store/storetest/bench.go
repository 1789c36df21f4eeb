package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// SampleEvent returns the i-th of a family of typical Fasten connection
// events (unique key and id, 1000 patients, ~700-byte raw body), received
// now.
func SampleEvent(i int) *conneventsv1.ConnectionEvent {
	now := time.Now()
	return &conneventsv1.ConnectionEvent{
		Id: fmt.Sprintf("0199d5a4-0000-7000-8000-%012d", i), Source: conneventsv1.Source_SOURCE_FASTEN,
		SourceEventId: fmt.Sprintf("evt_%d", i), SourceEventType: "patient.connection_success",
		Type:       conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED,
		Stage:      conneventsv1.Stage_STAGE_AUTHORIZATION,
		Outcome:    conneventsv1.Outcome_OUTCOME_SUCCESS,
		ApiMode:    conneventsv1.ApiMode_API_MODE_LIVE,
		OccurredAt: timestamppb.New(now), ReceivedAt: timestamppb.New(now),
		Patient: &conneventsv1.Patient{ExternalId: fmt.Sprintf("patient-%d", i%1000)},
		Connection: &conneventsv1.Connection{
			OrgConnectionId: fmt.Sprintf("orgconn-%d", i%5000), ConnectionStatus: "authorized",
			PlatformType: "epic", Scope: "patient/*.read offline_access",
		},
		HealthSystem: &conneventsv1.HealthSystem{EndpointId: "ep-123", PortalId: "portal-9", BrandId: "brand-4"},
		Correlation:  &conneventsv1.Correlation{RequestId: "req-abc"},
		Raw:          []byte(`{"id":"evt","type":"patient.connection_success","data":` + strings.Repeat(`"x",`, 160) + `""}`),
	}
}

// BenchmarkAppend measures Append of batches of 1, 100 and 1000 new events
// (building them is not timed), one durable commit per call.
func BenchmarkAppend(b *testing.B, newStore NewStore) {
	for _, size := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := newStore(b)
			n := 0
			batch := make([]*conneventsv1.ConnectionEvent, size)
			for b.Loop() {
				b.StopTimer()
				for i := range batch {
					batch[i] = SampleEvent(n)
					n++
				}
				b.StartTimer()
				if _, err := s.Append(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkList measures pages of 100 from a log of 20,000 events.
func BenchmarkList(b *testing.B, newStore NewStore) {
	s := newStore(b)
	const total = 20000
	for start := 0; start < total; start += 500 {
		batch := make([]*conneventsv1.ConnectionEvent, 500)
		for i := range batch {
			batch[i] = SampleEvent(start + i)
		}
		if _, err := s.Append(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range listBenchCases(total) {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.List(b.Context(), c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type listBenchCase struct {
	name string
	q    store.Query
}

func listBenchCases(total int64) []listBenchCase {
	return []listBenchCase{
		{"newest100", store.Query{Limit: 100}},
		{"newest100_raw", store.Query{Limit: 100, WithRaw: true}},
		{"replay100", store.Query{Order: store.Ascending, After: total / 2, Limit: 100}},
		{"patient", store.Query{Limit: 100, Filter: &conneventsv1.EventFilter{Patient: "patient-7"}}},
		{"source_and_outcome", store.Query{Limit: 100, Filter: &conneventsv1.EventFilter{
			Sources:  []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN},
			Outcomes: []conneventsv1.Outcome{conneventsv1.Outcome_OUTCOME_SUCCESS},
		}}},
	}
}
