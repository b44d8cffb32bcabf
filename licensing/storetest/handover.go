package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// RunHandover runs the key handover suite. newStore must return a new,
// empty store for each call.
func RunHandover(t *testing.T, newStore func(t *testing.T) licensing.HandoverStore) {
	storetesting.Run(t, newStore, []storetesting.Test[licensing.HandoverStore]{
		{Name: "TakeOnce", Run: testTakeOnce},
		{Name: "Replace", Run: testHandoverReplace},
		{Name: "Expired", Run: testHandoverExpired},
		{Name: "TakeRace", Run: testHandoverRace},
	})
}

func testTakeOnce(t *testing.T, s licensing.HandoverStore) {
	ctx := context.Background()
	h := licensing.Handover{ID: "h1", Sealed: []byte("sealed key"), ExpiresAt: storetesting.T2}
	if err := s.PutHandover(ctx, h); err != nil {
		t.Fatal(err)
	}
	other := licensing.Handover{ID: "h2", Sealed: []byte("other"), ExpiresAt: storetesting.T2}
	if err := s.PutHandover(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeHandover(ctx, "h1", storetesting.T1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got); diff != "" {
		t.Errorf("taken handover (-want +got):\n%s", diff)
	}
	if _, err := s.TakeHandover(ctx, "h1", storetesting.T1); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("second take: err = %v, want ErrNotFound", err)
	}
	if got, err := s.TakeHandover(ctx, "h2", storetesting.T1); err != nil || string(got.Sealed) != "other" {
		t.Errorf("the other handover: %q, %v; want it untouched", got.Sealed, err)
	}
}

func testHandoverReplace(t *testing.T, s licensing.HandoverStore) {
	ctx := context.Background()
	for _, v := range []string{"first", "second"} {
		if err := s.PutHandover(ctx, licensing.Handover{ID: "h", Sealed: []byte(v), ExpiresAt: storetesting.T2}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.TakeHandover(ctx, "h", storetesting.T1)
	if err != nil || string(got.Sealed) != "second" {
		t.Errorf("take after two puts: %q, %v; want the second", got.Sealed, err)
	}
}

func testHandoverExpired(t *testing.T, s licensing.HandoverStore) {
	ctx := context.Background()
	for _, id := range []string{"old", "pruned", "kept"} {
		exp := storetesting.T1
		if id == "kept" {
			exp = storetesting.T2
		}
		if err := s.PutHandover(ctx, licensing.Handover{ID: id, Sealed: []byte(id), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.TakeHandover(ctx, "old", storetesting.T1); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("take at its expiry: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteExpiredHandovers(ctx, storetesting.T1); err != nil {
		t.Fatal(err)
	}
	// Taken before its expiry, a pruned handover is gone all the same.
	if _, err := s.TakeHandover(ctx, "pruned", storetesting.T0); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("take after pruning: err = %v, want ErrNotFound", err)
	}
	if _, err := s.TakeHandover(ctx, "kept", storetesting.T1); err != nil {
		t.Errorf("an unexpired handover was pruned: %v", err)
	}
}

// testHandoverRace takes one handover from several goroutines at once:
// exactly one gets it.
func testHandoverRace(t *testing.T, s licensing.HandoverStore) {
	ctx := context.Background()
	if err := s.PutHandover(ctx, licensing.Handover{ID: "h", Sealed: []byte("k"), ExpiresAt: storetesting.T2}); err != nil {
		t.Fatal(err)
	}
	const takers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for range takers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.TakeHandover(ctx, "h", storetesting.T1)
			if err != nil && !errors.Is(err, licensing.ErrNotFound) {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				got++
			}
		}()
	}
	wg.Wait()
	if got != 1 {
		t.Errorf("%d of %d concurrent takes got the handover, want exactly 1", got, takers)
	}
}
