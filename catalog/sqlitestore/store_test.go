package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/catalog/storetest"
	"github.com/berth/berth/internal/sqldb"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) catalog.Store {
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

// TestRecordPullCountsConcurrentPulls checks what the shared suite cannot
// (FerretDB loses concurrent $inc updates): that SQLite counts every one of
// many concurrent pulls, writers queueing on the database lock.
func TestRecordPullCountsConcurrentPulls(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(filepath.Join(t.TempDir(), "berth.db"))
	if err != nil {
		t.Fatalf("opening database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s, err := sqlitestore.New(ctx, db)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := s.PutProduct(ctx, catalog.Product{Slug: "a", Repositories: []string{"acme/a"}}); err != nil {
		t.Fatalf("PutProduct: %v", err)
	}
	const pulls = 40
	var wg sync.WaitGroup
	for i := range pulls {
		wg.Go(func() {
			e := catalog.PullEvent{ID: fmt.Sprintf("e%d", i), Repository: "acme/a"}
			if _, err := s.RecordPull(ctx, e); err != nil {
				t.Errorf("RecordPull(%s): %v", e.ID, err)
			}
		})
	}
	wg.Wait()
	p, err := s.ProductBySlug(ctx, "a")
	if err != nil {
		t.Fatalf("ProductBySlug: %v", err)
	}
	if p.Pulls != pulls {
		t.Errorf("Pulls = %d, want %d", p.Pulls, pulls)
	}
}
