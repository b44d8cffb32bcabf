package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/jobs"
)

// testExtend: a heartbeat moves only the lease end of a job its lease
// holds; a lost or cleared lease, a finished job and an unknown ID are
// refused and change nothing.
func testExtend(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	now := storetesting.T1
	mustAdd(t, s, job("j1", "a", now), job("other", "a", now.Add(time.Hour)))
	held, err := s.Claim(ctx, []string{"a"}, now, now.Add(time.Minute), "l1")
	if err != nil || held.ID != "j1" {
		t.Fatalf("Claim = %+v, %v", held, err)
	}
	later := now.Add(10 * time.Minute)
	if err := s.Extend(ctx, "j1", "l1", later); err != nil {
		t.Fatalf("Extend under the lease: %v", err)
	}
	want := held
	want.RunAt = later
	if diff := cmp.Diff(want, mustJob(t, s, "j1")); diff != "" {
		t.Errorf("job after Extend (-want +got):\n%s", diff)
	}
	// Extended: not due at the old lease end.
	if got := claim(t, s, now.Add(time.Minute), now.Add(time.Hour), "l2", "a"); got != "" {
		t.Errorf("an extended job was claimed at its old lease end: %s", got)
	}
	for _, tc := range []struct{ name, id, lease string }{
		{"other lease", "j1", "l2"},
		{"no lease", "j1", ""},
		{"unleased job", "other", ""},
	} {
		if err := s.Extend(ctx, tc.id, tc.lease, later.Add(time.Hour)); !errors.Is(err, jobs.ErrLeaseLost) {
			t.Errorf("Extend with %s: err = %v, want ErrLeaseLost", tc.name, err)
		}
	}
	if diff := cmp.Diff(want, mustJob(t, s, "j1")); diff != "" {
		t.Errorf("refused Extends changed the job (-want +got):\n%s", diff)
	}
	done := want
	done.Status, done.UpdatedAt = jobs.Done, later
	if err := s.Release(ctx, done); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := s.Extend(ctx, "j1", "l1", later.Add(time.Hour)); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("Extend of a released job: err = %v, want ErrLeaseLost", err)
	}
	if err := s.Extend(ctx, "nope", "l1", later); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Extend of an unknown ID: err = %v, want ErrNotFound", err)
	}
}

// testFailed: only failed jobs are listed, the last updated first (ties
// by ID, descending), filtered by kind, in pages.
func testFailed(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	t1 := storetesting.T1
	byID := map[string]jobs.Job{}
	add := func(id, kind string, st jobs.Status, updated time.Time) {
		j := job(id, kind, t1)
		j.Status, j.UpdatedAt, j.Attempts, j.LastError = st, updated, 8, "failure of "+id
		byID[id] = j
		mustAdd(t, s, j)
	}
	add("f1", "webhook", jobs.Failed, t1)
	add("f2", "registry", jobs.Failed, t1.Add(time.Second))
	add("f3", "webhook", jobs.Failed, t1) // tie with f1: by ID, descending
	add("f4", "webhook", jobs.Failed, t1.Add(-time.Nanosecond))
	add("done", "webhook", jobs.Done, t1.Add(time.Hour))
	add("pending", "webhook", jobs.Pending, t1.Add(time.Hour))
	for _, tc := range []struct {
		kind          string
		limit, offset int
		want          []string
	}{
		{"", 10, 0, []string{"f2", "f3", "f1", "f4"}},
		{"webhook", 10, 0, []string{"f3", "f1", "f4"}},
		{"registry", 10, 0, []string{"f2"}},
		{"nothing", 10, 0, nil},
		{"", 2, 0, []string{"f2", "f3"}},
		{"", 2, 2, []string{"f1", "f4"}},
		{"", 2, 4, nil},
		{"webhook", 1, 1, []string{"f1"}},
		{"", 0, 0, nil},
	} {
		t.Run(fmt.Sprintf("%s_%d_%d", tc.kind, tc.limit, tc.offset), func(t *testing.T) {
			got, err := s.Failed(ctx, tc.kind, tc.limit, tc.offset)
			if err != nil {
				t.Fatalf("Failed: %v", err)
			}
			var want []jobs.Job
			for _, id := range tc.want {
				want = append(want, byID[id])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Failed(%q, %d, %d) (-want +got):\n%s", tc.kind, tc.limit, tc.offset, diff)
			}
		})
	}
}

// testRetry: a failed job becomes pending, due now, with its attempts
// reset and its last error kept, and a worker claims it; a job that is not
// failed, or not there, is refused and unchanged.
func testRetry(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	now := storetesting.T2
	failed := job("f", "a", storetesting.T0)
	failed.Status, failed.Attempts, failed.LastError = jobs.Failed, 8, "endpoint answered 503"
	done := job("d", "a", storetesting.T0)
	done.Status = jobs.Done
	mustAdd(t, s, failed, done, job("p", "a", now.Add(time.Hour)))
	got, err := s.Retry(ctx, "f", now)
	if err != nil {
		t.Fatalf("Retry: %v", err)
	}
	want := failed
	want.Status, want.Attempts, want.RunAt, want.UpdatedAt = jobs.Pending, 0, now, now
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("retried job (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustJob(t, s, "f")); diff != "" {
		t.Errorf("stored job after Retry (-want +got):\n%s", diff)
	}
	if _, err := s.Retry(ctx, "f", now.Add(time.Second)); !errors.Is(err, jobs.ErrNotFailed) {
		t.Errorf("second Retry: err = %v, want ErrNotFailed", err)
	}
	for _, id := range []string{"d", "p"} {
		before := mustJob(t, s, id)
		if _, err := s.Retry(ctx, id, now); !errors.Is(err, jobs.ErrNotFailed) {
			t.Errorf("Retry of %s: err = %v, want ErrNotFailed", id, err)
		}
		if diff := cmp.Diff(before, mustJob(t, s, id)); diff != "" {
			t.Errorf("a refused Retry changed %s (-want +got):\n%s", id, diff)
		}
	}
	if _, err := s.Retry(ctx, "nope", now); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Retry of an unknown ID: err = %v, want ErrNotFound", err)
	}
	j, err := s.Claim(ctx, []string{"a"}, now, now.Add(time.Minute), "l1")
	if err != nil || j.ID != "f" || j.Attempts != 1 {
		t.Errorf("Claim after the retry = %+v, %v; want f at attempt 1", j, err)
	}
	if got, err := s.Failed(ctx, "", 10, 0); err != nil || len(got) != 0 {
		t.Errorf("Failed after the retry = %v, %v; want none", got, err)
	}
}
