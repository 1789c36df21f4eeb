package bench

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// jetStream is an embedded NATS server with JetStream on file storage,
// fsyncing every write, and a stream that deduplicates on Nats-Msg-Id: a
// durable, deduplicated log of deliveries, the reference a user might pick
// instead of connevents.
type jetStream struct {
	srv   *natsserver.Server
	conns []*nats.Conn
	js    []nats.JetStreamContext
}

const jsSubject = "fasten.deliveries"

func startJetStream(dir string, conns int) (*jetStream, error) {
	opts := &natsserver.Options{
		Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: filepath.Join(dir, "jetstream"),
		SyncAlways: true, // fsync on every write
	}
	srv, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, err
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("bench: NATS did not start")
	}
	j := &jetStream{srv: srv}
	if err := j.connect(conns); err != nil {
		j.stop()
		return nil, err
	}
	_, err = j.js[0].AddStream(&nats.StreamConfig{
		Name: "FASTEN", Subjects: []string{jsSubject}, Storage: nats.FileStorage,
		Duplicates: 10 * time.Minute,
	})
	if err != nil {
		j.stop()
		return nil, err
	}
	return j, nil
}

func (j *jetStream) connect(n int) error {
	for range n {
		nc, err := nats.Connect(j.srv.ClientURL())
		if err != nil {
			return err
		}
		js, err := nc.JetStream()
		if err != nil {
			nc.Close()
			return err
		}
		j.conns, j.js = append(j.conns, nc), append(j.js, js)
	}
	return nil
}

// publish stores one delivery and waits for its acknowledgement.
func (j *jetStream) publish(ctx context.Context, i int, d *delivery) error {
	_, err := j.js[i%len(j.js)].Publish(jsSubject, d.body, nats.MsgId(d.id), nats.Context(ctx))
	return err
}

func (j *jetStream) stop() {
	for _, nc := range j.conns {
		nc.Close()
	}
	j.srv.Shutdown()
	j.srv.WaitForShutdown()
}
