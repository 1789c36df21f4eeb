package fasten

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestSampleEveryVariant: every sample normalizes to its expected type and
// verifies once signed.
func TestSampleEveryVariant(t *testing.T) {
	want := map[string]conneventsv1.EventType{
		TypeConnectionSuccess + "/rejected": conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED,
		TypeConnectionSuccess + "/revoked":  conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED,
	}
	for _, eventType := range EventTypes() {
		for _, variant := range append([]string{""}, Variants(eventType)...) {
			t.Run(eventType+"/"+variant, func(t *testing.T) {
				ev := sampleRoundTrip(t, eventType, variant)
				if w, ok := want[eventType+"/"+variant]; ok && ev.Type != w {
					t.Errorf("type %v, want %v", ev.Type, w)
				}
				if ev.Type == conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED {
					t.Errorf("sample of %s is not mapped", eventType)
				}
			})
		}
	}
}

func sampleRoundTrip(t *testing.T, eventType, variant string) *conneventsv1.ConnectionEvent {
	t.Helper()
	now := time.Now()
	body, err := Sample(eventType, WithVariant(variant), WithDate(now))
	if err != nil {
		t.Fatal(err)
	}
	h, err := SignedHeaders(testSecretA, body, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := mustVerifier(t, testSecretA).Verify(h, body, now); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	ev, err := Normalize(body)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if !uuidPattern.MatchString(ev.SourceEventId) || h.ID != ev.SourceEventId {
		t.Errorf("id %q, webhook-id %q", ev.SourceEventId, h.ID)
	}
	if ev.ApiMode != conneventsv1.ApiMode_API_MODE_TEST || ev.OccurredAt.AsTime().Unix() != now.Unix() {
		t.Errorf("api_mode %v, occurred_at %v", ev.ApiMode, ev.OccurredAt.AsTime())
	}
	return ev
}

func TestSampleOptions(t *testing.T) {
	date := time.Date(2024, 6, 13, 0, 8, 31, 0, time.UTC)
	body, err := Sample(TypeEHIExportFailed, WithID("evt-1"), WithAPIMode("live"), WithDate(date),
		WithVariant("brand_new_reason"), WithData("org_connection_id", nil), WithData("extra", 1))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ID, Type, APIMode, Date string
		Data                    map[string]any
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	_, hasOrgConn := got.Data["org_connection_id"]
	if got.ID != "evt-1" || got.Date != "2024-06-13T00:08:31Z" || got.Data["failure_reason"] != "brand_new_reason" ||
		hasOrgConn || got.Data["extra"] != 1.0 {
		t.Fatalf("sample %s", body)
	}
	ev, err := Normalize(body)
	if err != nil || ev.ApiMode != conneventsv1.ApiMode_API_MODE_LIVE ||
		ev.Failure.Reason != conneventsv1.FailureReason_FAILURE_REASON_OTHER {
		t.Fatalf("Normalize = %v, %v", ev, err)
	}
}

func TestSampleRejectsUnknown(t *testing.T) {
	if _, err := Sample("patient.nope"); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := Sample(TypeConnectionSuccess, WithVariant("maybe")); err == nil {
		t.Error("unknown variant accepted")
	}
	if _, err := Sample(TypeWebhookTest, WithVariant("x")); err == nil {
		t.Error("variant of a single-shape type accepted")
	}
}

func TestSampleIDsAreFresh(t *testing.T) {
	a, _ := Sample(TypeWebhookTest)
	b, _ := Sample(TypeWebhookTest)
	ea, _ := Normalize(a)
	eb, _ := Normalize(b)
	if ea.SourceEventId == eb.SourceEventId {
		t.Fatal("two samples share an id")
	}
}

func TestSampleVariantShapes(t *testing.T) {
	checks := map[string]func(*conneventsv1.ConnectionEvent) bool{
		"authorized": func(ev *conneventsv1.ConnectionEvent) bool {
			return ev.Outcome == conneventsv1.Outcome_OUTCOME_SUCCESS && ev.Connection.ConsentExpiresAt != nil &&
				ev.Patient.ExternalState == sampleExternalState
		},
		"tefca": func(ev *conneventsv1.ConnectionEvent) bool {
			return ev.HealthSystem.TefcaDirectoryId != "" && ev.HealthSystem.EndpointId == ""
		},
		"download_links": func(ev *conneventsv1.ConnectionEvent) bool {
			return len(ev.Export.DownloadLinks) == 1 && ev.Export.DownloadLinks[0].ContentType != "" && ev.Export.TotalResources == 1234
		},
		"download_link": func(ev *conneventsv1.ConnectionEvent) bool {
			return len(ev.Export.DownloadLinks) == 1 && ev.Export.DownloadLinks[0].ExportType == ""
		},
	}
	for _, v := range Variants(TypeEHIExportFailed) {
		checks[v] = func(ev *conneventsv1.ConnectionEvent) bool {
			return ev.Failure.Detail == v && ev.Failure.Reason != conneventsv1.FailureReason_FAILURE_REASON_OTHER
		}
	}
	for _, eventType := range EventTypes() {
		for _, v := range Variants(eventType) {
			if check, ok := checks[v]; ok && !check(sampleRoundTrip(t, eventType, v)) {
				t.Errorf("%s/%s: unexpected shape", eventType, v)
			}
		}
	}
}
