package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// accessLogOptions are the flags of `connevents access-log`.
type accessLogOptions struct {
	conn         tailOptions // the connection flags, as tail's
	req          *conneventsv1.ListAccessRecordsRequest
	since, until string
	limit        int
	json         bool
	out          io.Writer
}

// accessLog prints the access log, newest first (needs an admin key).
func accessLog(args []string) error {
	o, err := parseAccessLog(args)
	if err != nil {
		return err
	}
	return o.run(context.Background())
}

func parseAccessLog(args []string) (*accessLogOptions, error) {
	o := &accessLogOptions{req: &conneventsv1.ListAccessRecordsRequest{}, out: os.Stdout}
	fs := newFlagSet("access-log", nil)
	fs.StringVar(&o.conn.addr, "addr", envOr("CONNEVENTS_GRPC_ADDR", "127.0.0.1:9090"), "gRPC address of the server ($CONNEVENTS_GRPC_ADDR)")
	fs.StringVar(&o.conn.apiKey, "api-key", "", "API key with the admin role (default $CONNEVENTS_API_KEY)")
	fs.BoolVar(&o.conn.useTLS, "tls", false, "connect with TLS, verifying the server against the system's CAs (or --ca-file)")
	fs.StringVar(&o.conn.caFile, "ca-file", "", "verify the server against the CA certificates in this PEM file (implies --tls)")
	fs.StringVar(&o.req.KeyName, "key", "", "only calls made with the key of this name")
	fs.StringVar(&o.req.Method, "method", "", "only calls of this RPC, e.g. GetEvent")
	fs.StringVar(&o.req.Patient, "patient", "", "only records of this patient: calls whose filter names it, GetEvent and GetConnection calls that returned its event or journey")
	fs.StringVar(&o.since, "since", "", "only records at or after this time: RFC 3339, or a duration ago such as 24h")
	fs.StringVar(&o.until, "until", "", "only records before this time: RFC 3339, or a duration ago")
	fs.IntVar(&o.limit, "limit", 100, "print at most this many records (0: all)")
	fs.BoolVar(&o.json, "json", false, "print each record as one JSON line (NDJSON)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if o.conn.apiKey == "" {
		o.conn.apiKey = os.Getenv("CONNEVENTS_API_KEY")
	}
	var err error
	if o.req.StartTime, err = timeFlag("since", o.since); err != nil {
		return nil, usageError{err: err}
	}
	if o.req.EndTime, err = timeFlag("until", o.until); err != nil {
		return nil, usageError{err: err}
	}
	return o, nil
}

// timeFlag reads an RFC 3339 time or a duration before now; "" is unset.
func timeFlag(name, v string) (*timestamppb.Timestamp, error) {
	if v == "" {
		return nil, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return timestamppb.New(time.Now().Add(-d)), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("--%s must be an RFC 3339 time or a duration such as 24h", name)
	}
	return timestamppb.New(t), nil
}

func (o *accessLogOptions) run(ctx context.Context) error {
	conn, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	client := conneventsv1.NewConnectionEventServiceClient(conn)
	if o.conn.apiKey != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+o.conn.apiKey)
	}
	w := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	if !o.json {
		fmt.Fprintln(w, "TIME\tKEY\tROLE\tCALL\tPHASE\tCOUNT\tOUTCOME\tPEER\tPATIENT\tFILTER")
	}
	printed := 0
	for {
		o.req.PageSize = 1000
		if o.limit > 0 {
			o.req.PageSize = int32(min(1000, o.limit-printed))
		}
		page, err := client.ListAccessRecords(ctx, o.req)
		if err != nil {
			return err
		}
		for _, r := range page.GetAccessRecords() {
			if err := o.print(w, r); err != nil {
				return err
			}
			printed++
		}
		o.req.PageToken = page.GetNextPageToken()
		if o.req.PageToken == "" || (o.limit > 0 && printed >= o.limit) {
			return w.Flush()
		}
	}
}

func (o *accessLogOptions) print(w io.Writer, r *conneventsv1.AccessRecord) error {
	if o.json {
		b, err := protojson.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	call := strings.TrimPrefix(r.GetMethod(), "/connevents.v1.ConnectionEventService/")
	if r.GetRoute() != "" {
		call += " (" + r.GetRoute() + ")"
	}
	phase := strings.ToLower(strings.TrimPrefix(r.GetPhase().String(), "ACCESS_PHASE_"))
	patient := patientCell(r.GetPatient())
	_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.GetTime().AsTime().Format(time.RFC3339),
		r.GetKeyName(), r.GetRole(), call, phase, r.GetCount(), r.GetOutcome(), r.GetPeer(), patient, r.GetFilter())
	return err
}

// patientCell is a patient as a column of the text output: "-" when the
// record names none, quoted (Go syntax) when it would not read as one
// column of one line (it holds space or an unprintable character) or could
// be taken for "-" or a quoted one; as it is otherwise.
func patientCell(p string) string {
	switch {
	case p == "":
		return "-"
	case p == "-" || strings.HasPrefix(p, `"`) ||
		strings.ContainsFunc(p, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }):
		return strconv.Quote(p)
	}
	return p
}
