package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"time"

	"google.golang.org/grpc"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// child is a server running as its own process, so that its memory can be
// measured apart from the bench's clients.
type child struct {
	cmd      *exec.Cmd
	grpcAddr string
	httpAddr string // "" for the bare server
	exited   chan struct{}
}

// startChild runs bin with args and waits for its JSON "serving" log line.
func startChild(bin string, args ...string) (*child, error) {
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, exited: make(chan struct{})}
	addr := make(chan servingLine, 1)
	go readServing(stderr, addr)
	go func() { _ = cmd.Wait(); close(c.exited) }()
	select {
	case l := <-addr:
		c.grpcAddr, c.httpAddr = l.GRPC, l.HTTP
		return c, nil
	case <-c.exited:
		return nil, errors.New("bench: the server process exited before serving")
	case <-time.After(30 * time.Second):
		c.stop()
		return nil, errors.New("bench: the server process did not start")
	}
}

// servingLine is the JSON log line a server writes once it listens.
type servingLine struct{ Msg, GRPC, HTTP string }

// readServing passes on the "serving" line, then reads (and drops) the
// rest of the server's log, so that logging costs the server what it costs
// in production.
func readServing(r io.Reader, addr chan<- servingLine) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line servingLine
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
			addr <- line
			break
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

func (c *child) rssMiB() float64 { return rssMiB(c.cmd.Process.Pid) }

// cpu is the CPU time (user + system) the process has used so far.
func (c *child) cpu() time.Duration { return processCPU(c.cmd.Process.Pid) }

func (c *child) stop() {
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// ServeBare serves the bare gRPC fan-out on addr until ctx ends, logging
// the same "serving" line as connevents: the ceiling process of the
// memory rows (`connevents-bench --bare-server`).
func ServeBare(ctx context.Context, addr string, logw io.Writer) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	g := grpc.NewServer()
	conneventsv1.RegisterConnectionEventServiceServer(g, &stub{fan: newFanout()})
	slog.New(slog.NewJSONHandler(logw, nil)).Info("serving", "grpc", lis.Addr().String())
	go func() { <-ctx.Done(); g.Stop() }()
	if err := g.Serve(lis); err != nil && ctx.Err() == nil {
		return fmt.Errorf("bare server: %w", err)
	}
	return nil
}
