package durability

import (
	"context"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// killRounds is how many times the kill test kills the binary
// (CONNEVENTS_KILL_ROUNDS overrides the default of 20).
func killRounds(t *testing.T) int {
	if s := os.Getenv("CONNEVENTS_KILL_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("CONNEVENTS_KILL_ROUNDS=%q", s)
		}
		return n
	}
	return 20
}

// TestKillUnderLoad SIGKILLs the real binary at random moments while
// webhook and gRPC clients ingest concurrently, restarts it on the same
// database each time, and finally checks that every acknowledged event is
// stored exactly once, that sequences have no holes, and that the database
// passes its integrity check.
func TestKillUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	bin := buildBinary(t)
	dbPath := filepath.Join(t.TempDir(), "events.db")
	led := newLedger()
	for round := range killRounds(t) {
		p := startBinary(t, bin, dbPath)
		runUntilKilled(t, p, led, round)
	}
	n := led.count()
	if n == 0 {
		t.Fatal("no event was acknowledged in any round")
	}
	t.Logf("%d events acknowledged over %d rounds", n, killRounds(t))
	verifyDatabase(t, dbPath, led)
}

// runUntilKilled ingests from several clients and kills the process after
// a random delay; the clients' in-flight requests fail, unacknowledged.
func runUntilKilled(t *testing.T, p *process, led *ledger, round int) {
	t.Helper()
	conn, err := dialGRPC(p.grpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { webhookWorker(ctx, "http://"+p.httpAddr, led) })
		wg.Go(func() { grpcWorker(ctx, conneventsv1.NewConnectionEventServiceClient(conn), led, 1+w*5) })
	}
	// The first rounds kill early (during start-up traffic), later ones
	// after up to a second of load.
	delay := time.Duration(rand.IntN(50+round*50)) * time.Millisecond
	time.Sleep(delay)
	p.kill()
	cancel()
	wg.Wait()
}

func webhookWorker(ctx context.Context, base string, led *ledger) {
	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	for ctx.Err() == nil {
		key := led.nextKey("fasten")
		a, err := sendFasten(ctx, client, base, key)
		if err != nil {
			led.unacked("fasten", key)
			return
		}
		led.acked("fasten", key, a)
	}
}

func grpcWorker(ctx context.Context, client conneventsv1.ConnectionEventServiceClient, led *ledger, batch int) {
	for ctx.Err() == nil {
		keys := make([]string, batch)
		for i := range keys {
			keys[i] = led.nextKey("oneup")
		}
		acks, err := sendOneUp(ctx, client, keys)
		if err != nil {
			for _, k := range keys {
				led.unacked("oneup", k)
			}
			return
		}
		for i, k := range keys {
			led.acked("oneup", k, acks[i])
		}
	}
}

// ledger is what the clients were told, across rounds. Keys whose request
// failed are sent again in a later round: the store must then keep them
// once whether or not the killed process had committed them.
type ledger struct {
	mu      sync.Mutex
	acks    map[string]ack // source/key → ack
	pending map[string][]string
}

func newLedger() *ledger {
	return &ledger{acks: map[string]ack{}, pending: map[string][]string{}}
}

func (l *ledger) nextKey(source string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.pending[source]; len(p) > 0 {
		l.pending[source] = p[1:]
		return p[0]
	}
	return uuid.NewString()
}

func (l *ledger) unacked(source, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending[source] = append(l.pending[source], key)
}

func (l *ledger) acked(source, key string, a ack) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acks[source+"/"+key] = a
}

func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}
