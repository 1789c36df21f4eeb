package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// chunk is the most rows one multi-row statement handles; it is a power of
// two, and 15 parameters a row stays far below SQLite's parameter limit.
const chunk = 64

// A multi-row statement: head, then n copies of row, then tail.
type multiRow struct{ head, row, tail string }

func (m multiRow) sql(n int) string {
	var b strings.Builder
	b.WriteString(m.head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.row)
	}
	b.WriteString(m.tail)
	return b.String()
}

// statements are the writer's prepared statements: for each multi-row
// statement, one per power-of-two row count up to chunk. They are prepared
// at Open: the writer's only connection is busy inside a transaction, so
// nothing can be prepared on it later without re-preparing per transaction.
type statements struct {
	sized map[multiRow][]*sql.Stmt // index k: 1<<k rows
}

func prepare(ctx context.Context, db *sql.DB, kinds ...multiRow) (*statements, error) {
	s := &statements{sized: map[multiRow][]*sql.Stmt{}}
	for _, m := range kinds {
		for n := 1; n <= chunk; n *= 2 {
			st, err := db.PrepareContext(ctx, m.sql(n))
			if err != nil {
				return s, fmt.Errorf("sqlite: prepare: %w", err)
			}
			s.sized[m] = append(s.sized[m], st)
		}
	}
	return s, nil
}

// split calls f for consecutive parts of n items, each of a power-of-two
// size up to chunk, with the statement for that size bound to tx.
func (s *statements) split(ctx context.Context, tx *sql.Tx, m multiRow, n int, f func(st *sql.Stmt, from, to int) error) error {
	stmts := s.sized[m]
	for from := 0; from < n; {
		k := len(stmts) - 1
		for 1<<k > n-from {
			k--
		}
		st := tx.StmtContext(ctx, stmts[k])
		err := f(st, from, from+1<<k)
		_ = st.Close()
		if err != nil {
			return err
		}
		from += 1 << k
	}
	return nil
}

func (s *statements) close() error {
	var errs []error
	for _, list := range s.sized {
		for _, st := range list {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
