package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/test/testserver"
)

// TestAccessLogPrints: the records of reads are printed, filtered by the
// flags.
func TestAccessLogPrints(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{"admin-secret-0123456789"} })
	ctx := contextWithKey("admin-secret-0123456789")
	for _, p := range []string{"patient-a", "patient-b"} {
		if _, err := s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{Filter: &conneventsv1.EventFilter{Patient: p}}); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	o, err := parseAccessLog([]string{"--addr", s.GRPCAddr(), "--api-key", "admin-secret-0123456789", "--patient", "patient-b", "--since", "1h"})
	if err != nil {
		t.Fatal(err)
	}
	o.out = &out
	if err := o.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "ListEvents") || !strings.Contains(lines[1], "patient-b") || !strings.Contains(lines[1], "key-1") {
		t.Errorf("access-log --patient patient-b printed:\n%s", out.String())
	}
	if _, err := parseAccessLog([]string{"--since", "yesterday"}); err == nil {
		t.Error("--since yesterday accepted")
	}
}

func contextWithKey(key string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
}
