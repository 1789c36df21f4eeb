package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

// wantRPC is what each RPC the server serves should need, stated here
// independently of server/auth's table: a new RPC fails TestRoles until it
// is added here, and fails it again if the table gives it another rule.
var wantRPC = map[string]auth.Rule{
	"/connevents.v1.ConnectionEventService/GetEvent":               auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/ListEvents":             auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/SubscribeEvents":        auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/ListSourceStatuses":     auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/GetSourceStatus":        auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/GetConnection":          auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/ListConnections":        auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/GetFunnel":              auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/SubscribeConnections":   auth.NeedsRead,
	"/connevents.v1.ConnectionEventService/IngestFastenWebhook":    auth.NeedsIngest,
	"/connevents.v1.ConnectionEventService/IngestOneUpAuditEvents": auth.NeedsIngest,
	"/connevents.v1.ConnectionEventService/ListAccessRecords":      auth.NeedsAdmin,
	"/connevents.v1.ConnectionEventService/ListDeadLetters":        auth.NeedsAdmin,
	"/connevents.v1.ConnectionEventService/GetDeadLetter":          auth.NeedsAdmin,
	"/connevents.v1.ConnectionEventService/RetryDeadLetter":        auth.NeedsAdmin,
	"/connevents.v1.ConnectionEventService/DiscardDeadLetter":      auth.NeedsAdmin,

	"/grpc.health.v1.Health/Check": auth.Open,
	"/grpc.health.v1.Health/Watch": auth.Open,
	"/grpc.health.v1.Health/List":  auth.Open,

	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      auth.AnyKey,
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": auth.AnyKey,
}

// wantRoute is what each HTTP route that is not an RPC's binding should
// need. The bindings (GET /v1/events, …) need what their RPC needs.
var wantRoute = map[string]auth.Rule{
	"GET /healthz":                auth.Open,
	"GET /openapi.json":           auth.Open,
	"POST /v1/webhooks/fasten":    auth.Signed,
	"POST /v1/oneup/audit-events": auth.NeedsIngest,
}

// roleCaller is one caller of the table test: a key with one role, or no
// key at all.
type roleCaller struct {
	name   string
	secret string
	role   auth.Role
}

var roleCallers = []roleCaller{
	{"no key", "", ""},
	{"ingest key", "relay-secret-0123456789", auth.Ingest},
	{"read key", "reader-secret-0123456789", auth.Read},
	{"admin key", "ops-secret-0123456789", auth.Admin},
}

// startWithRoleKeys runs a server whose keys file holds one key per role.
func startWithRoleKeys(t *testing.T) *testserver.Server {
	t.Helper()
	var file strings.Builder
	file.WriteString("# one key per role\n\n")
	for _, c := range roleCallers[1:] {
		line, err := auth.FileLine(strings.Fields(c.name)[0], []auth.Role{c.role}, c.secret)
		if err != nil {
			t.Fatal(err)
		}
		file.WriteString(line + "\n")
	}
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return testserver.Start(t, func(c *server.Config) {
		c.APIKeysFile = path
		c.HeartbeatInterval = 50 * time.Millisecond
	})
}

// expectRefusal is the reason caller c should be refused with under rule,
// or "" if it should be let through.
func expectRefusal(rule auth.Rule, c roleCaller) reason.Reason {
	switch {
	case rule == auth.Open || rule == auth.Signed:
		return ""
	case c.secret == "":
		return reason.APIKeyInvalid
	case rule == auth.AnyKey || rule.Role() == c.role:
		return ""
	}
	return reason.RoleRequired
}

// TestRoles calls every RPC the server serves (found by reflection) and
// every HTTP route, as each caller, and checks who is let through.
func TestRoles(t *testing.T) {
	s := startWithRoleKeys(t)
	ctx := context.Background()
	services, err := reflectionServices(withKey(ctx, "relay-secret-0123456789"), s)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, svc := range services {
		for _, m := range methodsOf(t, svc) {
			full := "/" + svc + "/" + string(m.Name())
			seen[full] = true
			rule, ok := wantRPC[full]
			if !ok {
				t.Errorf("%s is served but missing from wantRPC: decide which role it needs, here and in server/auth", full)
				continue
			}
			for _, c := range roleCallers {
				got := grpcRefusal(t, s, m, full, c)
				if want := expectRefusal(rule, c); got != want {
					t.Errorf("gRPC %s as %s: refused with %q, want %q", full, c.name, got, want)
				}
			}
		}
	}
	for m := range wantRPC {
		if !seen[m] {
			t.Errorf("wantRPC names %s, which the server does not serve", m)
		}
	}

	routes := map[string]auth.Rule{}
	for route, rule := range wantRoute {
		routes[route] = rule
	}
	for route, method := range rpcBindings(services) {
		routes[route] = wantRPC[method]
	}
	for route, rule := range routes {
		for _, c := range roleCallers {
			got, code := httpRefusal(t, s, route, c)
			want := expectRefusal(rule, c)
			if got != want {
				t.Errorf("HTTP %s as %s: refused with %q (HTTP %d), want %q", route, c.name, got, code, want)
			}
			if (want == reason.APIKeyInvalid && code != http.StatusUnauthorized) || (want == reason.RoleRequired && code != http.StatusForbidden) {
				t.Errorf("HTTP %s as %s: HTTP %d for %s", route, c.name, code, want)
			}
		}
	}
}

func methodsOf(t *testing.T, service string) []protoreflect.MethodDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		t.Fatalf("%s: %v", service, err)
	}
	sd := d.(protoreflect.ServiceDescriptor)
	var out []protoreflect.MethodDescriptor
	for i := range sd.Methods().Len() {
		out = append(out, sd.Methods().Get(i))
	}
	return out
}

// grpcRefusal calls method with an empty request as c and returns the
// reason it was refused with ("" if it was let through, whatever the
// method then answered).
func grpcRefusal(t *testing.T, s *testserver.Server, m protoreflect.MethodDescriptor, method string, c roleCaller) reason.Reason {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if c.secret != "" {
		ctx = withKey(ctx, c.secret)
	}
	var err error
	if !m.IsStreamingClient() && !m.IsStreamingServer() {
		err = s.Conn.Invoke(ctx, method, &emptypb.Empty{}, &emptypb.Empty{})
	} else {
		err = firstMessage(ctx, s.Conn, method, m.IsStreamingClient())
	}
	return refusalOf(t, err)
}

func firstMessage(ctx context.Context, conn *grpc.ClientConn, method string, clientStreams bool) error {
	st, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: clientStreams}, method)
	if err != nil {
		return err
	}
	if err := st.SendMsg(&emptypb.Empty{}); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	_ = st.CloseSend()
	return st.RecvMsg(&emptypb.Empty{})
}

// authReasons are the reasons of the auth check itself.
var authReasons = []reason.Reason{reason.APIKeyInvalid, reason.RoleRequired, reason.MethodNotPermitted}

func refusalOf(t *testing.T, err error) reason.Reason {
	t.Helper()
	r := api.ReasonOf(err)
	for _, a := range authReasons {
		if r == a {
			return r
		}
	}
	if c := status.Code(err); c == codes.Unauthenticated && r == "" || c == codes.PermissionDenied {
		t.Errorf("%v: refused without an auth reason", err)
	}
	return ""
}

var pathVariable = regexp.MustCompile(`\{[^}]+\}`)

// rpcBindings lists the HTTP bindings of every service's RPCs, from their
// google.api.http options: "GET /v1/events/{id}" → its RPC.
func rpcBindings(services []string) map[string]string {
	out := map[string]string{}
	for _, svc := range services {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
		if err != nil {
			continue
		}
		sd := d.(protoreflect.ServiceDescriptor)
		for i := range sd.Methods().Len() {
			m := sd.Methods().Get(i)
			rule, _ := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
			for _, b := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				verb, path := "", ""
				switch p := b.GetPattern().(type) {
				case *annotations.HttpRule_Get:
					verb, path = http.MethodGet, p.Get
				case *annotations.HttpRule_Post:
					verb, path = http.MethodPost, p.Post
				case *annotations.HttpRule_Put:
					verb, path = http.MethodPut, p.Put
				case *annotations.HttpRule_Patch:
					verb, path = http.MethodPatch, p.Patch
				case *annotations.HttpRule_Delete:
					verb, path = http.MethodDelete, p.Delete
				}
				if path != "" {
					out[verb+" "+path] = "/" + svc + "/" + string(m.Name())
				}
			}
		}
	}
	return out
}

// httpRefusal sends route (its variables filled in, an empty JSON body) as
// c and returns the auth reason it was refused with, and the HTTP status.
func httpRefusal(t *testing.T, s *testserver.Server, route string, c roleCaller) (reason.Reason, int) {
	t.Helper()
	verb, path, _ := strings.Cut(route, " ")
	path = pathVariable.ReplaceAllString(path, "x")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, verb, s.BaseURL+path, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.secret != "" {
		req.Header.Set("Authorization", "bearer "+c.secret) // any case
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", route, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 400 {
		return "", resp.StatusCode // streams stay open: read no further
	}
	body, _ := io.ReadAll(resp.Body)
	r := reason.Reason(errorReason(t, body))
	for _, a := range authReasons {
		if r == a {
			return r, resp.StatusCode
		}
	}
	return "", resp.StatusCode
}

// TestRoleRequiredAnswer: a key without the role gets PERMISSION_DENIED
// naming the role, and never the key.
func TestRoleRequiredAnswer(t *testing.T) {
	s := startWithRoleKeys(t)
	ctx := withKey(context.Background(), "relay-secret-0123456789")
	_, err := s.Client.ListEvents(ctx, nil)
	info := api.ErrorInfoOf(err)
	if status.Code(err) != codes.PermissionDenied || info.GetReason() != string(reason.RoleRequired) || info.GetMetadata()["role"] != "read" {
		t.Fatalf("ListEvents with an ingest key: %v (%v)", err, info)
	}
	if msg := status.Convert(err).Message(); !strings.Contains(msg, "read") || strings.Contains(msg, "relay") {
		t.Errorf("message %q", msg)
	}
	if strings.Contains(s.Logs.String(), "relay-secret") {
		t.Error("the logs hold a secret")
	}
}

// TestShortKeysRefusedOffLoopback: --api-keys shorter than 16 bytes stop
// a server that is not on loopback from starting, without printing them.
func TestShortKeysRefusedOffLoopback(t *testing.T) {
	cfg := testserver.Config(t)
	cfg.APIKeys = []string{"long-enough-key-1234", "short-key"}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("on loopback: %v", err)
	}
	cfg.GRPCAddr = "0.0.0.0:0"
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "key-2") || strings.Contains(err.Error(), "short-key") {
		t.Fatalf("Validate = %v", err)
	}
	if _, err := server.New(context.Background(), cfg, nil); err == nil {
		t.Fatal("started")
	}
}

// TestKeysFileErrorStopsStart: a bad keys file stops the server with the
// line number.
func TestKeysFileErrorStopsStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte("# keys\nrelay ingest cek_notadigest\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testserver.Config(t)
	cfg.APIKeysFile = path
	_, err := server.New(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "notadigest") {
		t.Fatalf("New = %v", err)
	}
}
