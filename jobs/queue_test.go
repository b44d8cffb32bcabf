package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/jobs/mongostore"
	"github.com/berth/berth/jobs/sqlitestore"
)

// clock is a settable time for the queue.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newQueue returns a queue over a fresh SQLite store, on a clock the test
// moves, and the store.
func newQueue(t *testing.T, cfg jobs.Config) (*jobs.Queue, jobs.Store, *clock) {
	t.Helper()
	store, err := sqlitestore.New(context.Background(), sqldbtest.Open(t))
	if err != nil {
		t.Fatal(err)
	}
	q := jobs.New(cfg, store, slog.New(slog.NewTextHandler(t.Output(), nil)))
	c := &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	jobs.SetClock(q, c.now)
	return q, store, c
}

// job reads a job and fails the test on error.
func job(t *testing.T, s jobs.Store, id string) jobs.Job {
	t.Helper()
	j, err := s.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("Job(%s): %v", id, err)
	}
	return j
}

func TestEnqueueTwiceRunsOnce(t *testing.T) {
	ctx := context.Background()
	q, s, _ := newQueue(t, jobs.Config{})
	var got []string
	q.Handle("k", func(_ context.Context, p []byte) error { got = append(got, string(p)); return nil })
	for i, p := range []string{"first", "second"} {
		added, err := q.Enqueue(ctx, "k", "id-1", []byte(p))
		if err != nil || added != (i == 0) {
			t.Errorf("Enqueue #%d = %v, %v; want %v", i+1, added, err, i == 0)
		}
	}
	if err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	// Enqueued again after it ran: still the one job.
	if added, err := q.Enqueue(ctx, "k", "id-1", []byte("third")); err != nil || added {
		t.Errorf("Enqueue after the job ran = %v, %v; want false", added, err)
	}
	if err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "first" {
		t.Errorf("handler ran with %q, want once with the first payload", got)
	}
	if j := job(t, s, "id-1"); j.Status != jobs.Done || j.Attempts != 1 {
		t.Errorf("job = %+v, want done after one attempt", j)
	}
}

func TestFailureIsRetriedAfterBackoff(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{})
	runs := 0
	q.Handle("k", func(context.Context, []byte) error {
		runs++
		if runs == 1 {
			return errors.New("registry answered 503")
		}
		return nil
	})
	if _, err := q.Enqueue(ctx, "k", "j", nil); err != nil {
		t.Fatal(err)
	}
	if err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	j := job(t, s, "j")
	if runs != 1 || j.Status != jobs.Pending || j.LastError != "registry answered 503" || !j.RunAt.Equal(c.now().Add(jobs.Backoff(1))) {
		t.Fatalf("after a failed attempt: %d runs, job %+v; want pending, due after the backoff, with the error", runs, j)
	}
	c.add(jobs.Backoff(1) - time.Nanosecond)
	if err := q.RunDue(ctx); err != nil || runs != 1 {
		t.Fatalf("ran %d times before the backoff ended (err %v)", runs, err)
	}
	c.add(time.Nanosecond)
	if err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if j := job(t, s, "j"); runs != 2 || j.Status != jobs.Done || j.Attempts != 2 || j.LastError != "" {
		t.Errorf("after the retry: %d runs, job %+v; want done after 2 attempts", runs, j)
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{MaxAttempts: 3})
	runs := 0
	q.Handle("k", func(context.Context, []byte) error { runs++; return errors.New("down") })
	q.Handle("p", func(context.Context, []byte) error { return jobs.Permanent(errors.New("payload does not decode")) })
	for _, k := range []string{"k", "p"} {
		if _, err := q.Enqueue(ctx, k, k+"-job", nil); err != nil {
			t.Fatal(err)
		}
	}
	for range 10 {
		if err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		c.add(time.Hour)
	}
	if j := job(t, s, "k-job"); runs != 3 || j.Status != jobs.Failed || j.Attempts != 3 || j.LastError != "down" {
		t.Errorf("retried job: %d runs, %+v; want failed after 3", runs, j)
	}
	if j := job(t, s, "p-job"); j.Status != jobs.Failed || j.Attempts != 1 || j.LastError != "payload does not decode" {
		t.Errorf("permanently failing job: %+v; want failed after 1", j)
	}
}

func TestAbandonedLeaseRunsAgain(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{Lease: time.Minute})
	runs := 0
	q.Handle("k", func(context.Context, []byte) error { runs++; return nil })
	if _, err := q.Enqueue(ctx, "k", "j", nil); err != nil {
		t.Fatal(err)
	}
	// A worker elsewhere claims the job and dies holding it.
	dead, err := s.Claim(ctx, []string{"k"}, c.now(), c.now().Add(time.Minute), "dead-worker")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.RunDue(ctx); err != nil || runs != 0 {
		t.Fatalf("a leased job ran (%d runs, err %v)", runs, err)
	}
	c.add(time.Minute)
	if err := q.RunDue(ctx); err != nil || runs != 1 {
		t.Fatalf("after the lease ended: %d runs (err %v), want 1", runs, err)
	}
	dead.Status = jobs.Failed
	if err := s.Release(ctx, dead); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("the dead worker's late report: err = %v, want ErrLeaseLost", err)
	}
	if j := job(t, s, "j"); j.Status != jobs.Done || j.Attempts != 2 {
		t.Errorf("job = %+v, want done after 2 attempts", j)
	}
}

func TestOnlyHandledKindsAreClaimed(t *testing.T) {
	ctx := context.Background()
	q, s, _ := newQueue(t, jobs.Config{})
	q.Handle("mine", func(context.Context, []byte) error { return nil })
	for _, k := range []string{"mine", "newer-binary"} {
		if _, err := q.Enqueue(ctx, k, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if j := job(t, s, "newer-binary"); j.Status != jobs.Pending || j.Attempts != 0 {
		t.Errorf("a job of an unhandled kind was touched: %+v", j)
	}
}

// TestRunWorksThroughEnqueuedJobs runs several workers over a burst of
// jobs on each store: every job runs once. On FerretDB, whose
// findAndModify is not atomic, this holds because one process's workers
// claim one at a time.
func TestRunWorksThroughEnqueuedJobs(t *testing.T) {
	stores := map[string]func(t *testing.T) jobs.Store{
		"sqlite": func(t *testing.T) jobs.Store {
			s, err := sqlitestore.New(context.Background(), sqldbtest.Open(t))
			must(t, err)
			return s
		},
		"ferretdb": func(t *testing.T) jobs.Store {
			s, err := mongostore.New(context.Background(), mongotest.Start(t))
			must(t, err)
			return s
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) { runBurst(t, newStore(t)) })
	}
}

func runBurst(t *testing.T, store jobs.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := jobs.New(jobs.Config{Workers: 3, Poll: time.Hour}, store, slog.New(slog.NewTextHandler(t.Output(), nil)))
	const n = 30
	done := make(chan string, 2*n)
	q.Handle("k", func(_ context.Context, p []byte) error { done <- string(p); return nil })
	stopped := make(chan struct{})
	go func() { q.Run(ctx); close(stopped) }()
	seen := map[string]bool{}
	for i := range n {
		id := string(rune('a' + i))
		if _, err := q.Enqueue(ctx, "k", id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	// Enqueue wakes the workers: no poll (an hour) is needed.
	for len(seen) < n {
		select {
		case id := <-done:
			if seen[id] {
				t.Errorf("job %s ran twice", id)
			}
			seen[id] = true
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d jobs ran", len(seen), n)
		}
	}
	cancel()
	<-stopped
	close(done)
	for id := range done {
		t.Errorf("job %s ran again", id)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
