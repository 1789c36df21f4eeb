package fasten

// Fasten event types (the envelope `type`). The list is open: Normalize
// keeps types it does not know.
const (
	TypeConnectionSuccess    = "patient.connection_success"
	TypeAuthorizationRevoked = "patient.authorization_revoked"
	TypeEHIExportSuccess     = "patient.ehi_export_success"
	TypeEHIExportFailed      = "patient.ehi_export_failed"
	TypeRequestHealthSystem  = "patient.request_health_system"
	TypeRequestSupport       = "patient.request_support"
	TypeWebhookTest          = "webhook.test"
)

// EventTypes returns every Fasten event type this package maps, in the order
// of a connection's life.
func EventTypes() []string {
	return []string{
		TypeRequestHealthSystem,
		TypeConnectionSuccess,
		TypeAuthorizationRevoked,
		TypeEHIExportSuccess,
		TypeEHIExportFailed,
		TypeRequestSupport,
		TypeWebhookTest,
	}
}
