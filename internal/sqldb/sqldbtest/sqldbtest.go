// Package sqldbtest gives tests of the sqlitestores a fresh database of their
// own. Production code must not import this package.
package sqldbtest

import (
	"database/sql"
	"path/filepath"
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
