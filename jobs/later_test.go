package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/berth/berth/jobs"
)

// TestLaterWaitsWithoutFailing: a handler that returns Later runs again
// after its delay, past MaxAttempts, with no error recorded; Hasten makes
// it due sooner.
func TestLaterWaitsWithoutFailing(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{MaxAttempts: 2})
	runs := 0
	q.Handle("wait", func(context.Context, []byte) error {
		runs++
		if runs < 4 {
			return jobs.Later(time.Hour)
		}
		return nil
	})
	if _, err := q.Enqueue(ctx, "wait", "w1", nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		j := job(t, s, "w1")
		if runs != i+1 || j.Status != jobs.Pending || j.LastError != "" || !j.RunAt.Equal(c.now().Add(time.Hour)) {
			t.Fatalf("after run %d: runs %d, job %+v; want pending, due in an hour, no error", i+1, runs, j)
		}
		if i == 0 {
			c.add(time.Hour)
			continue
		}
		// Not due before the hour, unless hastened.
		c.add(time.Minute)
		if err := q.RunDue(ctx); err != nil || runs != i+1 {
			t.Fatalf("ran before its time: runs %d, %v", runs, err)
		}
		if err := q.Hasten(ctx, "w1", c.now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if j := job(t, s, "w1"); runs != 4 || j.Status != jobs.Done || j.Attempts != 1 {
		t.Errorf("runs %d, job %+v; want done on the fourth run, its first attempt (waits are not attempts)", runs, j)
	}
}

// TestWaitsDoNotUseUpAttempts: a job that waited many times still has all
// its attempts for failures after the wait (an upload that waited minutes
// for its signature, then met a database error once).
func TestWaitsDoNotUseUpAttempts(t *testing.T) {
	ctx := context.Background()
	q, s, c := newQueue(t, jobs.Config{MaxAttempts: 2})
	runs := 0
	q.Handle("wait", func(context.Context, []byte) error {
		runs++
		switch {
		case runs <= 5:
			return jobs.Later(time.Second)
		case runs == 6:
			return errors.New("database briefly away")
		}
		return nil
	})
	if _, err := q.Enqueue(ctx, "wait", "w1", nil); err != nil {
		t.Fatal(err)
	}
	for range 7 {
		if err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		c.add(time.Hour)
	}
	if j := job(t, s, "w1"); runs != 7 || j.Status != jobs.Done {
		t.Errorf("runs %d, job %+v; want done on the run after the one failure", runs, j)
	}
}
