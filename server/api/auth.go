package api

import (
	"context"

	"google.golang.org/grpc"

	"github.com/connevents/connevents/server/auth"
)

// UnaryAuth rejects unary calls without a valid API key.
func UnaryAuth(k *auth.Keys) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		if err := k.CheckGRPC(ctx, info.FullMethod); err != nil {
			return nil, Status(err).Err()
		}
		return next(ctx, req)
	}
}

// StreamAuth rejects streams without a valid API key.
func StreamAuth(k *auth.Keys) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
		if err := k.CheckGRPC(ss.Context(), info.FullMethod); err != nil {
			return Status(err).Err()
		}
		return next(srv, ss)
	}
}
