package api

import (
	"context"
	"testing"

	"google.golang.org/grpc"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// TestEveryRPCDecided: each RPC of the service is either recorded in the
// access log or known not to return personal data.
func TestEveryRPCDecided(t *testing.T) {
	sd := conneventsv1.File_connevents_v1_service_proto.Services().Get(0)
	for i := range sd.Methods().Len() {
		full := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(i).Name())
		if _, ok := AccessLogged[full]; !ok {
			t.Errorf("%s is missing from AccessLogged: decide whether it returns personal data", full)
		}
	}
}

// TestInterceptedRunsEveryUnaryRPC: every unary RPC called through
// Intercepted goes through the interceptor (none is answered by the
// embedded UnimplementedConnectionEventServiceServer, nor bypasses it).
func TestInterceptedRunsEveryUnaryRPC(t *testing.T) {
	var seen []string
	ic := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		seen = append(seen, info.FullMethod)
		return nil, nil
	}
	for _, m := range conneventsv1.ConnectionEventService_ServiceDesc.Methods {
		seen = seen[:0]
		svc := Intercepted(&Service{}, ic)
		full := "/" + conneventsv1.ConnectionEventService_ServiceDesc.ServiceName + "/" + m.MethodName
		_, _ = m.Handler(svc, context.Background(), func(any) error { return nil }, nil)
		if len(seen) != 1 || seen[0] != full {
			t.Errorf("%s through Intercepted: interceptor saw %v", full, seen)
		}
	}
}
