package durability

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/connevents/connevents/test/testserver"
)

// buildBinary builds cmd/connevents into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "connevents")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/connevents/connevents/cmd/connevents").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running connevents binary.
type process struct {
	cmd      *exec.Cmd
	grpcAddr string
	httpAddr string
	exited   chan struct{}
}

// startBinary runs `connevents serve` on the database and waits until it
// logs its listening addresses.
func startBinary(t *testing.T, bin, dbPath string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve",
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--database", "sqlite:"+dbPath,
		"--fasten-webhook-secrets", testserver.Secret,
		"--oneup-poll-interval", "0",
		"--log-level", "info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	addrs := make(chan [2]string, 1)
	go p.readLog(stderr, addrs)
	go func() { _ = cmd.Wait(); close(p.exited) }()
	select {
	case a := <-addrs:
		p.grpcAddr, p.httpAddr = a[0], a[1]
	case <-p.exited:
		t.Fatal("connevents exited before serving")
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatal("connevents did not start serving")
	}
	return p
}

// readLog finds the "serving" line and drains the rest.
func (p *process) readLog(r io.Reader, addrs chan<- [2]string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var line struct{ Msg, GRPC, HTTP string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
			addrs <- [2]string{line.GRPC, line.HTTP}
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}
