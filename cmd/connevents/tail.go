package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// tailOptions are the flags of `connevents tail`.
type tailOptions struct {
	addr, apiKey, cursor string
	useTLS, fromStart    bool
	caFile               string
	json, full           bool
	connections          bool // journey changes instead of events
	filter               *conneventsv1.EventFilter
	journeys             *conneventsv1.ConnectionFilter
	out, errOut          io.Writer
}

// tail's retry delays: doubled after each failed attempt, back to the
// least once a subscription has received something.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// tail subscribes and prints events (or, with --connections, journey
// changes) as they arrive, reconnecting from the last cursor it received.
func tail(args []string) error {
	o, err := parseTail(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = o.run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func parseTail(args []string) (*tailOptions, error) {
	o := &tailOptions{filter: &conneventsv1.EventFilter{}, journeys: &conneventsv1.ConnectionFilter{}, out: os.Stdout, errOut: os.Stderr}
	fs := newFlagSet("tail", nil)
	fs.StringVar(&o.addr, "addr", envOr("CONNEVENTS_GRPC_ADDR", "127.0.0.1:9090"), "gRPC address of the server ($CONNEVENTS_GRPC_ADDR)")
	fs.StringVar(&o.apiKey, "api-key", "", "API key (default $CONNEVENTS_API_KEY)")
	fs.BoolVar(&o.useTLS, "tls", false, "connect with TLS, verifying the server against the system's CAs (or --ca-file)")
	fs.StringVar(&o.caFile, "ca-file", "", "verify the server against the CA certificates in this PEM file (implies --tls)")
	fs.BoolVar(&o.fromStart, "from-start", false, "replay the whole retained log first")
	fs.StringVar(&o.cursor, "cursor", "", "resume after this cursor")
	fs.BoolVar(&o.json, "json", false, "print each stream item as one JSON line (NDJSON)")
	fs.BoolVar(&o.full, "full", false, "include the raw vendor payload (with --json)")
	fs.BoolVar(&o.connections, "connections", false, "print connection journey changes instead of events")
	f, j := o.filter, o.journeys
	fs.Func("source", "only this source: FASTEN or ONEUP (repeatable)", enumFlag(&f.Sources))
	fs.Func("type", "only this event type, e.g. DATA_TRANSFER_FAILED (repeatable; events)", enumFlag(&f.Types))
	fs.Func("stage", "only this stage, e.g. AUTHORIZATION (repeatable; of a journey: its furthest stage)", enumFlag(&f.Stages))
	fs.Func("outcome", "only this outcome, e.g. SERIOUS_FAILURE (repeatable; events)", enumFlag(&f.Outcomes))
	fs.StringVar(&f.Patient, "patient", "", "only events or journeys about this patient identifier")
	fs.StringVar(&f.OrgConnectionId, "org-connection-id", "", "only events of this Fasten org connection")
	fs.Func("status", "only journeys in this status, e.g. STALLED (repeatable; with --connections)", enumFlag(&j.Statuses))
	fs.StringVar(&j.HealthSystem, "health-system", "", "only journeys with this health system id or name (with --connections)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := o.splitFilters(); err != nil {
		return nil, err
	}
	if o.apiKey == "" {
		o.apiKey = os.Getenv("CONNEVENTS_API_KEY")
	}
	return o, nil
}

// splitFilters moves the shared flags into the journey filter with
// --connections, and refuses flags that do not apply to what is tailed.
func (o *tailOptions) splitFilters() error {
	f, j := o.filter, o.journeys
	if !o.connections {
		if len(j.Statuses) > 0 || j.HealthSystem != "" {
			return errors.New("--status and --health-system need --connections")
		}
		return nil
	}
	if len(f.Types) > 0 || len(f.Outcomes) > 0 || f.OrgConnectionId != "" || o.full {
		return errors.New("--type, --outcome, --org-connection-id and --full apply to events, not --connections")
	}
	j.Sources, j.Stages, j.Patient = f.Sources, f.Stages, f.Patient
	return nil
}

// run keeps a subscription open until ctx ends or the server refuses it
// for good (bad key, bad cursor). Every failed attempt is reported on
// errOut with the delay before the next one.
func (o *tailOptions) run(ctx context.Context) error {
	conn, err := o.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	client := conneventsv1.NewConnectionEventServiceClient(conn)
	backoff, attempt := minBackoff, 1
	for {
		received, err := o.follow(ctx, client)
		if ctx.Err() != nil || permanent(err) {
			return err
		}
		if received > 0 {
			backoff, attempt = minBackoff, 1
		}
		fmt.Fprintf(o.errOut, "connevents tail: %s; retrying in %s (attempt %d)\n", o.failure(err, received), backoff, attempt)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff, attempt = min(2*backoff, maxBackoff), attempt+1
	}
}

// failure says why a subscription ended: the server could not be reached,
// or the stream broke after received items. It carries the gRPC code and
// message, never event data.
func (o *tailOptions) failure(err error, received int) string {
	st := status.Convert(err)
	switch {
	case received > 0:
		return fmt.Sprintf("the subscription ended after %d items (%s: %s); resuming from the last cursor", received, st.Code(), st.Message())
	case st.Code() == codes.Unavailable:
		return fmt.Sprintf("cannot reach the server at %s (%s)", o.addr, st.Message())
	}
	return fmt.Sprintf("the server at %s answered %s: %s", o.addr, st.Code(), st.Message())
}

// follow reads one subscription until it fails, advancing o.cursor, and
// returns how many items it received.
func (o *tailOptions) follow(ctx context.Context, client conneventsv1.ConnectionEventServiceClient) (int, error) {
	if o.apiKey != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+o.apiKey)
	}
	if o.connections {
		stream, err := client.SubscribeConnections(ctx, o.connectionsRequest())
		if err != nil {
			return 0, err
		}
		return receive(o, stream.Recv, o.printJourney)
	}
	stream, err := client.SubscribeEvents(ctx, o.request())
	if err != nil {
		return 0, err
	}
	return receive(o, stream.Recv, o.print)
}

// streamItem is an item of either subscription.
type streamItem interface {
	proto.Message
	GetCursor() string
}

// receive prints every item of a stream, advancing o.cursor, until the
// stream fails, and returns how many items it received.
func receive[T streamItem](o *tailOptions, recv func() (T, error), print func(T) error) (int, error) {
	for received := 0; ; received++ {
		item, err := recv()
		if err != nil {
			return received, err
		}
		o.cursor = item.GetCursor()
		if o.json {
			err = o.printJSON(item)
		} else {
			err = print(item)
		}
		if err != nil {
			return received, err
		}
	}
}

func (o *tailOptions) request() *conneventsv1.SubscribeEventsRequest {
	req := &conneventsv1.SubscribeEventsRequest{Filter: o.filter}
	if o.full {
		req.View = conneventsv1.EventView_EVENT_VIEW_FULL
	}
	switch {
	case o.cursor != "":
		req.Start = &conneventsv1.SubscribeEventsRequest_StartCursor{StartCursor: o.cursor}
	case o.fromStart:
		req.Start = &conneventsv1.SubscribeEventsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST}
	}
	return req
}

func (o *tailOptions) connectionsRequest() *conneventsv1.SubscribeConnectionsRequest {
	req := &conneventsv1.SubscribeConnectionsRequest{Filter: o.journeys}
	switch {
	case o.cursor != "":
		req.Start = &conneventsv1.SubscribeConnectionsRequest_StartCursor{StartCursor: o.cursor}
	case o.fromStart:
		req.Start = &conneventsv1.SubscribeConnectionsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST}
	}
	return req
}

func (o *tailOptions) printJSON(item proto.Message) error {
	b, err := protojson.Marshal(item)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.out, "%s\n", b)
	return err
}

// printJourney prints a journey change: when the journey changed, its id,
// source, status, furthest stage and current step.
func (o *tailOptions) printJourney(item *conneventsv1.SubscribeConnectionsResponse) error {
	j := item.GetConnection()
	if j == nil {
		return nil // checkpoints only move the cursor
	}
	_, err := fmt.Fprintf(o.out, "%s  %s  %-6s  %-11s  %-13s %s\n",
		j.GetUpdateTime().AsTime().Format(time.RFC3339), j.GetId(), trimEnum(j.GetSource().String(), "SOURCE_"),
		trimEnum(j.GetStatus().String(), "CONNECTION_STATUS_"), trimEnum(j.GetStage().String(), "STAGE_"),
		trimEnum(j.GetCurrentStep().String(), "EVENT_TYPE_"))
	return err
}

func (o *tailOptions) print(item *conneventsv1.SubscribeEventsResponse) error {
	ev := item.GetEvent()
	if ev == nil {
		return nil // checkpoints only move the cursor
	}
	_, err := fmt.Fprintf(o.out, "%s  #%d  %-6s  %-34s %-13s %-15s %s  %s\n",
		ev.GetOccurredAt().AsTime().Format(time.RFC3339), ev.GetSequence(), trimEnum(ev.GetSource().String(), "SOURCE_"),
		trimEnum(ev.GetType().String(), "EVENT_TYPE_"), trimEnum(ev.GetStage().String(), "STAGE_"),
		trimEnum(ev.GetOutcome().String(), "OUTCOME_"), ev.GetSourceEventType(), ev.GetId())
	return err
}

func (o *tailOptions) dial() (*grpc.ClientConn, error) { return dialServer(o.addr, o.useTLS, o.caFile) }

// dialServer connects to the gRPC listener at addr: plaintext, or TLS
// verified against the system's CAs or those of caFile.
func dialServer(addr string, useTLS bool, caFile string) (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if useTLS || caFile != "" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if caFile != "" {
			pool, err := loadCAs(caFile)
			if err != nil {
				return nil, err
			}
			cfg.RootCAs = pool
		}
		creds = credentials.NewTLS(cfg)
	}
	return grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
}

// loadCAs reads the PEM certificates of a --ca-file.
func loadCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// permanent errors end tail: retrying cannot fix them. Errors that are not
// gRPC statuses come from tail itself (it could not write its output).
func permanent(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return true
	}
	switch st.Code() {
	case codes.Unauthenticated, codes.PermissionDenied, codes.InvalidArgument, codes.FailedPrecondition, codes.Unimplemented:
		return true
	}
	return false
}

func trimEnum(name, prefix string) string { return strings.TrimPrefix(name, prefix) }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
