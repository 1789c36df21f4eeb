package oneup

import (
	"testing"
	"time"
)

func TestNormalizeExtracts(t *testing.T) {
	ev := normalizeFixture(t, "system-search-results")
	if got := ev.GetSearch().GetResultCount(); got != 3 || ev.GetSearch() == nil {
		t.Errorf("result count %d, want 3", got)
	}
	if got := ev.GetPatient().GetOneupUserId(); got != "118044" {
		t.Errorf("user id %q", got)
	}
	if got := ev.GetPatient().GetFhirPatientReference(); got != "Patient/7f3c2a" {
		t.Errorf("patient reference %q", got)
	}
	if hs := ev.GetHealthSystem(); hs.GetName() != "Humana" || hs.GetOneupSystemId() != "4706" {
		t.Errorf("health system %v", hs)
	}
	if ev.GetSourceEventId() != "ae-search-1" || ev.GetSourceEventType() != "system-search-results" {
		t.Errorf("ids %q %q", ev.GetSourceEventId(), ev.GetSourceEventType())
	}
	want := time.Date(2026, 3, 2, 10, 15, 30, 123e6, time.UTC)
	if !ev.GetOccurredAt().AsTime().Equal(want) {
		t.Errorf("occurred_at %v", ev.GetOccurredAt().AsTime())
	}
}

func TestNormalizeSearchZeroFromBase64(t *testing.T) {
	ev := normalizeFixture(t, "system-search-results-zero-base64")
	if ev.GetSearch() == nil || ev.GetSearch().GetResultCount() != 0 {
		t.Errorf("search %v, want result_count 0 present", ev.GetSearch())
	}
}

func TestNormalizeOffsetAndNoSubtype(t *testing.T) {
	ev := normalizeFixture(t, "no-subtype-odd-types")
	want := time.Date(2026, 3, 2, 10, 15, 30, 0, time.UTC)
	if !ev.GetOccurredAt().AsTime().Equal(want) {
		t.Errorf("occurred_at %v, want %v", ev.GetOccurredAt().AsTime(), want)
	}
	if ev.GetSourceEventType() != "" {
		t.Errorf("source_event_type %q, want empty", ev.GetSourceEventType())
	}
}

func TestNormalizePatientFromAgentWho(t *testing.T) {
	ev := normalizeFixture(t, "patient-from-agent-who")
	if got := ev.GetPatient().GetFhirPatientReference(); got != "Patient/abc-1" {
		t.Errorf("patient reference %q", got)
	}
	if ev.GetPatient().GetOneupUserId() != "" || ev.GetHealthSystem().GetName() != "Aetna" {
		t.Errorf("patient %v health system %v", ev.GetPatient(), ev.GetHealthSystem())
	}
}

func TestNormalizeFailureDetail(t *testing.T) {
	ev := normalizeFixture(t, "payer-connection-not-established")
	want := "Unable to connect to payer; statusCode: 502; errorMessage: Bad Gateway from payer endpoint"
	if got := ev.GetFailure().GetDetail(); got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
}

func TestNormalizeRecordedFormats(t *testing.T) {
	for _, in := range []string{
		"2026-03-02T10:15:30Z", "2026-03-02T10:15:30.5Z", "2026-03-02T10:15:30.123456789+05:30",
		"2026-03-02T10:15:30-08:00", "2026-03-02T10:15:30",
	} {
		if _, err := parseRecorded(in); err != nil {
			t.Errorf("parseRecorded(%q): %v", in, err)
		}
	}
	for _, in := range []string{"", "yesterday", "2026-13-02T10:15:30Z", "10:15"} {
		if _, err := parseRecorded(in); err == nil {
			t.Errorf("parseRecorded(%q) accepted", in)
		}
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	s := truncate("ééé", 5)
	if s != "éé" {
		t.Errorf("truncate = %q", s)
	}
}
