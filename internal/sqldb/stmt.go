package sqldb

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// Prepared statements are kept per database and query text, so that a query
// on a hot path (a license key's lookup at every registry token) is parsed
// once per connection rather than at every call: SQLite's parser was a
// sixth of the token endpoint's time before.
var (
	stmts     sync.Map // stmtKey → *sql.Stmt
	stmtCount atomic.Int64
)

type stmtKey struct {
	db    *sql.DB
	query string
}

// maxStmts bounds the statements kept; queries past it run unprepared.
const maxStmts = 2048

// prepared returns db's prepared statement for query, preparing it on first
// use, or nil when it cannot be prepared (the plain query then reports why).
func prepared(db *sql.DB, query string) *sql.Stmt {
	k := stmtKey{db, query}
	if st, ok := stmts.Load(k); ok {
		return st.(*sql.Stmt)
	}
	if stmtCount.Load() >= maxStmts {
		return nil
	}
	// Not the caller's context: the statement outlives the request.
	st, err := db.PrepareContext(context.Background(), query)
	if err != nil {
		return nil
	}
	if prev, loaded := stmts.LoadOrStore(k, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt)
	}
	stmtCount.Add(1)
	return st
}

// QueryRow is db.QueryRowContext through a prepared statement.
func QueryRow(ctx context.Context, db *sql.DB, query string, args ...any) *sql.Row {
	if st := prepared(db, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.QueryRowContext(ctx, query, args...)
}

// Query is db.QueryContext through a prepared statement.
func Query(ctx context.Context, db *sql.DB, query string, args ...any) (*sql.Rows, error) {
	if st := prepared(db, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.QueryContext(ctx, query, args...)
}

// Exec is db.ExecContext through a prepared statement.
func Exec(ctx context.Context, db *sql.DB, query string, args ...any) (sql.Result, error) {
	if st := prepared(db, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.ExecContext(ctx, query, args...)
}
