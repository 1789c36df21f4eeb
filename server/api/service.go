package api

import (
	"context"
	"log/slog"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/deadletter"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/status"
	"github.com/connevents/connevents/server/store"
)

// Ingester is the one way into the store (server/ingest).
type Ingester interface {
	Ingest(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error)
}

// Subscriber serves SubscribeEvents and SubscribeConnections
// (server/stream).
type Subscriber interface {
	Subscribe(req *conneventsv1.SubscribeEventsRequest, stream conneventsv1.ConnectionEventService_SubscribeEventsServer) error
	SubscribeConnections(req *conneventsv1.SubscribeConnectionsRequest, stream conneventsv1.ConnectionEventService_SubscribeConnectionsServer) error
}

// Service implements conneventsv1.ConnectionEventServiceServer.
type Service struct {
	conneventsv1.UnimplementedConnectionEventServiceServer

	store    store.Store
	ingester Ingester
	streams  Subscriber
	board    *status.Board
	keeper   *deadletter.Keeper
	verifier *fasten.Verifier
	noVerify bool
	logger   *slog.Logger
	now      func() time.Time
}

// Deps are what a Service is built from.
type Deps struct {
	Store    store.Store
	Ingester Ingester
	Streams  Subscriber
	// Board owns every source's status. The service reports the doors'
	// rejections and Fasten's last success there, and reads it for
	// ListSourceStatuses and GetSourceStatus.
	Board *status.Board
	// Keeper keeps what the doors cannot normalize; nil: one over Store
	// that counts on Board.
	Keeper *deadletter.Keeper
	// Verifier checks Fasten signatures.
	Verifier *fasten.Verifier
	// SkipFastenVerification accepts unsigned Fasten deliveries
	// (--fasten-insecure-no-verify, local development only).
	SkipFastenVerification bool
	Logger                 *slog.Logger
	Now                    func() time.Time
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Board == nil {
		d.Board = status.NewBoard()
	}
	if d.Keeper == nil {
		d.Keeper = deadletter.NewKeeper(d.Store, d.Board, d.Logger)
	}
	return &Service{
		store: d.Store, ingester: d.Ingester, streams: d.Streams, board: d.Board, keeper: d.Keeper,
		verifier: d.Verifier, noVerify: d.SkipFastenVerification, logger: d.Logger, now: d.Now,
	}
}

var _ conneventsv1.ConnectionEventServiceServer = (*Service)(nil)

// SubscribeEvents streams matching events; see server/stream.
func (s *Service) SubscribeEvents(req *conneventsv1.SubscribeEventsRequest, ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	return s.toStatus(s.streams.Subscribe(req, ss))
}
