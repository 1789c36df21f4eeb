package durability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/test/testserver"
)

// ack is what the service answered for one stored event.
type ack struct {
	eventID  string
	sequence int64
}

// sendFasten posts one signed delivery with envelope id key and returns
// the acknowledgement, or an error when the delivery was not acknowledged.
func sendFasten(ctx context.Context, client *http.Client, base, key string) (ack, error) {
	body, err := fasten.Sample(fasten.TypeConnectionSuccess, fasten.WithID(key))
	if err != nil {
		return ack{}, err
	}
	h, err := fasten.SignedHeaders(testserver.Secret, body, time.Now())
	if err != nil {
		return ack{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/webhooks/fasten", bytes.NewReader(body))
	if err != nil {
		return ack{}, err
	}
	req.Header.Set(fasten.HeaderID, h.ID)
	req.Header.Set(fasten.HeaderTimestamp, h.Timestamp)
	req.Header.Set(fasten.HeaderSignature, h.Signature)
	resp, err := client.Do(req)
	if err != nil {
		return ack{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return ack{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return ack{}, fmt.Errorf("status %d", resp.StatusCode)
	}
	return parseFastenAck(b)
}

func parseFastenAck(b []byte) (ack, error) {
	var out struct {
		Result struct {
			Status   string `json:"status"`
			EventID  string `json:"eventId"`
			Sequence string `json:"sequence"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return ack{}, err
	}
	seq, err := strconv.ParseInt(out.Result.Sequence, 10, 64)
	if err != nil || out.Result.EventID == "" {
		return ack{}, fmt.Errorf("unexpected answer %s", b)
	}
	return ack{eventID: out.Result.EventID, sequence: seq}, nil
}

// sendOneUp ingests one AuditEvent per key in one gRPC call.
func sendOneUp(ctx context.Context, client conneventsv1.ConnectionEventServiceClient, keys []string) ([]ack, error) {
	var payload bytes.Buffer
	for _, k := range keys {
		payload.Write(oneuptest.AuditEvent(oneuptest.Event{
			ID: k, Subtype: "member-authorization", Recorded: time.Now(), Outcome: "0", UserID: "u1",
		}))
		payload.WriteByte('\n')
	}
	resp, err := client.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{
		ContentType: "application/fhir+ndjson", Payload: payload.Bytes(),
	})
	if err != nil {
		return nil, err
	}
	acks := make([]ack, len(keys))
	for i, r := range resp.GetResults() {
		if r.GetEventId() == "" || r.GetSourceEventId() != keys[i] {
			return nil, fmt.Errorf("item %d: unexpected result %v", i, r.GetStatus())
		}
		acks[i] = ack{eventID: r.GetEventId(), sequence: r.GetSequence()}
	}
	return acks, nil
}

func dialGRPC(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
}
