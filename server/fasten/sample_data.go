package fasten

import (
	"time"
)

// Identifiers shared by the samples, shaped like Fasten's (UUIDs, except the
// opaque export task id).
const (
	sampleOrgConnectionID = "5e1c4f7a-2b3d-4e8f-9a01-6c7d8e9f0a1b"
	sampleEndpointID      = "8e2bd4a1-6f0c-4b7e-9d3a-2c5f1e0b7a94"
	sampleBrandID         = "b1f3a9c2-7d4e-4f60-8a1b-3c2d5e6f7a80"
	samplePortalID        = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f"
	sampleRequestID       = "0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b"
	sampleOrgID           = "a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d"
	sampleExternalID      = "patient-000123"
	sampleExternalState   = "signup-7f2c91"
	sampleTaskID          = "ehi_export_2f6b9c1d7e3a"
	sampleTEFCADirectory  = "2.16.840.1.113883.3.7204.1.1"
	sampleDownloadURL     = "https://exports.example.com/ehi/ehi_export_2f6b9c1d7e3a.jsonl?X-Amz-Expires=3600&X-Amz-Signature=3f1c9e"
)

// sampleData returns the data object of a sample delivery; c is already
// validated.
func sampleData(eventType string, c sampleConfig) (map[string]any, error) {
	switch eventType {
	case TypeConnectionSuccess:
		return connectionSuccessData(c.variant, c.date), nil
	case TypeAuthorizationRevoked:
		return withHealthSystem(map[string]any{
			"org_connection_id": sampleOrgConnectionID, "platform_type": "epic", "connection_status": "revoked",
		}), nil
	case TypeEHIExportSuccess:
		return exportSuccessData(c.variant == "download_link"), nil
	case TypeEHIExportFailed:
		return map[string]any{"failure_reason": c.variant, "task_id": sampleTaskID,
			"org_id": sampleOrgID, "org_connection_id": sampleOrgConnectionID}, nil
	case TypeRequestHealthSystem:
		return map[string]any{"email": "jane.doe@example.com", "name": "Jane Doe",
			"website": "https://www.example-health.org", "street_address": "100 Main Street, Springfield, IL 62701"}, nil
	case TypeRequestSupport:
		return map[string]any{"email": "jane.doe@example.com", "name": "Jane Doe",
			"body": "My lab results from last month are missing after I connected my portal."}, nil
	}
	random, err := newUUID()
	return map[string]any{"hello": "world", "random": random}, err
}

func connectionSuccessData(status string, now time.Time) map[string]any {
	d := map[string]any{
		"org_connection_id": sampleOrgConnectionID, "connection_status": status, "platform_type": "epic",
		"request_id": sampleRequestID, "external_id": sampleExternalID,
	}
	switch status {
	case "tefca":
		d["connection_status"], d["platform_type"] = "authorized", "tefca"
		d["tefca_directory_id"] = sampleTEFCADirectory
		return d
	case "authorized":
		d["external_state"] = sampleExternalState
		d["scope"] = "openid fhirUser offline_access patient/*.read"
		d["consent_expires_at"] = now.UTC().AddDate(1, 0, 0).Format(time.RFC3339)
	}
	return withHealthSystem(d)
}

func withHealthSystem(d map[string]any) map[string]any {
	d["endpoint_id"], d["brand_id"], d["portal_id"] = sampleEndpointID, sampleBrandID, samplePortalID
	return d
}

func exportSuccessData(legacy bool) map[string]any {
	d := map[string]any{
		"task_id": sampleTaskID, "org_id": sampleOrgID, "org_connection_id": sampleOrgConnectionID,
		"stats": map[string]any{"total_resources": 1234, "total_by_resource_type": map[string]int{
			"Patient": 1, "Observation": 812, "Condition": 96, "MedicationRequest": 145, "Encounter": 180,
		}},
	}
	if legacy {
		d["download_link"] = sampleDownloadURL
		return d
	}
	d["download_links"] = []map[string]string{{
		"url": sampleDownloadURL, "export_type": "jsonl", "content_type": "application/fhir+ndjson",
	}}
	return d
}
