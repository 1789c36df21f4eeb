package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

const apiKey = "test-key-5d1f"

func withKey(ctx context.Context, key string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
}

// seed delivers n signed Fasten events of alternating types and returns
// their connevents ids in delivery order.
func seed(t testing.TB, s *testserver.Server, n int) []string {
	t.Helper()
	types := []string{fasten.TypeConnectionSuccess, fasten.TypeEHIExportFailed, fasten.TypeWebhookTest}
	var ids []string
	for i := 0; i < n; i++ {
		body, err := fasten.Sample(types[i%len(types)], fasten.WithData("external_id", fmt.Sprintf("patient-%d", i%2)))
		if err != nil {
			t.Fatal(err)
		}
		resp, answer := s.SendFasten(t, testserver.Secret, body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery %d: %s %s", i, resp.Status, answer)
		}
		var got struct{ Result struct{ EventID string } }
		if err := json.Unmarshal(answer, &got); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.Result.EventID)
	}
	return ids
}

func TestAuth(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{"other", apiKey} })
	ctx := context.Background()
	for _, key := range []string{"", "wrong"} {
		c := ctx
		if key != "" {
			c = withKey(ctx, key)
		}
		_, err := s.Client.ListEvents(c, &conneventsv1.ListEventsRequest{})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("gRPC with key %q: %v, want UNAUTHENTICATED", key, err)
		}
		resp, body := get(t, s.BaseURL+"/v1/events", key)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("REST with key %q: %s %s, want 401", key, resp.Status, body)
		}
	}
	if _, err := s.Client.ListEvents(withKey(ctx, apiKey), &conneventsv1.ListEventsRequest{}); err != nil {
		t.Errorf("gRPC with the key: %v", err)
	}
	if resp, body := get(t, s.BaseURL+"/v1/events", apiKey); resp.StatusCode != http.StatusOK {
		t.Errorf("REST with the key: %s %s", resp.Status, body)
	}
	if _, err := reflectionServices(ctx, s); status.Code(err) != codes.Unauthenticated {
		t.Errorf("reflection without a key: %v, want UNAUTHENTICATED", err)
	}
	if got, err := reflectionServices(withKey(ctx, apiKey), s); err != nil || !slices.Contains(got, "connevents.v1.ConnectionEventService") {
		t.Errorf("reflection with the key: %v, %v", got, err)
	}
	hc, err := healthpb.NewHealthClient(s.Conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health without a key: %v, %v", hc, err)
	}
	if resp, _ := get(t, s.BaseURL+"/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz without a key: %s", resp.Status)
	}
}

func TestGetEvent(t *testing.T) {
	s := testserver.Start(t, nil)
	ids := seed(t, s, 1)
	ctx := context.Background()
	basic, err := s.Client.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: ids[0]})
	if err != nil || basic.GetEvent().GetId() != ids[0] || basic.GetEvent().GetRaw() != nil {
		t.Fatalf("basic view: %v, %v (raw must be absent)", basic, err)
	}
	full, err := s.Client.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: ids[0], View: conneventsv1.EventView_EVENT_VIEW_FULL})
	if err != nil || len(full.GetEvent().GetRaw()) == 0 {
		t.Fatalf("full view: %v, %v (raw must be present)", full, err)
	}
	_, err = s.Client.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: "01234567-0000-7000-8000-000000000000"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown id over gRPC: %v, want NOT_FOUND", err)
	}
	resp, body := get(t, s.BaseURL+"/v1/events/01234567-0000-7000-8000-000000000000", "")
	if resp.StatusCode != http.StatusNotFound || errorReason(t, body) != "NOT_FOUND" {
		t.Fatalf("unknown id over REST: %s %s, want 404", resp.Status, body)
	}
	resp, body = get(t, s.BaseURL+"/v1/events/"+ids[0], "")
	var got struct{ Event map[string]any }
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("REST get: %s %s", resp.Status, body)
	}
	if got.Event["sourceEventType"] != fasten.TypeConnectionSuccess || got.Event["type"] != "EVENT_TYPE_CONNECTION_AUTHORIZED" {
		t.Fatalf("REST JSON uses lowerCamelCase names and enum strings; got %v", got.Event)
	}
}

func TestListPagingAndFilters(t *testing.T) {
	s := testserver.Start(t, nil)
	ids := seed(t, s, 12)
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)
	if got := listAllGRPC(t, s, &conneventsv1.ListEventsRequest{PageSize: 5}); !slices.Equal(got, newestFirst) {
		t.Errorf("gRPC pages newest first: %v, want %v", got, newestFirst)
	}
	if got := listAllGRPC(t, s, &conneventsv1.ListEventsRequest{PageSize: 4, OrderBy: "sequence asc"}); !slices.Equal(got, ids) {
		t.Errorf("gRPC pages oldest first: %v, want %v", got, ids)
	}
	if got := listAllREST(t, s, "pageSize=5"); !slices.Equal(got, newestFirst) {
		t.Errorf("REST pages: %v, want %v", got, newestFirst)
	}
	failed := []string{ids[1], ids[4], ids[7], ids[10]}
	slices.Reverse(failed)
	if got := listAllREST(t, s, "filter.types=EVENT_TYPE_DATA_TRANSFER_FAILED&filter.sources=SOURCE_FASTEN&pageSize=3"); !slices.Equal(got, failed) {
		t.Errorf("REST filter by type: %v, want %v", got, failed)
	}
	if got := listAllREST(t, s, "filter.sources=SOURCE_ONEUP"); len(got) != 0 {
		t.Errorf("REST filter by another source: %v, want none", got)
	}
	if got := listAllREST(t, s, "filter.patient=patient-1&filter.types=EVENT_TYPE_TEST&filter.types=EVENT_TYPE_CONNECTION_AUTHORIZED"); len(got) != 4 {
		t.Errorf("REST patient AND (type OR type): %d events, want 4", len(got))
	}
}

func TestListErrors(t *testing.T) {
	s := testserver.Start(t, nil)
	seed(t, s, 3)
	ctx := context.Background()
	first, err := s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{PageSize: 1})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, %v", first, err)
	}
	cases := []struct {
		name   string
		req    *conneventsv1.ListEventsRequest
		query  string
		reason string
	}{
		{"garbage token", &conneventsv1.ListEventsRequest{PageToken: "zzz"}, "pageToken=zzz", "PAGE_TOKEN_INVALID"},
		{"token with another filter", &conneventsv1.ListEventsRequest{PageToken: first.GetNextPageToken(), Filter: &conneventsv1.EventFilter{Patient: "x"}},
			"pageToken=" + first.GetNextPageToken() + "&filter.patient=x", "PAGE_TOKEN_INVALID"},
		{"negative page size", &conneventsv1.ListEventsRequest{PageSize: -1}, "pageSize=-1", "PAGE_SIZE_NEGATIVE"},
		{"unknown order", &conneventsv1.ListEventsRequest{OrderBy: "name"}, "orderBy=name", "ORDER_BY_INVALID"},
	}
	resp, body := get(t, s.BaseURL+"/v1/events?filter.types=NOT_A_TYPE", "")
	if resp.StatusCode != http.StatusBadRequest || errorReason(t, body) != "INVALID_REQUEST" {
		t.Errorf("REST with an unknown enum value: %s %s, want 400 INVALID_REQUEST", resp.Status, body)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Client.ListEvents(ctx, c.req)
			if status.Code(err) != codes.InvalidArgument || string(api.ReasonOf(err)) != c.reason {
				t.Errorf("gRPC: %v (reason %q), want INVALID_ARGUMENT %s", err, api.ReasonOf(err), c.reason)
			}
			resp, body := get(t, s.BaseURL+"/v1/events?"+c.query, "")
			if resp.StatusCode != http.StatusBadRequest || errorReason(t, body) != c.reason {
				t.Errorf("REST: %s %s, want 400 %s", resp.Status, body, c.reason)
			}
		})
	}
	big, err := s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{PageSize: 5000})
	if err != nil || len(big.GetEvents()) != 3 {
		t.Errorf("a page size above the maximum is lowered, not refused: %v", err)
	}
}

func TestEmptyListAndOpenAPI(t *testing.T) {
	s := testserver.Start(t, nil)
	resp, body := get(t, s.BaseURL+"/v1/events", "")
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s", resp.Status, body)
	}
	if events, ok := got["events"].([]any); !ok || len(events) != 0 {
		t.Fatalf(`an empty store answers {"events": []}, got %s`, body)
	}
	resp, body = get(t, s.BaseURL+"/openapi.json", "")
	var doc struct{ Paths map[string]any }
	if err := json.Unmarshal(body, &doc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi: %s", resp.Status)
	}
	for _, p := range []string{"/v1/events", "/v1/events/{id}", "/v1/events:subscribe", "/v1/sources"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}

func TestRefusesOpenNonLoopback(t *testing.T) {
	cfg := testserver.Config(t)
	cfg.HTTPAddr = "0.0.0.0:0"
	if _, err := server.New(context.Background(), cfg, nil); err == nil {
		t.Fatal("started without API keys on a non-loopback address")
	}
	// Both listeners public: one error naming both, on one line.
	cfg.GRPCAddr = "0.0.0.0:0"
	if err := cfg.Validate(); err == nil || strings.Count(err.Error(), "\n") != 0 ||
		!strings.Contains(err.Error(), "0.0.0.0:0 and 0.0.0.0:0 are not loopback addresses") {
		t.Errorf("two public listeners without keys: %v", err)
	}
	cfg.InsecureNoAuth = true
	if err := cfg.Validate(); err != nil {
		t.Fatalf("--insecure-no-auth: %v", err)
	}
	cfg.FastenInsecureNoVerify = true
	if err := cfg.Validate(); err == nil {
		t.Fatal("--fasten-insecure-no-verify accepted on a non-loopback address")
	}
}

func TestRetentionMinimum(t *testing.T) {
	cfg := testserver.Config(t)
	for _, c := range []struct {
		retention time.Duration
		ok        bool
	}{{0, true}, {time.Hour, false}, {-time.Hour, false}, {server.MinRetention, true}} {
		cfg.Retention = c.retention
		if err := cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("--retention %s: %v", c.retention, err)
		}
	}
}

// reflectionServices lists the services the server reflects.
func reflectionServices(ctx context.Context, s *testserver.Server) ([]string, error) {
	stream, err := reflectionpb.NewServerReflectionClient(s.Conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer stream.CloseSend()
	// A refused stream makes Send fail with io.EOF; Recv has the status.
	_ = stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		names = append(names, svc.GetName())
	}
	return names, nil
}

func listAllGRPC(t *testing.T, s *testserver.Server, req *conneventsv1.ListEventsRequest) []string {
	t.Helper()
	var ids []string
	for {
		resp, err := s.Client.ListEvents(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range resp.GetEvents() {
			ids = append(ids, ev.GetId())
		}
		if resp.GetNextPageToken() == "" {
			return ids
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

func listAllREST(t *testing.T, s *testserver.Server, query string) []string {
	t.Helper()
	var ids []string
	token := ""
	for {
		resp, body := get(t, s.BaseURL+"/v1/events?"+query+"&pageToken="+token, "")
		var page struct {
			Events        []struct{ ID string }
			NextPageToken string
		}
		if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s", resp.Status, body)
		}
		for _, ev := range page.Events {
			ids = append(ids, ev.ID)
		}
		if page.NextPageToken == "" {
			return ids
		}
		token = page.NextPageToken
	}
}

func get(t *testing.T, url, key string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return testserver.Do(t, req)
}

func errorReason(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Reason string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	return e.Reason
}
