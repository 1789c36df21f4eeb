package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// mapped is what model.md says one Fasten type (and variant) becomes.
type mapped struct {
	typ, stage, outcome string
	// fromData: REST path of the event → path in the delivery's data whose
	// (non-empty) value it must carry.
	fromData map[string]string
	// literal: REST path → exact value ("" = absent).
	literal map[string]string
}

var (
	connectionIDs = map[string]string{
		"connection.orgConnectionId":  "org_connection_id",
		"connection.connectionStatus": "connection_status",
		"connection.platformType":     "platform_type",
		"patient.externalId":          "external_id",
		"correlation.requestId":       "request_id",
	}
	healthSystemIDs = map[string]string{
		"healthSystem.endpointId": "endpoint_id",
		"healthSystem.portalId":   "portal_id",
		"healthSystem.brandId":    "brand_id",
	}
	exportIDs = map[string]string{
		"correlation.taskId":                       "task_id",
		"healthSystem.orgId":                       "org_id",
		"connection.orgConnectionId":               "org_connection_id",
		"export.totalResources":                    "stats.total_resources",
		"export.resourcesByType.Observation":       "stats.total_by_resource_type.Observation",
		"export.resourcesByType.MedicationRequest": "stats.total_by_resource_type.MedicationRequest",
	}
	failureIDs = map[string]string{
		"correlation.taskId":         "task_id",
		"healthSystem.orgId":         "org_id",
		"connection.orgConnectionId": "org_connection_id",
		"failure.detail":             "failure_reason",
	}
)

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func failed(reason string) mapped {
	return mapped{"EVENT_TYPE_DATA_TRANSFER_FAILED", "STAGE_COMPLETION", "OUTCOME_SERIOUS_FAILURE", failureIDs,
		map[string]string{"failure.reason": "FAILURE_REASON_" + reason}}
}

// mappings is model.md's Fasten table, keyed "type/variant".
var mappings = map[string]mapped{
	"patient.request_health_system/": {"EVENT_TYPE_SYSTEM_REQUESTED", "STAGE_DISCOVERY", "OUTCOME_UNSPECIFIED",
		map[string]string{"contactRequest.name": "name", "contactRequest.email": "email",
			"contactRequest.website": "website", "contactRequest.streetAddress": "street_address"}, nil},
	"patient.connection_success/authorized": {"EVENT_TYPE_CONNECTION_AUTHORIZED", "STAGE_AUTHORIZATION", "OUTCOME_SUCCESS",
		merge(connectionIDs, healthSystemIDs, map[string]string{"connection.scope": "scope", "connection.consentExpiresAt": "consent_expires_at"}),
		map[string]string{"connection.connectionStatus": "authorized"}},
	"patient.connection_success/rejected": {"EVENT_TYPE_CONNECTION_DECLINED", "STAGE_AUTHORIZATION", "OUTCOME_MINOR_FAILURE",
		merge(connectionIDs, healthSystemIDs), map[string]string{"connection.connectionStatus": "rejected"}},
	"patient.connection_success/revoked": {"EVENT_TYPE_CONNECTION_REVOKED", "STAGE_AUTHORIZATION", "OUTCOME_SUCCESS",
		merge(connectionIDs, healthSystemIDs), map[string]string{"connection.connectionStatus": "revoked"}},
	"patient.connection_success/tefca": {"EVENT_TYPE_CONNECTION_AUTHORIZED", "STAGE_AUTHORIZATION", "OUTCOME_SUCCESS",
		merge(connectionIDs, map[string]string{"healthSystem.tefcaDirectoryId": "tefca_directory_id"}),
		map[string]string{"healthSystem.endpointId": "", "healthSystem.portalId": ""}},
	"patient.authorization_revoked/": {"EVENT_TYPE_CONNECTION_REVOKED", "STAGE_AUTHORIZATION", "OUTCOME_SUCCESS",
		merge(healthSystemIDs, map[string]string{"connection.orgConnectionId": "org_connection_id",
			"connection.platformType": "platform_type", "connection.connectionStatus": "connection_status"}), nil},
	"patient.ehi_export_success/download_links": {"EVENT_TYPE_DATA_TRANSFER_COMPLETED", "STAGE_COMPLETION", "OUTCOME_SUCCESS",
		merge(exportIDs, map[string]string{"export.downloadLinks.0.url": "download_links.0.url",
			"export.downloadLinks.0.exportType":  "download_links.0.export_type",
			"export.downloadLinks.0.contentType": "download_links.0.content_type"}), nil},
	"patient.ehi_export_success/download_link": {"EVENT_TYPE_DATA_TRANSFER_COMPLETED", "STAGE_COMPLETION", "OUTCOME_SUCCESS",
		merge(exportIDs, map[string]string{"export.downloadLinks.0.url": "download_link"}),
		map[string]string{"export.downloadLinks.1.url": ""}},
	"patient.ehi_export_failed/suppressed_please_contact": failed("SUPPRESSED"),
	"patient.ehi_export_failed/token_refresh_failure":     failed("TOKEN_REFRESH_FAILED"),
	"patient.ehi_export_failed/scope_patient_missing":     failed("PATIENT_SCOPE_MISSING"),
	"patient.ehi_export_failed/resource_patient_failure":  failed("PATIENT_RESOURCE_FAILED"),
	"patient.ehi_export_failed/resource_invalid_content":  failed("INVALID_CONTENT"),
	"patient.ehi_export_failed/tefca_no_documents_found":  failed("NO_DOCUMENTS_FOUND"),
	"patient.request_support/": {"EVENT_TYPE_SUPPORT_REQUESTED", "STAGE_OTHER", "OUTCOME_UNSPECIFIED",
		map[string]string{"contactRequest.name": "name", "contactRequest.email": "email", "contactRequest.message": "body"}, nil},
	"webhook.test/": {"EVENT_TYPE_TEST", "STAGE_OTHER", "OUTCOME_UNSPECIFIED", nil, nil},
}

// TestFastenEveryTypeEndToEnd: a signed delivery of each documented type
// and variant is answered 200 and listed by GET /v1/events as model.md maps
// it.
func TestFastenEveryTypeEndToEnd(t *testing.T) {
	s := testserver.Start(t, nil)
	date := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	n := 0
	for _, typ := range fasten.EventTypes() {
		variants := fasten.Variants(typ)
		if len(variants) == 0 {
			variants = []string{""}
		}
		for _, variant := range variants {
			n++
			t.Run(strings.TrimSuffix(typ+"/"+variant, "/"), func(t *testing.T) {
				want, ok := mappings[typ+"/"+variant]
				if !ok {
					t.Fatalf("model.md gives no mapping for %s %s: add one to this test", typ, variant)
				}
				body := sample(t, typ, fasten.WithVariant(variant), fasten.WithDate(date))
				answer := accept(t, s, signed(t, body), "INGEST_STATUS_STORED")
				env := envelope(t, body)
				ev := bySourceID(t, requireCount(t, s, n), env["id"].(string))
				checkCommon(t, ev, env, answer)
				checkMapped(t, ev, env["data"], want)
			})
		}
	}
}

// checkCommon checks what every Fasten event carries.
func checkCommon(t *testing.T, ev jsonEvent, env map[string]any, answer ingestAnswer) {
	t.Helper()
	want := map[string]string{
		"id":              answer.Result.EventID,
		"sequence":        answer.Result.Sequence,
		"source":          "SOURCE_FASTEN",
		"sourceEventId":   env["id"].(string),
		"sourceEventType": env["type"].(string),
		"apiMode":         "API_MODE_TEST",
		"occurredAt":      env["date"].(string),
		"raw":             "", // only in the full view
	}
	for path, v := range want {
		if got := ev.str(path); got != v {
			t.Errorf("%s = %q, want %q", path, got, v)
		}
	}
	if ev.str("receivedAt") == "" {
		t.Error("receivedAt is missing")
	}
}

func checkMapped(t *testing.T, ev jsonEvent, data any, want mapped) {
	t.Helper()
	for path, v := range map[string]string{"type": want.typ, "stage": want.stage, "outcome": want.outcome} {
		if got := ev.str(path); got != v {
			t.Errorf("%s = %q, want %q", path, got, v)
		}
	}
	for path, dataPath := range want.fromData {
		sent := pathString(data, dataPath)
		if sent == "" {
			t.Errorf("the sample has no data.%s", dataPath)
		}
		if got := ev.str(path); got != sent {
			t.Errorf("%s = %q, want data.%s %q", path, got, dataPath, sent)
		}
	}
	for path, v := range want.literal {
		if got := ev.str(path); got != v {
			t.Errorf("%s = %q, want %q", path, got, v)
		}
	}
}
