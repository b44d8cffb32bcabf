package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Scanner is what *sql.Row and *sql.Rows have in common, so that one scan
// function reads a record from a single-row query and from a listing alike.
type Scanner interface {
	Scan(dest ...any) error
}

// QueryAll runs query and returns every row as scan reads it, in order; no
// rows is a nil slice. The first error, from the query, a scan or the
// iteration, is returned as it is, for the caller to wrap.
func QueryAll[T any](ctx context.Context, db *sql.DB, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := Query(ctx, db, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// QueryOne runs query, which selects at most one row, and returns the row as
// scan reads it. No row is notFound, the caller's domain error, wrapped as
// "what: ..."; any other error is wrapped as "reading what: ...". what names
// the record for error messages, so it must not hold a secret such as a
// token hash ("user id \"u1\"", "session by token").
func QueryOne[T any](ctx context.Context, db *sql.DB, what string, notFound error, scan func(Scanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(QueryRow(ctx, db, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, notFound)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("reading %s: %w", what, err)
	}
	return v, nil
}

// InTx runs fn in a transaction on db and commits it if fn succeeds; if fn
// or the commit fails, nothing fn wrote stays. Errors are returned as they
// are, for the caller to wrap.
func InTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ChangedOne returns the error of the statement res is the result of, or
// notFound when it changed no row: the shape of every update or delete of
// one record by its key.
func ChangedOne(res sql.Result, err, notFound error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// ExecCount runs a statement and returns how many rows it changed: the
// shape of every bulk delete.
func ExecCount(ctx context.Context, db *sql.DB, query string, args ...any) (int, error) {
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
