package bench

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
)

// Secret is the Fasten signing secret the bench's servers trust.
const Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// service is an in-process connevents on loopback.
type service struct {
	baseURL  string
	grpcAddr string
	conn     *grpc.ClientConn
	client   conneventsv1.ConnectionEventServiceClient
	stop     func()
}

// startService runs connevents on the SQLite database at dbPath (a new file
// in the bench's directory when empty), with opts.
func (b *Bench) startService(ctx context.Context, dbPath string, opts ...server.Option) (*service, error) {
	if dbPath == "" {
		dbPath = filepath.Join(b.tmp, "events-"+time.Now().Format("150405.000000")+".db")
	}
	cfg := server.DefaultConfig()
	cfg.GRPCAddr, cfg.HTTPAddr, cfg.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Database = "sqlite:" + dbPath
	cfg.FastenWebhookSecrets = []string{Secret}
	cfg.OneUp.PollInterval = 0
	cfg.ShutdownTimeout = 2 * time.Second
	srv, err := server.New(ctx, cfg, slog.New(slog.DiscardHandler), opts...)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(sctx); close(done) }()
	conn, err := dialGRPC(srv.GRPCAddr())
	if err != nil {
		cancel()
		<-done
		return nil, err
	}
	stop := func() { conn.Close(); cancel(); <-done }
	return &service{baseURL: "http://" + srv.HTTPAddr(), grpcAddr: srv.GRPCAddr(), conn: conn,
		client: conneventsv1.NewConnectionEventServiceClient(conn), stop: stop}, nil
}

func dialGRPC(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, dialOptions()...)
}

// dialOptions are the bench's client options: plaintext, large messages.
func dialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64 << 20))}
}

// startServeProcess runs `connevents serve` (b.cfg.Binary) as its own
// process on the database URL, logging as in production (JSON at info on
// stderr, read and dropped), so that its CPU time can be read apart from
// the clients'. extra are more serve flags.
func (b *Bench) startServeProcess(database string, extra ...string) (*service, *child, error) {
	args := append([]string{"serve", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--database", database, "--fasten-webhook-secrets", Secret, "--oneup-poll-interval", "0",
		"--max-subscriptions", "100000"}, extra...)
	c, err := startChild(b.cfg.Binary, args...)
	if err != nil {
		return nil, nil, err
	}
	conn, err := dialGRPC(c.grpcAddr)
	if err != nil {
		c.stop()
		return nil, nil, err
	}
	svc := &service{baseURL: "http://" + c.httpAddr, grpcAddr: c.grpcAddr, conn: conn,
		client: conneventsv1.NewConnectionEventServiceClient(conn), stop: func() { conn.Close(); c.stop() }}
	return svc, c, nil
}
