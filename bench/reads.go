package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
)

// listPageSize is the page size of the ListEvents rows.
const listPageSize = 100

// readsPhase: GetEvent and ListEvents over gRPC and REST on a large store,
// and the same calls against the empty service.
func (b *Bench) readsPhase(ctx context.Context) error {
	path, ids, err := b.readStore(ctx)
	if err != nil {
		return err
	}
	svc, err := b.startService(ctx, path)
	if err != nil {
		return err
	}
	defer svc.stop()
	s, err := stubFor(ctx, svc.client, ids[0])
	if err != nil {
		return err
	}
	st, err := serveStub(ctx, s)
	if err != nil {
		return err
	}
	defer st.stop()
	stubConn, err := dialGRPC(st.grpcAddr)
	if err != nil {
		return err
	}
	defer stubConn.Close()
	real := target{grpc: svc.client, baseURL: svc.baseURL}
	empty := target{grpc: conneventsv1.NewConnectionEventServiceClient(stubConn), baseURL: st.baseURL}
	calls := b.readCalls(ids)
	for _, c := range calls {
		b.readRows(ctx, c, real, empty)
	}
	return b.accessLogRow(ctx, path, calls[0], real)
}

// accessLogRow measures GetEvent over gRPC with the access log on (the
// service as it runs) and off (a second service on the same store, with
// server.WithoutAccessLog), back to back.
func (b *Bench) accessLogRow(ctx context.Context, path string, get readCall, on target) error {
	svc, err := b.startService(ctx, path, server.WithoutAccessLog())
	if err != nil {
		return err
	}
	defer svc.stop()
	off := target{grpc: svc.client, baseURL: svc.baseURL}
	run := func(phase string, t target) stats {
		return b.closedLoop(ctx, phase, b.cfg.Clients, b.cfg.Duration, b.maxOps(0), func(ctx context.Context, i int) (int, error) {
			return 1, get.grpc(ctx, t, i)
		})
	}
	withLog := run("GetEvent gRPC, access log on", on)
	without := run("GetEvent gRPC, access log off", off)
	r := Result{Name: fmt.Sprintf("GetEvent on %s events, gRPC, access log on (a durable record per read)", humanCount(b.cfg.Rows)),
		Value: withLog.rate(), Unit: "req/s", P50: withLog.percentile(0.5), P99: withLog.percentile(0.99),
		Note: b.errorNote("GetEvent gRPC, access log on", withLog)}
	r = r.withCeiling("access log off", without.rate())
	b.add(r.withTarget("≥ 0.9×", r.Ratio >= 0.9))
	return nil
}

// target is a service to read from, over gRPC and REST.
type target struct {
	grpc    conneventsv1.ConnectionEventServiceClient
	baseURL string
}

// readCall is one read, over gRPC and over REST.
type readCall struct {
	name string
	grpc func(ctx context.Context, t target, i int) error
	rest func(ctx context.Context, c *http.Client, t target, i int) error
}

func (b *Bench) readCalls(ids []string) []readCall {
	return []readCall{{
		name: "GetEvent",
		grpc: func(ctx context.Context, t target, i int) error {
			_, err := t.grpc.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: ids[i%len(ids)]})
			return err
		},
		rest: func(ctx context.Context, c *http.Client, t target, i int) error {
			return get(ctx, c, t.baseURL+"/v1/events/"+ids[i%len(ids)])
		},
	}, {
		name: fmt.Sprintf("ListEvents (page of %d)", listPageSize),
		grpc: func(ctx context.Context, t target, i int) error {
			_, err := t.grpc.ListEvents(ctx, &conneventsv1.ListEventsRequest{PageSize: listPageSize})
			return err
		},
		rest: func(ctx context.Context, c *http.Client, t target, i int) error {
			return get(ctx, c, t.baseURL+"/v1/events?pageSize="+strconv.Itoa(listPageSize))
		},
	}}
}

// readRows measures one call over gRPC and REST, each against the real
// service and the empty one.
func (b *Bench) readRows(ctx context.Context, c readCall, real, empty target) {
	client := newHTTPClient(b.cfg.Clients)
	defer client.CloseIdleConnections()
	run := func(phase string, t target, rest bool) stats {
		return b.closedLoop(ctx, phase, b.cfg.Clients, b.cfg.Duration, b.maxOps(0), func(ctx context.Context, i int) (int, error) {
			if rest {
				return 1, c.rest(ctx, client, t, i)
			}
			return 1, c.grpc(ctx, t, i)
		})
	}
	label := fmt.Sprintf("%s on %s events", c.name, humanCount(b.cfg.Rows))
	g := run(c.name+" gRPC", real, false)
	gc := run(c.name+" gRPC, empty handler", empty, false)
	r := run(c.name+" REST", real, true)
	rc := run(c.name+" REST, empty handler", empty, true)
	gr := Result{Name: label + ", gRPC", Value: g.rate(), Unit: "req/s", P50: g.percentile(0.5), P99: g.percentile(0.99),
		Note: b.errorNote(c.name+" gRPC", g)}
	b.add(gr.withCeiling("empty gRPC handler", gc.rate()))
	rr := Result{Name: label + ", REST", Value: r.rate(), Unit: "req/s", P50: r.percentile(0.5), P99: r.percentile(0.99),
		Note: b.errorNote(c.name+" REST", r)}
	rr = rr.withCeiling("empty handler via in-process gateway", rc.rate())
	vsGRPC := r.rate() / g.rate()
	b.add(rr.withTarget(fmt.Sprintf("≥ 0.5× gRPC (%.2f×)", vsGRPC), vsGRPC >= 0.5))
}

func humanCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}
