package sqlstore

import (
	"fmt"
	"reflect"
	"strings"
)

// batchStmt is a statement over many rows: head, then the rows as one
// relation with the columns cols, then tail. The rows are given column by
// column, each column a typed slice ([]int64, []*string, [][]byte, ...).
type batchStmt struct {
	head string
	cols []string
	tail string
}

// insertInto is the batchStmt that inserts rows into table.
func insertInto(table string, cols ...string) batchStmt {
	return batchStmt{head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") ", cols: cols}
}

// withRows is the batchStmt that runs query with the rows as the relation
// name(cols...).
func withRows(name string, cols []string, query string) batchStmt {
	return batchStmt{head: "WITH " + name + " (" + strings.Join(cols, ", ") + ") AS (", cols: cols, tail: ") " + query}
}

// RowsShape is how a dialect passes many rows to one statement.
type RowsShape interface {
	// end returns where the statement that starts at row from of n ends.
	end(from, n int) int
	// relation returns the SQL (with ? placeholders) of rows [from, to) of
	// cols, and its arguments.
	relation(cols []any, from, to int) (string, []any)
	// prepared returns the statements worth preparing for b.
	prepared(b batchStmt) []string
}

// Values passes rows as multi-row VALUES, one parameter a value, at most
// Max rows (a power of two) a statement. A statement holds a power-of-two
// number of rows, so few distinct statements exist and all are prepared.
type Values struct{ Max int }

func (v Values) end(from, n int) int {
	k := v.Max
	for k > n-from {
		k /= 2
	}
	return from + k
}

func (v Values) relation(cols []any, from, to int) (string, []any) {
	vals := make([]reflect.Value, len(cols))
	for i, c := range cols {
		vals[i] = reflect.ValueOf(c)
	}
	args := make([]any, 0, len(cols)*(to-from))
	for r := from; r < to; r++ {
		for _, c := range vals {
			args = append(args, c.Index(r).Interface())
		}
	}
	return values(len(cols), to-from), args
}

func (v Values) prepared(b batchStmt) []string {
	var out []string
	for n := 1; n <= v.Max; n *= 2 {
		out = append(out, b.head+values(len(b.cols), n)+b.tail)
	}
	return out
}

// values returns "VALUES (?, ?), (?, ?)" for rows of cols columns.
func values(cols, rows int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return "VALUES " + strings.Repeat(row+", ", rows-1) + row
}

// Unnest passes each column as one array parameter and unnests them into
// rows: one statement whatever the number of rows.
type Unnest struct{}

func (Unnest) end(_, n int) int { return n }

func (Unnest) relation(cols []any, from, to int) (string, []any) {
	marks := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		marks[i] = "?::" + arrayType(c)
		args[i] = reflect.ValueOf(c).Slice(from, to).Interface()
	}
	return "SELECT * FROM unnest(" + strings.Join(marks, ", ") + ")", args
}

func (Unnest) prepared(batchStmt) []string { return nil }

// arrayType is the PostgreSQL array type of a column slice.
func arrayType(col any) string {
	switch col.(type) {
	case []int64, []*int64:
		return "bigint[]"
	case []int32, []*int32:
		return "integer[]"
	case []string, []*string:
		return "text[]"
	case [][]byte:
		return "bytea[]"
	}
	panic(fmt.Sprintf("sqlstore: no PostgreSQL array type for a column of %T", col))
}

// stmts returns the statements that run b over n rows, given column by
// column, as the dialect splits them.
func (d Dialect) stmts(b batchStmt, n int, cols ...any) []Stmt {
	var out []Stmt
	for from := 0; from < n; {
		to := d.Rows.end(from, n)
		rel, args := d.Rows.relation(cols, from, to)
		out = append(out, Stmt{SQL: d.sql(b.head + rel + b.tail), Args: args})
		from = to
	}
	return out
}

// upsertInto is the batchStmt that inserts rows into table, or updates the
// row with the same key column.
func upsertInto(table, key string, cols ...string) batchStmt {
	sets := make([]string, 0, len(cols))
	for _, c := range cols {
		if c != key {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	return insertInto(table, cols...).then(" ON CONFLICT (" + key + ") DO UPDATE SET " + strings.Join(sets, ", "))
}

// then returns b with tail after its rows.
func (b batchStmt) then(tail string) batchStmt {
	b.tail = tail
	return b
}
