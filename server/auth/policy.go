package auth

import (
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// Rule is what calling a method or route needs.
type Rule uint8

// The rules. The zero Rule is Denied: whatever is missing from the table
// is refused to every key.
const (
	// Denied: no one; the method or route is missing from the table (a
	// server bug, answered METHOD_NOT_PERMITTED).
	Denied Rule = iota
	// Open: no key. Health checks and public documents.
	Open
	// Signed: no key; the handler verifies the vendor's signature instead.
	Signed
	// AnyKey: a valid key, whatever its roles.
	AnyKey
	// NeedsIngest, NeedsRead and NeedsAdmin: a valid key with that role.
	NeedsIngest
	NeedsRead
	NeedsAdmin
)

// Role is the role the rule needs, or "" if it needs none.
func (r Rule) Role() Role {
	switch r {
	case NeedsIngest:
		return Ingest
	case NeedsRead:
		return Read
	case NeedsAdmin:
		return Admin
	}
	return ""
}

func (r Rule) String() string {
	switch r {
	case Open:
		return "open"
	case Signed:
		return "signed"
	case AnyKey:
		return "any key"
	case Denied:
		return "denied"
	}
	return string(r.Role())
}

// table is the one map from every gRPC method (its full name) and every
// HTTP route that is not an RPC's own binding (its ServeMux pattern) to
// what it needs. The HTTP bindings of RPCs (GET /v1/events, …) take their
// RPC's rule. /metrics is not here: it has a listener of its own.
//
// A method or route missing from the table is Denied, and the table test
// fails for every RPC of the service that has no entry.
var table = map[string]Rule{
	conneventsv1.ConnectionEventService_GetEvent_FullMethodName:               NeedsRead,
	conneventsv1.ConnectionEventService_ListEvents_FullMethodName:             NeedsRead,
	conneventsv1.ConnectionEventService_SubscribeEvents_FullMethodName:        NeedsRead,
	conneventsv1.ConnectionEventService_ListSourceStatuses_FullMethodName:     NeedsRead,
	conneventsv1.ConnectionEventService_GetSourceStatus_FullMethodName:        NeedsRead,
	conneventsv1.ConnectionEventService_GetConnection_FullMethodName:          NeedsRead,
	conneventsv1.ConnectionEventService_ListConnections_FullMethodName:        NeedsRead,
	conneventsv1.ConnectionEventService_GetFunnel_FullMethodName:              NeedsRead,
	conneventsv1.ConnectionEventService_SubscribeConnections_FullMethodName:   NeedsRead,
	conneventsv1.ConnectionEventService_IngestFastenWebhook_FullMethodName:    NeedsIngest,
	conneventsv1.ConnectionEventService_IngestOneUpAuditEvents_FullMethodName: NeedsIngest,
	conneventsv1.ConnectionEventService_ListAccessRecords_FullMethodName:      NeedsAdmin,
	// Dead letters hold raw vendor payloads, and retry and discard change
	// what the service keeps: operators only.
	conneventsv1.ConnectionEventService_ListDeadLetters_FullMethodName:   NeedsAdmin,
	conneventsv1.ConnectionEventService_GetDeadLetter_FullMethodName:     NeedsAdmin,
	conneventsv1.ConnectionEventService_RetryDeadLetter_FullMethodName:   NeedsAdmin,
	conneventsv1.ConnectionEventService_DiscardDeadLetter_FullMethodName: NeedsAdmin,

	// Load balancers and orchestrators check health without a key.
	healthpb.Health_Check_FullMethodName: Open,
	healthpb.Health_Watch_FullMethodName: Open,
	healthpb.Health_List_FullMethodName:  Open,
	// Reflection describes the API, not the data: any key.
	reflectionv1.ServerReflection_ServerReflectionInfo_FullMethodName:      AnyKey,
	reflectionv1alpha.ServerReflection_ServerReflectionInfo_FullMethodName: AnyKey,

	"GET /healthz":      Open,
	"GET /openapi.json": Open,
	// Fasten posts here, signing each delivery; relays forward the same
	// deliveries over gRPC with an ingest key.
	"POST /v1/webhooks/fasten":    Signed,
	"POST /v1/oneup/audit-events": NeedsIngest,
}

// RuleOf is the rule of a full gRPC method name or an HTTP route pattern.
func RuleOf(target string) Rule { return table[target] }
