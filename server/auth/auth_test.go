package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

const (
	listEvents = conneventsv1.ConnectionEventService_ListEvents_FullMethodName
	ingestOne  = conneventsv1.ConnectionEventService_IngestOneUpAuditEvents_FullMethodName
	reflection = reflectionv1.ServerReflection_ServerReflectionInfo_FullMethodName
)

func testKeys(t *testing.T) *Keys {
	t.Helper()
	k, err := NewKeys(
		NewKey("relay", []Role{Ingest}, "relay-secret-0123456789"),
		NewKey("reader", []Role{Read}, "reader-secret-0123456789"),
		NewKey("ops", []Role{Read, Admin}, "ops-secret-0123456789"),
	)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAuthorize(t *testing.T) {
	k := testKeys(t)
	tests := []struct {
		name   string
		target string
		auth   []string
		key    string        // the Caller's key when allowed
		reason reason.Reason // when refused
	}{
		{"reader reads", listEvents, []string{"Bearer reader-secret-0123456789"}, "reader", ""},
		{"scheme in lower case", listEvents, []string{"bearer reader-secret-0123456789"}, "reader", ""},
		{"scheme in upper case, extra spaces", listEvents, []string{"  BEARER   reader-secret-0123456789 "}, "reader", ""},
		{"one good value among several", listEvents, []string{"Bearer nope", "Bearer ops-secret-0123456789"}, "ops", ""},
		{"relay cannot read", listEvents, []string{"Bearer relay-secret-0123456789"}, "", reason.RoleRequired},
		{"reader cannot ingest", ingestOne, []string{"Bearer reader-secret-0123456789"}, "", reason.RoleRequired},
		{"relay ingests", ingestOne, []string{"Bearer relay-secret-0123456789"}, "relay", ""},
		{"reflection with any key", reflection, []string{"Bearer relay-secret-0123456789"}, "relay", ""},
		{"reflection without a key", reflection, nil, "", reason.APIKeyInvalid},
		{"wrong key", listEvents, []string{"Bearer reader-secret-01234567890"}, "", reason.APIKeyInvalid},
		{"no scheme", listEvents, []string{"reader-secret-0123456789"}, "", reason.APIKeyInvalid},
		{"other scheme", listEvents, []string{"Basic reader-secret-0123456789"}, "", reason.APIKeyInvalid},
		{"empty token", listEvents, []string{"Bearer "}, "", reason.APIKeyInvalid},
		{"no key", listEvents, nil, "", reason.APIKeyInvalid},
		{"health is open", healthpb.Health_Check_FullMethodName, nil, "", ""},
		{"the Fasten door is signed", "POST /v1/webhooks/fasten", nil, "", ""},
		{"the 1upHealth door needs ingest", "POST /v1/oneup/audit-events", []string{"Bearer reader-secret-0123456789"}, "", reason.RoleRequired},
		{"a method missing from the table", "/connevents.v1.ConnectionEventService/NotInTheTable", []string{"Bearer ops-secret-0123456789"}, "", reason.MethodNotPermitted},
		{"an unnamed route", "", []string{"Bearer ops-secret-0123456789"}, "", reason.MethodNotPermitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := k.Authorize(tt.target, tt.auth)
			if got := reason.Of(err); got != tt.reason || (err == nil && c.Key != tt.key) {
				t.Fatalf("Authorize = %+v, %v; want key %q, reason %q", c, err, tt.key, tt.reason)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("the error repeats the key: %v", err)
			}
		})
	}
}

func TestRoleRequiredNamesTheRole(t *testing.T) {
	_, err := testKeys(t).Authorize(listEvents, []string{"Bearer relay-secret-0123456789"})
	var r *reason.Error
	if !errors.As(err, &r) || r.Metadata["role"] != "read" || !strings.Contains(r.Message, "read role") {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(r.Message, "relay") {
		t.Errorf("the message names the key: %q", r.Message)
	}
}

func TestNoKeysLetsEveryoneIn(t *testing.T) {
	k, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Authorize(listEvents, nil)
	if err != nil || c != (Caller{Key: Anonymous, Role: Read}) {
		t.Errorf("open server: %+v, %v", c, err)
	}
	if _, err := k.Authorize("/connevents.v1.ConnectionEventService/NotInTheTable", nil); reason.Of(err) != reason.MethodNotPermitted {
		t.Errorf("a method missing from the table on an open server: %v", err)
	}
}

func TestCheckGRPCAndHTTP(t *testing.T) {
	k := testKeys(t)
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "bearer reader-secret-0123456789"))
	if c, err := k.CheckGRPC(ctx, listEvents); err != nil || c.Key != "reader" || c.Role != Read {
		t.Errorf("CheckGRPC = %+v, %v", c, err)
	}
	if _, err := k.CheckGRPC(context.Background(), listEvents); !errors.Is(err, ErrKeyInvalid) {
		t.Errorf("CheckGRPC without metadata = %v", err)
	}
	r := httptest.NewRequest("POST", "/v1/oneup/audit-events", nil)
	r.Header.Set("Authorization", "Bearer relay-secret-0123456789")
	if c, err := k.CheckHTTP(r, "POST /v1/oneup/audit-events"); err != nil || c.Key != "relay" {
		t.Errorf("CheckHTTP = %+v, %v", c, err)
	}
}

// TestEveryMethodHasARule fails for every RPC of the served services that
// the table does not name: a new RPC must be given a rule.
func TestEveryMethodHasARule(t *testing.T) {
	files := []protoreflect.FileDescriptor{
		conneventsv1.File_connevents_v1_service_proto,
		healthpb.File_grpc_health_v1_health_proto,
		reflectionv1.File_grpc_reflection_v1_reflection_proto,
		reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto,
	}
	n := 0
	for _, f := range files {
		for i := range f.Services().Len() {
			sd := f.Services().Get(i)
			for j := range sd.Methods().Len() {
				method := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(j).Name())
				n++
				if RuleOf(method) == Denied {
					t.Errorf("%s has no rule in the table", method)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d methods", n)
	}
}

func TestNewKeysRefuses(t *testing.T) {
	tests := []struct {
		name string
		keys []Key
		want string
	}{
		{"same name", []Key{NewKey("a", []Role{Read}, "s1"), NewKey("a", []Role{Read}, "s2")}, "two keys are named a"},
		{"same secret", []Key{NewKey("a", []Role{Read}, "s1"), NewKey("b", []Role{Admin}, "s1")}, "same secret"},
		{"bad name", []Key{NewKey("a b", []Role{Read}, "s1")}, "key name"},
		{"no role", []Key{NewKey("a", nil, "s1")}, "no role"},
	}
	for _, tt := range tests {
		if _, err := NewKeys(tt.keys...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestPlainKeysHaveEveryRole(t *testing.T) {
	k, err := Load([]string{"first-plain-key-123", "second-plain-key-45"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{listEvents, ingestOne} {
		c, err := k.Authorize(target, []string{"Bearer second-plain-key-45"})
		if err != nil || c.Key != "key-2" {
			t.Errorf("%s: %+v, %v", target, c, err)
		}
	}
}

func TestCheckLength(t *testing.T) {
	if err := CheckLength([]string{"sixteen-bytes-ok", "short-secret"}); err == nil ||
		!strings.Contains(err.Error(), "key-2") || strings.Contains(err.Error(), "short-secret") || strings.Contains(err.Error(), "key-1") {
		t.Errorf("CheckLength = %v", err)
	}
	if err := CheckLength([]string{"sixteen-bytes-ok"}); err != nil {
		t.Errorf("a 16-byte key: %v", err)
	}
}

func TestParseRoles(t *testing.T) {
	got, err := ParseRoles("admin, read,admin")
	if err != nil || len(got) != 2 || got[0] != Read || got[1] != Admin {
		t.Errorf("ParseRoles = %v, %v", got, err)
	}
	for _, bad := range []string{"", "read,", "reader", "Read"} {
		if _, err := ParseRoles(bad); err == nil || strings.Contains(err.Error(), "reader") {
			t.Errorf("ParseRoles(%q) = %v", bad, err)
		}
	}
}
