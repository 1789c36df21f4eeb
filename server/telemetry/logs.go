package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/grpclog"
)

// LogHandler wraps h so that every record logged with a context that holds
// a span (slog's *Context methods, e.g. logger.InfoContext(ctx, …)) carries
// trace_id and span_id, to find the record from the trace and back.
func LogHandler(h slog.Handler) slog.Handler { return traceHandler{h} }

type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}

// GRPCLogger routes what grpc-go and grpc-gateway log through grpclog
// (such as "Failed to write response" when a client goes away) to l as
// JSON records with "component": "grpc": their INFO chatter at debug level,
// warnings and errors as such. Install it with grpclog.SetLoggerV2 before
// any gRPC call.
func GRPCLogger(l *slog.Logger) grpclog.LoggerV2 {
	return grpcLogger{l.With("component", "grpc")}
}

type grpcLogger struct{ l *slog.Logger }

func (g grpcLogger) log(level slog.Level, msg string) { g.l.Log(context.Background(), level, msg) }

func (g grpcLogger) Info(args ...any)   { g.log(slog.LevelDebug, fmt.Sprint(args...)) }
func (g grpcLogger) Infoln(args ...any) { g.log(slog.LevelDebug, sprintln(args)) }
func (g grpcLogger) Infof(format string, args ...any) {
	g.log(slog.LevelDebug, fmt.Sprintf(format, args...))
}
func (g grpcLogger) Warning(args ...any)   { g.log(slog.LevelWarn, fmt.Sprint(args...)) }
func (g grpcLogger) Warningln(args ...any) { g.log(slog.LevelWarn, sprintln(args)) }
func (g grpcLogger) Warningf(format string, args ...any) {
	g.log(slog.LevelWarn, fmt.Sprintf(format, args...))
}
func (g grpcLogger) Error(args ...any)   { g.log(slog.LevelError, fmt.Sprint(args...)) }
func (g grpcLogger) Errorln(args ...any) { g.log(slog.LevelError, sprintln(args)) }
func (g grpcLogger) Errorf(format string, args ...any) {
	g.log(slog.LevelError, fmt.Sprintf(format, args...))
}
func (g grpcLogger) Fatal(args ...any)                 { g.Error(args...); os.Exit(1) }
func (g grpcLogger) Fatalln(args ...any)               { g.Errorln(args...); os.Exit(1) }
func (g grpcLogger) Fatalf(format string, args ...any) { g.Errorf(format, args...); os.Exit(1) }

// V reports whether verbose level v is on: grpc-go's verbose logs are
// debugging aids and stay off.
func (g grpcLogger) V(v int) bool { return v <= 0 }

// sprintln is fmt.Sprintln without its trailing newline.
func sprintln(args []any) string {
	s := fmt.Sprintln(args...)
	return s[:len(s)-1]
}
