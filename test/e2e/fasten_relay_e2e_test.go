package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

const relayAPIKey = "e2e-relay-key-5b7c"

// relayRequest is a delivery as a relay forwards it over gRPC.
func relayRequest(t *testing.T, secret string, body []byte) *conneventsv1.IngestFastenWebhookRequest {
	t.Helper()
	h, err := fasten.SignedHeaders(secret, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &conneventsv1.IngestFastenWebhookRequest{
		Payload: body, WebhookId: h.ID, WebhookTimestamp: h.Timestamp, WebhookSignature: h.Signature,
	}
}

// TestFastenGRPCRelay: with API keys configured, the relay RPC needs a key
// and a valid signature, while Fasten's own HTTP route needs only the
// signature.
func TestFastenGRPCRelay(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{relayAPIKey} })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	withKey := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+relayAPIKey)
	tests := []struct {
		name   string
		ctx    context.Context
		req    *conneventsv1.IngestFastenWebhookRequest
		code   codes.Code
		reason reason.Reason
	}{
		{"no key", ctx, relayRequest(t, testserver.Secret, sample(t, fasten.TypeWebhookTest)), codes.Unauthenticated, reason.APIKeyInvalid},
		{"wrong key", metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer nope"),
			relayRequest(t, testserver.Secret, sample(t, fasten.TypeWebhookTest)), codes.Unauthenticated, reason.APIKeyInvalid},
		{"key, bad signature", withKey, relayRequest(t, otherSecret, sample(t, fasten.TypeWebhookTest)),
			codes.Unauthenticated, reason.SignatureInvalid},
		{"key, no signature", withKey, &conneventsv1.IngestFastenWebhookRequest{Payload: sample(t, fasten.TypeWebhookTest)},
			codes.Unauthenticated, reason.SignatureMissing},
		{"key, body over 256 KiB", withKey, relayRequest(t, testserver.Secret, sample(t, fasten.TypeRequestSupport,
			fasten.WithData("body", strings.Repeat("x", fasten.MaxBodyBytes)))), codes.InvalidArgument, reason.BodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Client.IngestFastenWebhook(tt.ctx, tt.req)
			if status.Code(err) != tt.code || api.ReasonOf(err) != tt.reason {
				t.Fatalf("IngestFastenWebhook = %v, want %v with reason %q", err, tt.code, tt.reason)
			}
			if n := len(listEvents(t, s, relayAPIKey)); n != 0 {
				t.Fatalf("%d events stored", n)
			}
		})
	}

	relayed := sample(t, fasten.TypeConnectionSuccess)
	resp, err := s.Client.IngestFastenWebhook(withKey, relayRequest(t, testserver.Secret, relayed))
	if err != nil || resp.GetResult().GetStatus() != conneventsv1.IngestStatus_INGEST_STATUS_STORED {
		t.Fatalf("relay with key and signature = %v, %v", resp, err)
	}
	direct := sample(t, fasten.TypeWebhookTest)
	answer := accept(t, s, signed(t, direct), "INGEST_STATUS_STORED") // no API key

	events := listEvents(t, s, relayAPIKey)
	if len(events) != 2 {
		t.Fatalf("%d events listed, want 2", len(events))
	}
	if got := bySourceID(t, events, envelope(t, relayed)["id"].(string)).str("id"); got != resp.GetResult().GetEventId() {
		t.Errorf("relayed event listed as %s, answered %s", got, resp.GetResult().GetEventId())
	}
	if got := bySourceID(t, events, envelope(t, direct)["id"].(string)).str("id"); got != answer.Result.EventID {
		t.Errorf("webhook event listed as %s, answered %s", got, answer.Result.EventID)
	}
	requireRESTNeedsKey(t, s)
}

// requireRESTNeedsKey checks that the API keys do guard the REST API, so
// that the webhook route working without one means something.
func requireRESTNeedsKey(t *testing.T, s *testserver.Server) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.BaseURL+"/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := testserver.Do(t, req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /v1/events without a key: %d %s, want 401", resp.StatusCode, body)
	}
}
