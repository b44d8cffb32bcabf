package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/jobs"
)

// testConcurrentClaims has several workers claim and release jobs at once
// until none is due, and checks that every job was claimed exactly once:
// no two workers ever held one job.
func testConcurrentClaims(t *testing.T, s jobs.Store) {
	const n, workers = 40, 4
	now := storetesting.T1
	for i := range n {
		mustAdd(t, s, job(fmt.Sprintf("j%02d", i), "a", now))
	}
	var (
		mu     sync.Mutex
		claims = map[string]int{}
		wg     sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				j, err := s.Claim(context.Background(), []string{"a"}, now, now.Add(time.Hour), fmt.Sprintf("w%d-%d", w, i))
				if errors.Is(err, jobs.ErrNoneDue) {
					return
				} else if err != nil {
					t.Errorf("worker %d: Claim: %v", w, err)
					return
				}
				mu.Lock()
				claims[j.ID]++
				mu.Unlock()
				j.Status = jobs.Done
				if err := s.Release(context.Background(), j); err != nil {
					t.Errorf("worker %d: Release(%s): %v", w, j.ID, err)
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		id := fmt.Sprintf("j%02d", i)
		if claims[id] != 1 {
			t.Errorf("%s claimed %d times, want once", id, claims[id])
		}
		if got := mustJob(t, s, id); got.Status != jobs.Done || got.Attempts != 1 {
			t.Errorf("%s after the run: status %s, attempts %d; want done after 1", id, got.Status, got.Attempts)
		}
	}
}
