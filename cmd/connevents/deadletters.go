package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// adminClient is the connection flags every `connevents deadletters`
// command shares, and what it prints to.
type adminClient struct {
	addr, apiKey, caFile string
	useTLS               bool
	out                  io.Writer
}

func (c *adminClient) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", envOr("CONNEVENTS_GRPC_ADDR", "127.0.0.1:9090"), "gRPC address of the server ($CONNEVENTS_GRPC_ADDR)")
	fs.StringVar(&c.apiKey, "api-key", "", "API key with the admin role (default $CONNEVENTS_API_KEY)")
	fs.BoolVar(&c.useTLS, "tls", false, "connect with TLS, verifying the server against the system's CAs (or --ca-file)")
	fs.StringVar(&c.caFile, "ca-file", "", "verify the server against the CA certificates in this PEM file (implies --tls)")
}

// call runs f with a client and a context that carries the API key and
// ends after a minute.
func (c *adminClient) call(f func(context.Context, conneventsv1.ConnectionEventServiceClient) error) error {
	if c.apiKey == "" {
		c.apiKey = os.Getenv("CONNEVENTS_API_KEY")
	}
	conn, err := dialServer(c.addr, c.useTLS, c.caFile)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if c.apiKey != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.apiKey)
	}
	return f(ctx, conneventsv1.NewConnectionEventServiceClient(conn))
}

// printJSON writes m as one line of protojson.
func (c *adminClient) printJSON(m proto.Message) error {
	b, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.out, "%s\n", b)
	return err
}

func deadLettersList(args []string) error {
	c := &adminClient{out: os.Stdout}
	fs := newFlagSet("deadletters list", nil)
	c.register(fs)
	req := &conneventsv1.ListDeadLettersRequest{PageSize: 100}
	fs.Func("source", "only this source: FASTEN or ONEUP", enumFlag1(&req.Source))
	limit := fs.Int("limit", 0, "print at most this many (0: all)")
	asJSON := fs.Bool("json", false, "print each dead letter as one JSON line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return c.call(func(ctx context.Context, client conneventsv1.ConnectionEventServiceClient) error {
		printed := 0
		for {
			resp, err := client.ListDeadLetters(ctx, req)
			if err != nil {
				return err
			}
			for _, d := range resp.GetDeadLetters() {
				if *limit > 0 && printed == *limit {
					return nil
				}
				if err := c.printDeadLetter(d, *asJSON); err != nil {
					return err
				}
				printed++
			}
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				return nil
			}
		}
	})
}

// printDeadLetter prints one line: JSON, or id, time, source, reason,
// retries and message.
func (c *adminClient) printDeadLetter(d *conneventsv1.DeadLetter, asJSON bool) error {
	if asJSON {
		return c.printJSON(d)
	}
	_, err := fmt.Fprintf(c.out, "%s  %s  %-6s  %-22s retries=%d  %s\n", d.GetId(),
		d.GetReceivedAt().AsTime().Format(time.RFC3339), trimEnum(d.GetSource().String(), "SOURCE_"),
		d.GetReason(), d.GetRetries(), d.GetMessage())
	return err
}

func deadLettersGet(args []string) error {
	c := &adminClient{out: os.Stdout}
	fs := newFlagSet("deadletters get", nil)
	c.register(fs)
	raw := fs.Bool("raw", false, "print only the raw bytes, as received")
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	return c.call(func(ctx context.Context, client conneventsv1.ConnectionEventServiceClient) error {
		resp, err := client.GetDeadLetter(ctx, &conneventsv1.GetDeadLetterRequest{Id: id})
		if err != nil {
			return err
		}
		if *raw {
			_, err = c.out.Write(resp.GetDeadLetter().GetRaw())
			return err
		}
		return c.printJSON(resp.GetDeadLetter())
	})
}

func deadLettersRetry(args []string) error {
	c := &adminClient{out: os.Stdout}
	fs := newFlagSet("deadletters retry", nil)
	c.register(fs)
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	return c.call(func(ctx context.Context, client conneventsv1.ConnectionEventServiceClient) error {
		resp, err := client.RetryDeadLetter(ctx, &conneventsv1.RetryDeadLetterRequest{Id: id})
		if err != nil {
			return err
		}
		return c.printJSON(resp.GetResult())
	})
}

func deadLettersDiscard(args []string) error {
	c := &adminClient{out: os.Stdout}
	fs := newFlagSet("deadletters discard", nil)
	c.register(fs)
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	return c.call(func(ctx context.Context, client conneventsv1.ConnectionEventServiceClient) error {
		if _, err := client.DiscardDeadLetter(ctx, &conneventsv1.DiscardDeadLetterRequest{Id: id}); err != nil {
			return err
		}
		_, err := fmt.Fprintf(c.out, "discarded %s\n", id)
		return err
	})
}

// parseWithID parses flags around exactly one argument, the dead letter's
// id: `get ID --raw` and `get --raw ID` both work.
func parseWithID(fs *flag.FlagSet, args []string) (string, error) {
	fs.Usage = usageWithID(fs)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return "", err
		}
		return "", usageError{err: err, quiet: true}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return "", usageError{err: fmt.Errorf("the dead letter's id is required")}
	}
	id := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return "", err
	}
	return id, nil
}

// usageWithID is fs's usage with the ID argument in its first line.
func usageWithID(fs *flag.FlagSet) func() {
	flags := fs.Usage
	return func() {
		fmt.Fprintf(fs.Output(), "connevents %s ID: ID is the dead letter's id (see `connevents deadletters list`)\n", fs.Name())
		flags()
	}
}
