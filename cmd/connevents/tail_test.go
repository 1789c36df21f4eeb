package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// lineWriter hands each printed line to a channel.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		w <- l
	}
	return len(p), nil
}

func deliver(t *testing.T, s *testserver.Server, typ string) {
	t.Helper()
	body, err := fasten.Sample(typ)
	if err != nil {
		t.Fatal(err)
	}
	if resp, answer := s.SendFasten(t, testserver.Secret, body); resp.StatusCode != 200 {
		t.Fatalf("%s %s", resp.Status, answer)
	}
}

func waitLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l := <-lines:
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("tail printed nothing")
		return ""
	}
}

// tail replays from the start, follows live events, filters, and carries on
// from its cursor across a server restart without repeating an event.
func TestTailFollowsAcrossRestart(t *testing.T) {
	first := testserver.Start(t, nil)
	deliver(t, first, fasten.TypeConnectionSuccess)
	deliver(t, first, fasten.TypeWebhookTest) // filtered out below

	o, err := parseTail([]string{"--addr", first.GRPCAddr(), "--from-start", "--stage", "authorization", "--type", "EVENT_TYPE_CONNECTION_AUTHORIZED"})
	if err != nil {
		t.Fatal(err)
	}
	lines := make(lineWriter, 16)
	o.out = lines
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.run(ctx) }()
	defer func() { cancel(); <-done }()

	if l := waitLine(t, lines); !strings.Contains(l, "#1 ") || !strings.Contains(l, "CONNECTION_AUTHORIZED") {
		t.Fatalf("first line %q", l)
	}
	cfg := first.Config
	cfg.GRPCAddr, cfg.HTTPAddr = first.GRPCAddr(), first.HTTPAddr()
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	second := testserver.Start(t, func(c *server.Config) { *c = cfg })
	deliver(t, second, fasten.TypeConnectionSuccess)
	if l := waitLine(t, lines); !strings.Contains(l, "#3 ") {
		t.Fatalf("after the restart tail printed %q, want event #3 only", l)
	}
}

func TestTailRejectsUnknownEnum(t *testing.T) {
	_, err := parseTail([]string{"--type", "NOT_A_TYPE"})
	if err == nil || !strings.Contains(err.Error(), "NOT_A_TYPE") {
		t.Fatalf("got %v", err)
	}
}
