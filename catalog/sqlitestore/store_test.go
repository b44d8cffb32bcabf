package sqlitestore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/catalog/storetest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) catalog.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}

func TestStarStore(t *testing.T) {
	storetest.RunStars(t, func(t *testing.T) storetest.StarStore {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}

func TestTagStore(t *testing.T) {
	storetest.RunTags(t, func(t *testing.T) storetest.TagStore {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}

func TestRepositoryStore(t *testing.T) {
	storetest.RunRepositories(t, func(t *testing.T) catalog.RepositoryStore {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}

// TestRecordPullCountsConcurrentPulls checks what the shared suite cannot
// (FerretDB loses concurrent $inc updates): that SQLite counts every one of
// many concurrent pulls, against the product and the tag, writers queueing
// on the database lock.
func TestRecordPullCountsConcurrentPulls(t *testing.T) {
	ctx := context.Background()
	s, err := sqlitestore.New(ctx, sqldbtest.Open(t))
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
			e := catalog.PullEvent{ID: fmt.Sprintf("e%d", i), Repository: "acme/a", Tag: "1.0"}
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
	totals, err := s.TagPullTotals(ctx, "acme/a")
	if err != nil {
		t.Fatalf("TagPullTotals: %v", err)
	}
	if totals["1.0"] != pulls {
		t.Errorf("tag pulls = %d, want %d", totals["1.0"], pulls)
	}
}

func TestCommunityStore(t *testing.T) {
	storetest.RunCommunity(t, func(t *testing.T) storetest.CommunityStore {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
