package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// benchEvent is a typical Fasten connection event with a ~700-byte raw body.
func benchEvent(i int) *conneventsv1.ConnectionEvent {
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

func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := openTemp(b)
			n := 0
			for b.Loop() {
				batch := make([]*conneventsv1.ConnectionEvent, size)
				for i := range batch {
					batch[i] = benchEvent(n)
					n++
				}
				if _, err := s.Append(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func BenchmarkList(b *testing.B) {
	s := openTemp(b)
	const total = 20000
	for start := 0; start < total; start += 500 {
		batch := make([]*conneventsv1.ConnectionEvent, 500)
		for i := range batch {
			batch[i] = benchEvent(start + i)
		}
		if _, err := s.Append(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	cases := []struct {
		name string
		q    store.Query
	}{
		{"newest100", store.Query{Limit: 100}},
		{"newest100_raw", store.Query{Limit: 100, WithRaw: true}},
		{"replay100", store.Query{Order: store.Ascending, After: total / 2, Limit: 100}},
		{"patient", store.Query{Limit: 100, Filter: &conneventsv1.EventFilter{Patient: "patient-7"}}},
		{"source_and_outcome", store.Query{Limit: 100, Filter: &conneventsv1.EventFilter{
			Sources:  []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN},
			Outcomes: []conneventsv1.Outcome{conneventsv1.Outcome_OUTCOME_SUCCESS},
		}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.List(b.Context(), c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
