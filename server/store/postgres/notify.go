package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/connevents/connevents/server/store/sqlstore"
)

// listenRetry is how long the commit listener waits before connecting again
// after losing its connection.
const listenRetry = time.Second

// CommitHints returns a channel that receives (at most one pending value)
// soon after any process commits an append to this store's schema, until
// ctx ends. It is a hint only: a notification can be lost (a dropped
// connection, a transaction pooler that does not pass LISTEN through), so
// callers keep polling the head as well.
func (s *Store) CommitHints(ctx context.Context) <-chan struct{} {
	hints := make(chan struct{}, 1)
	go s.listen(ctx, hints)
	return hints
}

// listen holds one connection of its own, LISTENing on the commit channel,
// and reconnects after errors until ctx ends.
func (s *Store) listen(ctx context.Context, hints chan<- struct{}) {
	for ctx.Err() == nil {
		_ = s.listenOnce(ctx, hints)
		select {
		case <-ctx.Done():
		case <-time.After(listenRetry):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, hints chan<- struct{}) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+sqlstore.CommitChannel); err != nil {
		return err
	}
	// Commits made while not listening are missed: wake the caller once so
	// that it reads the head.
	wake(hints)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == schema {
			wake(hints)
		}
	}
}

func wake(hints chan<- struct{}) {
	select {
	case hints <- struct{}{}:
	default:
	}
}
