package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/connevents/connevents/server/reason"
)

func TestCheck(t *testing.T) {
	k := NewKeys([]string{"k1", "k2"})
	const method = "/connevents.v1.ConnectionEventService/ListEvents"
	grpcCtx := func(auth ...string) context.Context {
		md := metadata.MD{}
		for _, a := range auth {
			md.Append("authorization", a)
		}
		return metadata.NewIncomingContext(context.Background(), md)
	}
	tests := []struct {
		name   string
		ctx    context.Context
		method string
		ok     bool
	}{
		{"second key", grpcCtx("Bearer k2"), method, true},
		{"one good value among several", grpcCtx("Bearer nope", "Bearer k1"), method, true},
		{"wrong key", grpcCtx("Bearer k3"), method, false},
		{"no scheme", grpcCtx("k1"), method, false},
		{"empty token", grpcCtx("Bearer "), method, false},
		{"no metadata", context.Background(), method, false},
		{"health is exempt", context.Background(), "/grpc.health.v1.Health/Check", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := k.CheckGRPC(tt.ctx, tt.method)
			if (err == nil) != tt.ok || (err != nil && (!errors.Is(err, ErrKeyInvalid) || reason.Of(err) != reason.APIKeyInvalid)) {
				t.Errorf("CheckGRPC = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	if err := NewKeys(nil).CheckGRPC(context.Background(), method); err != nil {
		t.Errorf("no keys configured: %v", err)
	}
	r := httptest.NewRequest("GET", "/v1/events", nil)
	if err := k.CheckHTTP(r); !errors.Is(err, ErrKeyInvalid) {
		t.Errorf("HTTP without a key: %v", err)
	}
	r.Header.Set("Authorization", "Bearer k1")
	if err := k.CheckHTTP(r); err != nil {
		t.Errorf("HTTP with a key: %v", err)
	}
}
