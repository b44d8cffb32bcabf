package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

func testRecordPull(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	mustPut(t, s, catalog.Product{Slug: "a", Pulls: 10, Repositories: []string{"acme/one", "acme/two"}})
	mustPut(t, s, catalog.Product{Slug: "b", Repositories: []string{"acme/three"}})

	for _, tc := range []struct {
		name         string
		event        catalog.PullEvent
		wantNew      bool
		wantA, wantB int64
	}{
		{"first pull", catalog.PullEvent{ID: "e1", Repository: "acme/two", Reference: "1.0", Digest: "sha256:aa", At: storetesting.T0}, true, 11, 0},
		{"same event again", catalog.PullEvent{ID: "e1", Repository: "acme/two", Reference: "1.0", Digest: "sha256:aa", At: storetesting.T0}, false, 11, 0},
		{"same id, other repository", catalog.PullEvent{ID: "e1", Repository: "acme/three"}, false, 11, 0},
		{"second event, same product", catalog.PullEvent{ID: "e2", Repository: "acme/one", At: storetesting.T1}, true, 12, 0},
		{"unknown repository", catalog.PullEvent{ID: "e3", Repository: "nobody/nothing"}, true, 12, 0},
		{"unknown repository again", catalog.PullEvent{ID: "e3", Repository: "nobody/nothing"}, false, 12, 0},
		{"other product", catalog.PullEvent{ID: "e4", Repository: "acme/three"}, true, 12, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.RecordPull(ctx, tc.event)
			if err != nil {
				t.Fatalf("RecordPull: %v", err)
			}
			if got != tc.wantNew {
				t.Errorf("RecordPull = %v, want %v", got, tc.wantNew)
			}
			if a := mustProduct(t, s, "a").Pulls; a != tc.wantA {
				t.Errorf("a.Pulls = %d, want %d", a, tc.wantA)
			}
			if b := mustProduct(t, s, "b").Pulls; b != tc.wantB {
				t.Errorf("b.Pulls = %d, want %d", b, tc.wantB)
			}
		})
	}
	t.Run("upsert keeps counted pulls", func(t *testing.T) {
		mustPut(t, s, catalog.Product{Slug: "a", Pulls: 0, Repositories: []string{"acme/one"}})
		if a := mustProduct(t, s, "a").Pulls; a != 12 {
			t.Errorf("a.Pulls = %d, want 12", a)
		}
	})
}

// testRecordPullConcurrently delivers the same events from several
// goroutines at once, as retried registry notifications may arrive, and
// checks that each is reported new exactly once. It does not check the
// resulting count: FerretDB v1 applies $inc as read-modify-write, so it loses
// concurrent increments that MongoDB and SQLite keep.
func testRecordPullConcurrently(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	mustPut(t, s, catalog.Product{Slug: "a", Repositories: []string{"acme/one"}})
	const events, copies = 5, 4
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh int
	)
	for i := range events * copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := catalog.PullEvent{ID: fmt.Sprintf("e%d", i%events), Repository: "acme/one"}
			ok, err := s.RecordPull(ctx, e)
			if err != nil {
				t.Errorf("RecordPull(%s): %v", e.ID, err)
			}
			if ok {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if fresh != events {
		t.Errorf("RecordPull reported %d new events, want %d", fresh, events)
	}
	if got := mustProduct(t, s, "a").Pulls; got < 1 || got > events {
		t.Errorf("Pulls = %d, want between 1 and %d", got, events)
	}
}
