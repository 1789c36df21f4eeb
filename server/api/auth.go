package api

import (
	"context"

	middleware "github.com/grpc-ecosystem/go-grpc-middleware/v2"
	"google.golang.org/grpc"

	"github.com/connevents/connevents/server/auth"
)

// UnaryAuth refuses unary calls that server/auth does not allow, and
// passes the Caller on in the context of those it does.
func UnaryAuth(k *auth.Keys) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		caller, err := k.CheckGRPC(ctx, info.FullMethod)
		if err != nil {
			return nil, Status(err).Err()
		}
		return next(auth.NewContext(ctx, caller), req)
	}
}

// StreamAuth is UnaryAuth for streams.
func StreamAuth(k *auth.Keys) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
		caller, err := k.CheckGRPC(ss.Context(), info.FullMethod)
		if err != nil {
			return Status(err).Err()
		}
		wrapped := middleware.WrapServerStream(ss)
		wrapped.WrappedContext = auth.NewContext(ss.Context(), caller)
		return next(srv, wrapped)
	}
}
