package demo_test

import (
	"path/filepath"
	"testing"

	"github.com/berth/berth/catalog"
	catalogsqlite "github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/publisher"
	publishersqlite "github.com/berth/berth/publisher/sqlitestore"
)

// newStores returns the real embedded catalog and publisher stores on a
// fresh SQLite database.
func newStores(t *testing.T) (catalog.Store, publisher.Store) {
	t.Helper()
	db, err := sqldb.Open(filepath.Join(t.TempDir(), "berth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	cat, err := catalogsqlite.New(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := publishersqlite.New(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return cat, pubs
}
