package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/jobs/sqlitestore"
)

// waitFor polls cond until it holds, failing the test if it has not after
// a generous bound (a hang guard, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}

// TestHeartbeatKeepsALongJob: a handler that runs twice as long as the
// lease (on the queue's clock) keeps its job: each beat moves the lease
// end, so another worker finds nothing due, and the job is done once.
func TestHeartbeatKeepsALongJob(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{Lease: time.Minute, Heartbeat: time.Millisecond})
	started, finish := make(chan struct{}), make(chan struct{})
	q.Handle("k", func(context.Context, []byte) error { close(started); <-finish; return nil })
	if _, err := q.Enqueue(ctx, "k", "j", nil); err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { _, err := q.RunOne(ctx); ran <- err }()
	<-started
	for range 4 {
		c.add(30 * time.Second)
		until := c.now().Add(time.Minute)
		waitFor(t, "a heartbeat to extend the lease to "+until.String(), func() bool { return job(t, s, "j").RunAt.Equal(until) })
	}
	// Two minutes after the claim, a one-minute lease still holds.
	if _, err := s.Claim(ctx, []string{"k"}, c.now(), c.now().Add(time.Minute), "thief"); !errors.Is(err, jobs.ErrNoneDue) {
		t.Errorf("another worker's claim during the run: err = %v, want ErrNoneDue", err)
	}
	close(finish)
	must(t, <-ran)
	if j := job(t, s, "j"); j.Status != jobs.Done || j.Attempts != 1 || j.Lease != "" {
		t.Errorf("job = %+v, want done after one attempt", j)
	}
}

// TestLostLeaseStopsTheHandler: when another worker has taken the job (its
// lease ended as the store saw it), the next beat finds the lease lost and
// cancels the handler's context; the stopped worker records nothing.
func TestLostLeaseStopsTheHandler(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{Lease: time.Minute, Heartbeat: time.Millisecond})
	started := make(chan struct{})
	q.Handle("k", func(ctx context.Context, _ []byte) error {
		close(started)
		<-ctx.Done()
		return context.Cause(ctx)
	})
	if _, err := q.Enqueue(ctx, "k", "j", nil); err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { _, err := q.RunOne(ctx); ran <- err }()
	<-started
	// A worker whose clock is an hour on takes the job: to the store the
	// lease has ended, whatever the beats said.
	taken, err := s.Claim(ctx, []string{"k"}, c.now().Add(time.Hour), c.now().Add(2*time.Hour), "thief")
	must(t, err)
	select { // returns only once the handler stopped
	case err := <-ran:
		must(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("the handler was not stopped after its lease was lost")
	}
	if j := job(t, s, "j"); j.Lease != "thief" || j.Status != jobs.Pending || j.Attempts != 2 || !j.RunAt.Equal(taken.RunAt) {
		t.Errorf("job = %+v, want still the thief's, pending at attempt 2", j)
	}
}

// TestDeadWorkersJobIsTakenAfterTheLease: worker A claims a job and dies
// mid-run (its process stops: no more beats, no release); worker B, another
// queue on the same store, finds nothing due until A's lease ends, then
// runs the job.
func TestDeadWorkersJobIsTakenAfterTheLease(t *testing.T) {
	ctx := context.Background()
	a, s, c := newQueue(t, jobs.Config{})
	b := jobs.New(jobs.Config{}, s, slog.New(slog.NewTextHandler(t.Output(), nil)))
	jobs.SetClock(b, c.now)
	started := make(chan struct{})
	a.Handle("k", func(ctx context.Context, _ []byte) error { close(started); <-ctx.Done(); return ctx.Err() })
	runs := 0
	b.Handle("k", func(context.Context, []byte) error { runs++; return nil })
	if _, err := a.Enqueue(ctx, "k", "j", nil); err != nil {
		t.Fatal(err)
	}
	actx, kill := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { _, err := a.RunOne(actx); ran <- err }()
	<-started
	kill()
	must(t, <-ran)
	if j := job(t, s, "j"); j.Lease == "" || j.Status != jobs.Pending {
		t.Fatalf("after A died: %+v; want still leased to A", j)
	}
	const lease = 30 * time.Second // the default, as the README states
	c.add(lease - time.Nanosecond)
	if err := b.RunDue(ctx); err != nil || runs != 0 {
		t.Fatalf("B ran the job before A's lease ended (%d runs, err %v)", runs, err)
	}
	c.add(time.Nanosecond)
	if err := b.RunDue(ctx); err != nil || runs != 1 {
		t.Fatalf("B after A's lease ended: %d runs (err %v), want 1", runs, err)
	}
	if j := job(t, s, "j"); j.Status != jobs.Done || j.Attempts != 2 {
		t.Errorf("job = %+v, want done after 2 attempts", j)
	}
}

// TestAttemptAndExpectedFailures: a handler learns its attempt and whether
// it is the last; failures it marks Expected are logged at Debug, and
// giving up at Info, never at Warn or Error.
func TestAttemptAndExpectedFailures(t *testing.T) {
	ctx := context.Background()
	store, err := sqlitestore.New(ctx, sqldbtest.Open(t))
	must(t, err)
	var logs bytes.Buffer
	var mu sync.Mutex
	q := jobs.New(jobs.Config{MaxAttempts: 2}, store, slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs},
		&slog.HandlerOptions{Level: slog.LevelDebug})))
	c := &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	jobs.SetClock(q, c.now)
	var seen []jobs.Attempt
	q.Handle("k", func(ctx context.Context, _ []byte) error {
		a, ok := jobs.AttemptOf(ctx)
		if !ok {
			t.Error("no attempt in the handler's context")
		}
		seen = append(seen, a)
		return jobs.Expected(errors.New("the endpoint answered HTTP 503"))
	})
	if _, err := q.Enqueue(ctx, "k", "j", nil); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		must(t, q.RunDue(ctx))
		c.add(time.Hour)
	}
	want := []jobs.Attempt{{Job: "j", Number: 1}, {Job: "j", Number: 2, Last: true}}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("attempts seen %+v, want %+v", seen, want)
	}
	if j := job(t, store, "j"); j.Status != jobs.Failed || j.LastError != "the endpoint answered HTTP 503" {
		t.Errorf("job = %+v, want failed with the endpoint's answer", j)
	}
	if _, ok := jobs.AttemptOf(ctx); ok {
		t.Error("AttemptOf outside a handler reported an attempt")
	}
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	if !strings.Contains(out, "level=DEBUG msg=\"job failed; retrying\"") || !strings.Contains(out, "level=INFO msg=\"job failed; giving up\"") ||
		strings.Contains(out, "level=WARN") || strings.Contains(out, "level=ERROR") {
		t.Errorf("want the retry at DEBUG and giving up at INFO, nothing louder:\n%s", out)
	}
}

// lockedWriter serialises writes to a buffer.
type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestRetryRunsAFailedJobAgain: a dead letter retried through the queue
// runs again with its attempts renewed.
func TestRetryRunsAFailedJobAgain(t *testing.T) {
	ctx := context.Background()
	q, s, _ := newQueue(t, jobs.Config{MaxAttempts: 1})
	fail := true
	q.Handle("k", func(context.Context, []byte) error {
		if fail {
			return errors.New("down")
		}
		return nil
	})
	if _, err := q.Enqueue(ctx, "k", "j", nil); err != nil {
		t.Fatal(err)
	}
	must(t, q.RunDue(ctx))
	if dead, err := q.Failed(ctx, "k", 10, 0); err != nil || len(dead) != 1 || dead[0].ID != "j" {
		t.Fatalf("dead letters %+v, %v; want j", dead, err)
	}
	fail = false
	if _, err := q.Retry(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	must(t, q.RunDue(ctx))
	if j := job(t, s, "j"); j.Status != jobs.Done || j.Attempts != 1 || j.LastError != "" {
		t.Errorf("job after the retry = %+v, want done after 1 attempt", j)
	}
	if _, err := q.Retry(ctx, "j"); !errors.Is(err, jobs.ErrNotFailed) {
		t.Errorf("retrying a done job: err = %v, want ErrNotFailed", err)
	}
}

// TestDeadLettersOutliveDoneJobs: the purge deletes done jobs after Keep,
// failed ones only after KeepFailed.
func TestDeadLettersOutliveDoneJobs(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{MaxAttempts: 1, Keep: time.Hour, KeepFailed: 48 * time.Hour})
	q.Handle("ok", func(context.Context, []byte) error { return nil })
	q.Handle("bad", func(context.Context, []byte) error { return errors.New("down") })
	for _, k := range []string{"ok", "bad"} {
		if _, err := q.Enqueue(ctx, k, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	must(t, q.RunDue(ctx))
	c.add(time.Hour + time.Nanosecond)
	must(t, q.Purge(ctx))
	if _, err := s.Job(ctx, "ok"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("done job after Keep: err = %v, want it deleted", err)
	}
	if j := job(t, s, "bad"); j.Status != jobs.Failed {
		t.Errorf("failed job after Keep: %+v, want it kept", j)
	}
	c.add(47 * time.Hour)
	must(t, q.Purge(ctx))
	if _, err := s.Job(ctx, "bad"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("failed job after KeepFailed: err = %v, want it deleted", err)
	}
}
