package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publisher/sqlitestore"
	"github.com/berth/berth/publisher/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) publisher.Store {
		db, err := sqldb.Open(filepath.Join(t.TempDir(), "berth.db"))
		if err != nil {
			t.Fatalf("opening database: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		s, err := sqlitestore.New(context.Background(), db)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		// A second New on the same database must find the schema in place.
		if _, err := sqlitestore.New(context.Background(), db); err != nil {
			t.Fatalf("New again: %v", err)
		}
		return s
	})
}
