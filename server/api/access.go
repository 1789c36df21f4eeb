package api

import (
	"cmp"
	"context"
	"strings"
	"time"
	"unicode"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/grpccodec"
	"github.com/connevents/connevents/server/store"
)

// Recorder is where the access interceptors record reads (server/access's
// Log): Record returns once the record is durable, or an error for which
// the read is refused.
type Recorder interface {
	Record(ctx context.Context, r store.AccessRecord) error
}

// AccessLogged says, for every RPC of the service, whether it returns
// personal data and so is recorded in the access log. A test fails for an
// RPC missing here: each new RPC must be decided.
var AccessLogged = map[string]bool{
	conneventsv1.ConnectionEventService_GetEvent_FullMethodName:             true,
	conneventsv1.ConnectionEventService_ListEvents_FullMethodName:           true,
	conneventsv1.ConnectionEventService_SubscribeEvents_FullMethodName:      true,
	conneventsv1.ConnectionEventService_GetConnection_FullMethodName:        true,
	conneventsv1.ConnectionEventService_ListConnections_FullMethodName:      true,
	conneventsv1.ConnectionEventService_GetFunnel_FullMethodName:            true,
	conneventsv1.ConnectionEventService_SubscribeConnections_FullMethodName: true,
	// The access log names patients in its filters.
	conneventsv1.ConnectionEventService_ListAccessRecords_FullMethodName: true,
	// A dead letter's raw bytes are the vendor's payload.
	conneventsv1.ConnectionEventService_GetDeadLetter_FullMethodName: true,

	conneventsv1.ConnectionEventService_IngestFastenWebhook_FullMethodName:    false,
	conneventsv1.ConnectionEventService_IngestOneUpAuditEvents_FullMethodName: false,
	conneventsv1.ConnectionEventService_ListSourceStatuses_FullMethodName:     false,
	conneventsv1.ConnectionEventService_GetSourceStatus_FullMethodName:        false,
	// Without raw bytes: ids, sources, reasons and counts only.
	conneventsv1.ConnectionEventService_ListDeadLetters_FullMethodName:   false,
	conneventsv1.ConnectionEventService_RetryDeadLetter_FullMethodName:   false,
	conneventsv1.ConnectionEventService_DiscardDeadLetter_FullMethodName: false,
}

// recordTimeout bounds how long a read waits for its record.
const recordTimeout = 10 * time.Second

// Outcome of a call that succeeded.
const outcomeOK = "OK"

// The metadata by which the gateway tells the in-memory gRPC server the
// HTTP route and peer of a stream it forwards. Only the in-memory server
// reads them (AccessOptions.FromGateway); the public one ignores them.
const (
	mdRoute = "connevents-http-route"
	mdPeer  = "connevents-http-peer"
)

// GatewayHeaders are the HTTP headers through which the gateway passes a
// forwarded stream's route and peer (grpc-gateway turns Grpc-Metadata-*
// headers into metadata).
var GatewayHeaders = struct{ Route, Peer string }{"Grpc-Metadata-" + mdRoute, "Grpc-Metadata-" + mdPeer}

// AccessOptions configure the access interceptors.
type AccessOptions struct {
	// FromGateway: the server is the gateway's in-memory one, whose calls
	// carry their HTTP route and peer in metadata.
	FromGateway bool
	// Now is the clock of the records (time.Now if nil).
	Now func() time.Time
}

type accessLog struct {
	rec Recorder
	AccessOptions
}

func newAccessLog(rec Recorder, o AccessOptions) accessLog {
	if o.Now == nil {
		o.Now = time.Now
	}
	return accessLog{rec, o}
}

// UnaryAccess records every unary call that returns personal data, once
// it has its answer and before the answer is sent: a call whose record
// cannot be stored gets ACCESS_LOG_UNAVAILABLE instead of its answer. It
// runs after UnaryAuth (it records the Caller). The gateway runs it for the
// unary calls it makes in-process (Intercepted).
func UnaryAccess(rec Recorder, o AccessOptions) grpc.UnaryServerInterceptor {
	a := newAccessLog(rec, o)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		if !AccessLogged[info.FullMethod] {
			return next(ctx, req)
		}
		resp, err := next(ctx, req)
		r := a.record(ctx, info.FullMethod, req, conneventsv1.AccessPhase_ACCESS_PHASE_CALL)
		r.Outcome = outcomeOf(err)
		if err == nil {
			r.Count = itemsOf(resp)
			r.Patient = cmp.Or(r.Patient, patientReturned(resp))
		}
		if rerr := a.store(ctx, r); rerr != nil {
			return nil, rerr
		}
		return resp, err
	}
}

// StreamAccess records every subscription that returns personal data
// twice: when it has its request, before its first item (a subscription
// whose record cannot be stored ends with ACCESS_LOG_UNAVAILABLE before
// sending anything), and when it ends, with the number of items (not
// checkpoints) it delivered.
func StreamAccess(rec Recorder, o AccessOptions) grpc.StreamServerInterceptor {
	a := newAccessLog(rec, o)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
		if !AccessLogged[info.FullMethod] {
			return next(srv, ss)
		}
		s := &accessStream{ServerStream: ss, a: a, method: info.FullMethod, items: itemFields(info.FullMethod)}
		err := next(srv, s)
		if !s.opened {
			return err // refused before it opened, or its open record failed
		}
		s.end.Outcome = outcomeOf(err)
		s.end.Count = s.sent
		s.end.Time = a.Now()
		if rerr := a.store(ss.Context(), s.end); rerr != nil {
			return rerr
		}
		return err
	}
}

// accessStream records the open of its stream when the request arrives,
// and counts the items sent.
type accessStream struct {
	grpc.ServerStream
	a      accessLog
	method string
	opened bool
	end    store.AccessRecord // the open record, to be completed
	items  map[protowire.Number]bool
	sent   int64
}

func (s *accessStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil || s.opened {
		return err
	}
	r := s.a.record(s.Context(), s.method, m, conneventsv1.AccessPhase_ACCESS_PHASE_OPEN)
	r.Outcome = outcomeOK
	if err := s.a.store(s.Context(), r); err != nil {
		return err
	}
	s.opened = true
	s.end = r
	s.end.Phase = conneventsv1.AccessPhase_ACCESS_PHASE_END
	return nil
}

func (s *accessStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil && isItem(m, s.items) {
		s.sent++
	}
	return err
}

// itemFields are the numbers of the fields of method's stream responses
// that carry an item (an event, a journey): every message field but
// `checkpoint`.
func itemFields(method string) map[protowire.Number]bool {
	service, name, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service + "." + name))
	md, ok := d.(protoreflect.MethodDescriptor)
	if err != nil || !ok {
		return nil
	}
	out := map[protowire.Number]bool{}
	fields := md.Output().Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); f.Message() != nil && f.Name() != "checkpoint" {
			out[f.Number()] = true
		}
	}
	return out
}

// isItem reports whether a stream response, a message or its encoding
// (server/stream sends items encoded once for every subscriber), sets one
// of the item fields.
func isItem(m any, items map[protowire.Number]bool) bool {
	switch m := m.(type) {
	case proto.Message:
		found := false
		m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			found = items[fd.Number()]
			return !found
		})
		return found
	case grpccodec.Encoded:
		for b := []byte(m); len(b) > 0; {
			num, typ, n := protowire.ConsumeTag(b)
			if n < 0 {
				return false
			}
			if items[num] {
				return true
			}
			v := protowire.ConsumeFieldValue(num, typ, b[n:])
			if v < 0 {
				return false
			}
			b = b[n+v:]
		}
	}
	return false
}

// record is the record of a call to method with req, without its outcome
// and count.
func (a accessLog) record(ctx context.Context, method string, req any, phase conneventsv1.AccessPhase) store.AccessRecord {
	caller, _ := auth.FromContext(ctx)
	route, addr := a.origin(ctx)
	filter, patient := filterOf(req)
	return store.AccessRecord{
		Time: a.Now(), KeyName: caller.Key, Role: string(caller.Role),
		Method: method, Route: route, Phase: phase,
		Filter: filter, Patient: patient, Peer: addr,
	}
}

// store records r, as a status error when it cannot. The record outlives
// the call's context (a caller gone at the end of a subscription is still
// recorded).
func (a accessLog) store(ctx context.Context, r store.AccessRecord) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := a.rec.Record(ctx, r); err != nil {
		return Status(err).Err()
	}
	return nil
}

// origin is the HTTP route and the peer address of the call: the gateway's
// for a call it made (in-process, or forwarded to the in-memory server),
// the gRPC peer's otherwise.
func (a accessLog) origin(ctx context.Context) (route, addr string) {
	if h, ok := ctx.Value(httpCallKey{}).(httpCall); ok {
		return h.route, h.peer
	}
	if a.FromGateway {
		md, _ := metadata.FromIncomingContext(ctx)
		if r := md.Get(mdRoute); len(r) == 1 {
			return r[0], strings.Join(md.Get(mdPeer), ",")
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return "", p.Addr.String()
	}
	return "", ""
}

type httpCallKey struct{}

type httpCall struct{ route, peer string }

// WithHTTPCall returns ctx marked as carrying a call the gateway serves
// in-process, for the HTTP route (such as "GET /v1/events/{id}") from the
// peer address: the access log records them.
func WithHTTPCall(ctx context.Context, route, peer string) context.Context {
	return context.WithValue(ctx, httpCallKey{}, httpCall{route, peer})
}

// filterOf is the request as JSON without its page token (which says
// nothing the other fields do not), and the patient its filter names.
func filterOf(req any) (filter, patient string) {
	m, ok := req.(proto.Message)
	if !ok {
		return "", ""
	}
	m = proto.Clone(m)
	r := m.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName("page_token"); fd != nil {
		r.Clear(fd)
	}
	b, err := protojson.Marshal(m)
	if err != nil {
		return "", ""
	}
	return string(b), patientOf(r)
}

// patientOf is the `patient` field of the request or of its `filter`.
func patientOf(r protoreflect.Message) string {
	if fd := r.Descriptor().Fields().ByName("filter"); fd != nil && fd.Message() != nil && r.Has(fd) {
		r = r.Get(fd).Message()
	}
	if fd := r.Descriptor().Fields().ByName("patient"); fd != nil && fd.Kind() == protoreflect.StringKind {
		return r.Get(fd).String()
	}
	return ""
}

// patientReturned is the patient of the one event or journey a call
// returned (its first identifier), so that reads of a single item are
// found by patient too; "" for other answers.
func patientReturned(resp any) string {
	var p *conneventsv1.Patient
	switch m := resp.(type) {
	case *conneventsv1.GetEventResponse:
		p = m.GetEvent().GetPatient()
	case *conneventsv1.GetConnectionResponse:
		p = m.GetConnection().GetPatient()
	default:
		return ""
	}
	return cmp.Or(p.GetExternalId(), p.GetOneupUserId(), p.GetFhirPatientReference(), p.GetExternalState())
}

// itemsOf counts the messages a response carries at its top level: the
// elements of its lists (events, journeys, funnels, records) and its
// single messages (one event; one journey, with its events).
func itemsOf(resp any) int64 {
	m, ok := resp.(proto.Message)
	if !ok || m == nil {
		return 0
	}
	var n int64
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			n += int64(v.List().Len())
		default:
			n++
		}
		return true
	})
	return n
}

// outcomeOf is "OK", or the reason (else the code) of a failed call.
func outcomeOf(err error) string {
	if err == nil {
		return outcomeOK
	}
	if r := ReasonOf(err); r != "" {
		return string(r)
	}
	return codeName(status.Code(err))
}

// codeName is a code as the gRPC specification writes it: "NOT_FOUND"
// (grpc-go's String is "NotFound").
func codeName(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// Intercepted returns svc with its unary RPCs run through ic, for the
// gateway, which calls the service in-process (no gRPC server, so no
// interceptors). An RPC missing here answers UNIMPLEMENTED rather than
// bypass ic; streams are not served in-process (the gateway forwards them
// to the in-memory gRPC server).
func Intercepted(svc conneventsv1.ConnectionEventServiceServer, ic grpc.UnaryServerInterceptor) conneventsv1.ConnectionEventServiceServer {
	return intercepted{svc: svc, ic: ic}
}

type intercepted struct {
	conneventsv1.UnimplementedConnectionEventServiceServer
	svc conneventsv1.ConnectionEventServiceServer
	ic  grpc.UnaryServerInterceptor
}

// call runs h through ic as the unary method.
func call[Req, Resp any](ctx context.Context, s intercepted, method string, req Req, h func(context.Context, Req) (Resp, error)) (Resp, error) {
	out, err := s.ic(ctx, req, &grpc.UnaryServerInfo{Server: s.svc, FullMethod: method}, func(ctx context.Context, req any) (any, error) {
		return h(ctx, req.(Req))
	})
	resp, _ := out.(Resp)
	return resp, err
}

func (s intercepted) GetEvent(ctx context.Context, req *conneventsv1.GetEventRequest) (*conneventsv1.GetEventResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_GetEvent_FullMethodName, req, s.svc.GetEvent)
}

func (s intercepted) ListEvents(ctx context.Context, req *conneventsv1.ListEventsRequest) (*conneventsv1.ListEventsResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_ListEvents_FullMethodName, req, s.svc.ListEvents)
}

func (s intercepted) IngestFastenWebhook(ctx context.Context, req *conneventsv1.IngestFastenWebhookRequest) (*conneventsv1.IngestFastenWebhookResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_IngestFastenWebhook_FullMethodName, req, s.svc.IngestFastenWebhook)
}

func (s intercepted) IngestOneUpAuditEvents(ctx context.Context, req *conneventsv1.IngestOneUpAuditEventsRequest) (*conneventsv1.IngestOneUpAuditEventsResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_IngestOneUpAuditEvents_FullMethodName, req, s.svc.IngestOneUpAuditEvents)
}

func (s intercepted) ListSourceStatuses(ctx context.Context, req *conneventsv1.ListSourceStatusesRequest) (*conneventsv1.ListSourceStatusesResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_ListSourceStatuses_FullMethodName, req, s.svc.ListSourceStatuses)
}

func (s intercepted) GetSourceStatus(ctx context.Context, req *conneventsv1.GetSourceStatusRequest) (*conneventsv1.GetSourceStatusResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_GetSourceStatus_FullMethodName, req, s.svc.GetSourceStatus)
}

func (s intercepted) GetConnection(ctx context.Context, req *conneventsv1.GetConnectionRequest) (*conneventsv1.GetConnectionResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_GetConnection_FullMethodName, req, s.svc.GetConnection)
}

func (s intercepted) ListConnections(ctx context.Context, req *conneventsv1.ListConnectionsRequest) (*conneventsv1.ListConnectionsResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_ListConnections_FullMethodName, req, s.svc.ListConnections)
}

func (s intercepted) GetFunnel(ctx context.Context, req *conneventsv1.GetFunnelRequest) (*conneventsv1.GetFunnelResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_GetFunnel_FullMethodName, req, s.svc.GetFunnel)
}

func (s intercepted) ListAccessRecords(ctx context.Context, req *conneventsv1.ListAccessRecordsRequest) (*conneventsv1.ListAccessRecordsResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_ListAccessRecords_FullMethodName, req, s.svc.ListAccessRecords)
}

func (s intercepted) ListDeadLetters(ctx context.Context, req *conneventsv1.ListDeadLettersRequest) (*conneventsv1.ListDeadLettersResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_ListDeadLetters_FullMethodName, req, s.svc.ListDeadLetters)
}

func (s intercepted) GetDeadLetter(ctx context.Context, req *conneventsv1.GetDeadLetterRequest) (*conneventsv1.GetDeadLetterResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_GetDeadLetter_FullMethodName, req, s.svc.GetDeadLetter)
}

func (s intercepted) RetryDeadLetter(ctx context.Context, req *conneventsv1.RetryDeadLetterRequest) (*conneventsv1.RetryDeadLetterResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_RetryDeadLetter_FullMethodName, req, s.svc.RetryDeadLetter)
}

func (s intercepted) DiscardDeadLetter(ctx context.Context, req *conneventsv1.DiscardDeadLetterRequest) (*conneventsv1.DiscardDeadLetterResponse, error) {
	return call(ctx, s, conneventsv1.ConnectionEventService_DiscardDeadLetter_FullMethodName, req, s.svc.DiscardDeadLetter)
}
