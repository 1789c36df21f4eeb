package storetest

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// baseTime is the received time of the first event of a test; the value has
// a nanosecond part so that precision loss shows.
func baseTime() time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)
}

// newID returns a random UUIDv7, as the service assigns.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(time.Now().UnixMilli()))
	copy(b[:6], ms[2:])
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newSourceEventID returns a random vendor event id.
func newSourceEventID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("evt_%x", b)
}

// minimalEvent returns an event with only what the store requires, plus a
// received time.
func minimalEvent(src conneventsv1.Source, received time.Time) *conneventsv1.ConnectionEvent {
	return &conneventsv1.ConnectionEvent{
		Id:              newID(),
		Source:          src,
		SourceEventId:   newSourceEventID(),
		Stage:           conneventsv1.Stage_STAGE_OTHER,
		SourceEventType: "webhook.test",
		ReceivedAt:      timestamppb.New(received),
	}
}

// fullEvent returns an event with every field set, raw included.
func fullEvent() *conneventsv1.ConnectionEvent {
	t := baseTime()
	return &conneventsv1.ConnectionEvent{
		Id: newID(), Sequence: 987654, Source: conneventsv1.Source_SOURCE_FASTEN,
		SourceEventId: newSourceEventID(), SourceEventType: "patient.ehi_export_success",
		Type:       conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED,
		Stage:      conneventsv1.Stage_STAGE_COMPLETION,
		Outcome:    conneventsv1.Outcome_OUTCOME_SUCCESS,
		ApiMode:    conneventsv1.ApiMode_API_MODE_LIVE,
		OccurredAt: timestamppb.New(t.Add(-time.Hour)),
		ReceivedAt: timestamppb.New(t),
		Patient: &conneventsv1.Patient{
			ExternalId: "ext-1", OneupUserId: "1up-7", FhirPatientReference: "Patient/9",
		},
		Connection:   fullConnection(t),
		HealthSystem: fullHealthSystem(),
		Correlation:  &conneventsv1.Correlation{RequestId: "req-1", TaskId: "task-1"},
		Failure: &conneventsv1.Failure{
			Reason: conneventsv1.FailureReason_FAILURE_REASON_OTHER, Detail: "some detail",
		},
		Export:         fullExport(),
		Search:         &conneventsv1.Search{ResultCount: 3},
		ContactRequest: fullContactRequest(),
		Raw:            []byte("{\"id\":\"raw\",\"bytes\":\"\x00\xff\"}"),
	}
}

func fullConnection(t time.Time) *conneventsv1.Connection {
	return &conneventsv1.Connection{
		OrgConnectionId: "orgconn-1", ConnectionStatus: "authorized", PlatformType: "epic",
		Scope: "patient/*.read", ConsentExpiresAt: timestamppb.New(t.AddDate(1, 0, 0)),
	}
}

func fullHealthSystem() *conneventsv1.HealthSystem {
	return &conneventsv1.HealthSystem{
		EndpointId: "ep-1", PortalId: "portal-1", BrandId: "brand-1", TefcaDirectoryId: "tefca-1",
		OrgId: "org-1", Name: "General Hospital", OneupSystemId: "sys-1",
	}
}

func fullExport() *conneventsv1.Export {
	return &conneventsv1.Export{
		DownloadLinks: []*conneventsv1.DownloadLink{
			{Url: "https://example.test/a", ExportType: "jsonl", ContentType: "application/fhir+ndjson"},
			{Url: "https://example.test/b", ExportType: "jsonl", ContentType: "application/fhir+ndjson"},
		},
		TotalResources:  42,
		ResourcesByType: map[string]int64{"Patient": 1, "Observation": 41},
	}
}

func fullContactRequest() *conneventsv1.ContactRequest {
	return &conneventsv1.ContactRequest{
		Name: "Ada", Email: "ada@example.test", Website: "https://hospital.example.test",
		StreetAddress: "1 Main St", Message: "please help",
	}
}
