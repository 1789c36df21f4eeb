package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// BenchmarkWebhookIngest posts signed, unique Fasten deliveries from
// parallel clients (-cpu N × GOMAXPROCS goroutines) to a real server on
// SQLite: each is durable before its 200, with no subscribers and with 300
// that never read. For profiles of the ingest path (-cpuprofile); the load
// tool's webhook rows are the figures.
func BenchmarkWebhookIngest(b *testing.B) {
	for _, stalled := range []int{0, 300} {
		b.Run(fmt.Sprintf("stalled=%d", stalled), func(b *testing.B) {
			s := testserver.Start(b, nil)
			openStalled(b, s, stalled)
			benchWebhooks(b, s)
		})
	}
}

// openStalled opens n subscriptions that never read, over connections
// whose fixed 64 KiB windows stall the server's sends once full.
func openStalled(b *testing.B, s *testserver.Server, n int) {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	var client conneventsv1.ConnectionEventServiceClient
	for i := range n {
		if i%100 == 0 {
			conn, err := grpc.NewClient(s.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { conn.Close() })
			client = conneventsv1.NewConnectionEventServiceClient(conn)
		}
		st, err := client.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{})
		if err == nil {
			_, err = st.Header()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchWebhooks(b *testing.B, s *testserver.Server) {
	types := []string{fasten.TypeConnectionSuccess, fasten.TypeEHIExportSuccess}
	var n atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body, err := fasten.Sample(types[i%2], fasten.WithID(fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)))
			if err != nil {
				b.Error(err)
				return
			}
			h, err := fasten.SignedHeaders(testserver.Secret, body, time.Now())
			if err != nil {
				b.Error(err)
				return
			}
			req, _ := http.NewRequest(http.MethodPost, s.BaseURL+"/v1/webhooks/fasten", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(fasten.HeaderID, h.ID)
			req.Header.Set(fasten.HeaderTimestamp, h.Timestamp)
			req.Header.Set(fasten.HeaderSignature, h.Signature)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			// Drained, so that the client reuses its connection.
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
