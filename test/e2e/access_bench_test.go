package e2e

import (
	"context"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/test/testserver"
)

// BenchmarkGetEventAccessLog measures GetEvent over gRPC from parallel
// clients (GOMAXPROCS × -cpu goroutines; use -cpu 1,8,32) with the access
// log on (the default: one durable record per call, group-committed) and
// off (server.WithoutAccessLog), on each backend. The target: on
// ≥ 0.9× off.
func BenchmarkGetEventAccessLog(b *testing.B) {
	backends := []struct {
		name     string
		database func(testing.TB) string
	}{{"sqlite", nil}, {"postgres", pgtest.Schema}}
	for _, be := range backends {
		for _, c := range []struct {
			name string
			opts []server.Option
		}{{"on", nil}, {"off", []server.Option{server.WithoutAccessLog()}}} {
			b.Run(be.name+"/"+c.name, func(b *testing.B) {
				s := testserver.Start(b, func(cfg *server.Config) {
					if be.database != nil {
						cfg.Database = be.database(b)
					}
				}, c.opts...)
				benchGetEvent(b, s, seed(b, s, 1)[0])
			})
		}
	}
}

func benchGetEvent(b *testing.B, s *testserver.Server, id string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Client.GetEvent(context.Background(), &conneventsv1.GetEventRequest{Id: id}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
