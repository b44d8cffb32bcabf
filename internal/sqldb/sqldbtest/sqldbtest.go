// Package sqldbtest gives tests of the sqlitestores a fresh database of their
// own. Production code must not import this package.
package sqldbtest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/sqldb"
)

// Open opens a new, empty database under t's temporary directory and closes
// it when t finishes.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sqldb.Open(filepath.Join(t.TempDir(), "berth.db"))
	if err != nil {
		t.Fatalf("opening database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Plan returns the details of stmt's query plan (EXPLAIN QUERY PLAN), with
// args as its parameters or, when none are given, NULL for each "?". Plan
// tests use it to prove a statement reads through an index.
func Plan(t testing.TB, db *sql.DB, stmt string, args ...any) []string {
	t.Helper()
	if len(args) == 0 {
		args = make([]any, strings.Count(stmt, "?"))
	}
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+stmt, args...)
	if err != nil {
		t.Fatalf("explaining: %v", err)
	}
	defer func() { _ = rows.Close() }()
	var steps []string
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatalf("reading the plan: %v", err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading the plan: %v", err)
	}
	return steps
}

// RequireIndexed fails, per statement, when its plan is empty or has a
// step that reads without an index or sorts outside one: the check of
// stores whose every lookup and listing must cost its result, not its
// table.
func RequireIndexed(t *testing.T, db *sql.DB, stmts map[string]string) {
	t.Helper()
	for name, stmt := range stmts {
		t.Run(name, func(t *testing.T) {
			steps := Plan(t, db, stmt)
			if len(steps) == 0 {
				t.Fatal("no plan")
			}
			for _, step := range steps {
				if !strings.Contains(step, " USING ") || strings.Contains(step, "TEMP B-TREE") {
					t.Errorf("plan step %q", step)
				}
			}
		})
	}
}
