package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
)

// TestDemo runs a shortened `connevents demo --exit` on a database of its
// own and checks what it stored: every scripted event of both sources once
// (the Fasten retry and the pushed AuditEvent were answered as duplicates),
// covering every unified event type.
func TestDemo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	o, err := parseDemo([]string{"--duration", "3s", "--exit", "--database", "sqlite:" + path,
		"--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0", "--metrics-addr", "", "--log-level", "error"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := o.run(ctx, &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"http://127.0.0.1:", "/console/", "tail --from-start --addr 127.0.0.1:", "events stored"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "DUPLICATE"); n != 2 {
		t.Errorf("%d duplicate answers, want 2 (the Fasten retry and the pushed AuditEvent):\n%s", n, out.String())
	}
	checkDemoStore(t, path)
}

// checkDemoStore compares the stored events with the script.
func checkDemoStore(t *testing.T, path string) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events, err := st.List(context.Background(), store.Query{Order: store.Ascending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[conneventsv1.Source]int{}
	types := map[conneventsv1.EventType]bool{}
	for _, ev := range events {
		bySource[ev.GetSource()]++
		types[ev.GetType()] = true
	}
	wantFasten, wantOneUp := 0, 0
	for _, s := range demoScript() {
		switch {
		case s.fasten != nil && s.fasten.retryOf == "":
			wantFasten++
		case s.oneup != nil && !s.oneup.push:
			wantOneUp++
		}
	}
	if bySource[conneventsv1.Source_SOURCE_FASTEN] != wantFasten || bySource[conneventsv1.Source_SOURCE_ONEUP] != wantOneUp {
		t.Errorf("stored %v, want %d Fasten and %d 1upHealth events", bySource, wantFasten, wantOneUp)
	}
	for v := range conneventsv1.EventType_name {
		if typ := conneventsv1.EventType(v); typ != conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED && !types[typ] {
			t.Errorf("the demo stored no %v", typ)
		}
	}
}
