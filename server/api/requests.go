package api

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/grpccodec"
	"github.com/connevents/connevents/server/protowalk"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// maxRequestList bounds the values of one repeated request field: every
// enum has fewer values, and each value becomes a parameter of a query.
const maxRequestList = 100

// checkRequest is the rule for the text of a read or admin request, applied
// before it is served or recorded in the access log: no string may hold NUL
// or invalid UTF-8 (no stored text does, and PostgreSQL refuses it as a
// parameter), or be longer than store.MaxKeyBytes (no stored id, name or
// token is), no enum may hold a number it does not define, and no list
// may hold more than maxRequestList values. It
// answers INVALID_REQUEST naming the field, never its value. Ingest
// requests carry bytes, judged item by item (ingest.Storable): exempt,
// unless they are not protobuf at all (grpccodec.Undecodable), which no
// request may be.
func checkRequest(req any) error {
	m, ok := req.(proto.Message)
	if !ok {
		return nil
	}
	if why, bad := grpccodec.Undecodable(m); bad {
		return reason.New(reason.InvalidRequest, "the request cannot be decoded: "+why)
	}
	switch m.(type) {
	case *conneventsv1.IngestFastenWebhookRequest, *conneventsv1.IngestOneUpAuditEventsRequest:
		return nil
	}
	return protowalk.Walk(m.ProtoReflect(), protowalk.Visitor{Text: requestText, List: requestList, Enum: requestEnum})
}

func requestText(p protowalk.Path, s string) error {
	switch {
	case strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s):
		return reason.New(reason.InvalidRequest, p.String()+" holds a NUL character or invalid UTF-8")
	case len(s) > store.MaxKeyBytes:
		return reason.New(reason.InvalidRequest, fmt.Sprintf("%s is longer than %d bytes", p, store.MaxKeyBytes))
	}
	return nil
}

// requestEnum refuses a number its enum does not define: protobuf and
// protojson both accept any number (open enums), and the store would
// silently match nothing.
func requestEnum(p protowalk.Path, e protoreflect.EnumDescriptor, n protoreflect.EnumNumber) error {
	if e.Values().ByNumber(n) == nil {
		return reason.New(reason.InvalidRequest, fmt.Sprintf("%s holds a number that is not a value of %s", p, e.Name()))
	}
	return nil
}

func requestList(p protowalk.Path, n int) error {
	if n > maxRequestList {
		return reason.New(reason.InvalidRequest, fmt.Sprintf("%s has more than %d values", p, maxRequestList))
	}
	return nil
}

// UnaryRequestCheck refuses a unary request that breaks checkRequest. It
// runs after UnaryAuth and before UnaryAccess.
func UnaryRequestCheck(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	if err := checkRequest(req); err != nil {
		return nil, Status(err).Err()
	}
	return next(ctx, req)
}

// StreamRequestCheck is UnaryRequestCheck for streams: their request is
// checked as it is received.
func StreamRequestCheck(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	return next(srv, checkedServerStream{ss})
}

type checkedServerStream struct{ grpc.ServerStream }

func (s checkedServerStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if err := checkRequest(m); err != nil {
		return Status(err).Err()
	}
	return nil
}

// StreamClientRequestCheck checks a stream's request on the client side:
// the gateway forwards streams over a gRPC connection, and a request built
// from a URL holding invalid UTF-8 could not even be encoded.
func StreamClientRequestCheck(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cs, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	return checkedClientStream{cs}, nil
}

type checkedClientStream struct{ grpc.ClientStream }

func (s checkedClientStream) SendMsg(m any) error {
	if err := checkRequest(m); err != nil {
		return Status(err).Err()
	}
	return s.ClientStream.SendMsg(m)
}

// ChainUnary runs the interceptors in order (the first outermost), skipping
// nil ones: for the gateway's in-process calls, which meet no gRPC server.
func ChainUnary(ics ...grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		for i := len(ics) - 1; i >= 0; i-- {
			if ic, inner := ics[i], next; ic != nil {
				next = func(ctx context.Context, req any) (any, error) { return ic(ctx, req, info, inner) }
			}
		}
		return next(ctx, req)
	}
}
