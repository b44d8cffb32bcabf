package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/account/storetest"
	"github.com/berth/berth/internal/sqldb"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) account.Store {
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
