// Package storetest is the behaviour suite every jobs.Store must pass; the
// SQLite and MongoDB implementations both run it. Run is the entry point.
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

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) jobs.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[jobs.Store]{
		{Name: "Add", Run: testAdd},
		{Name: "ClaimOrder", Run: testClaimOrder},
		{Name: "ClaimLeases", Run: testClaimLeases},
		{Name: "Release", Run: testRelease},
		{Name: "ReleaseRefused", Run: testReleaseRefused},
		{Name: "DeleteFinished", Run: testDeleteFinished},
		{Name: "DeleteDone", Run: testDeleteDone},
		{Name: "Extend", Run: testExtend},
		{Name: "Failed", Run: testFailed},
		{Name: "Retry", Run: testRetry},
		{Name: "Hasten", Run: testHasten},
	})
}

// RunConcurrent runs the concurrency test: workers claiming at once never
// both hold one job. Only stores whose conditional writes are atomic can
// pass it: SQLite, and MongoDB (one findAndModify of one document), but
// not FerretDB v1, which reads a matching document and then writes it back
// by ID without a condition; the MongoDB store's tests run on FerretDB and
// so leave it out.
func RunConcurrent(t *testing.T, newStore func(t *testing.T) jobs.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[jobs.Store]{
		{Name: "ConcurrentClaims", Run: testConcurrentClaims},
	})
}

// job returns a pending job of kind with every field set; its payload holds
// bytes that are not UTF-8, to show it is kept as bytes.
func job(id, kind string, runAt time.Time) jobs.Job {
	return jobs.Job{ID: id, Kind: kind, Payload: append([]byte(`{"id":"`+id+`","note":"ünïcode"}`), 0x00, 0xff),
		Status: jobs.Pending, RunAt: runAt, LastError: "", CreatedAt: storetesting.T0, UpdatedAt: storetesting.T1}
}

// mustAdd stores js and fails the test unless each is new.
func mustAdd(t *testing.T, s jobs.Store, js ...jobs.Job) {
	t.Helper()
	for _, j := range js {
		if added, err := s.Add(context.Background(), j); err != nil || !added {
			t.Fatalf("Add(%s) = %v, %v; want true, nil", j.ID, added, err)
		}
	}
}

// mustJob reads the job with id and fails the test on error.
func mustJob(t *testing.T, s jobs.Store, id string) jobs.Job {
	t.Helper()
	j, err := s.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("Job(%s): %v", id, err)
	}
	return j
}

func testAdd(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	first := job("j1", "registry.event", storetesting.T1)
	first.Attempts, first.LastError = 3, "an earlier failure"
	empty := jobs.Job{ID: "j0", Kind: "k", Status: jobs.Pending}
	mustAdd(t, s, first, empty)
	again := job("j1", "other", storetesting.T2)
	if added, err := s.Add(ctx, again); err != nil || added {
		t.Errorf("Add of an existing ID = %v, %v; want false, nil", added, err)
	}
	if diff := cmp.Diff(first, mustJob(t, s, "j1")); diff != "" {
		t.Errorf("job after a repeated Add (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(empty, mustJob(t, s, "j0")); diff != "" {
		t.Errorf("job with zero fields (-want +got):\n%s", diff)
	}
	if _, err := s.Job(ctx, "nope"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Job of an unknown ID: err = %v, want ErrNotFound", err)
	}
}

// claim claims a job of kinds at now, leasing it until until, and fails the
// test on an error other than ErrNoneDue; it returns the job's ID, or ""
// when none is due.
func claim(t *testing.T, s jobs.Store, now, until time.Time, lease string, kinds ...string) string {
	t.Helper()
	j, err := s.Claim(context.Background(), kinds, now, until, lease)
	if errors.Is(err, jobs.ErrNoneDue) {
		return ""
	} else if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return j.ID
}

func testClaimOrder(t *testing.T, s jobs.Store) {
	now := storetesting.T1
	later := now.Add(time.Hour)
	done, failed := job("done", "a", now.Add(-time.Hour)), job("failed", "a", now.Add(-time.Hour))
	done.Status, failed.Status = jobs.Done, jobs.Failed
	mustAdd(t, s, job("b2", "a", now.Add(-time.Minute)), job("b1", "a", now.Add(-time.Minute)),
		job("first", "a", now.Add(-time.Hour)), job("due-now", "a", now), job("not-yet", "a", now.Add(time.Nanosecond)),
		job("other-kind", "b", now.Add(-2*time.Hour)), done, failed)
	if got := claim(t, s, now, later, "l0"); got != "" {
		t.Errorf("Claim of no kinds took %s", got)
	}
	var got []string
	for i := range 5 {
		id := claim(t, s, now, later, fmt.Sprintf("l%d", i), "a")
		if id == "" {
			break
		}
		got = append(got, id)
	}
	// Soonest due first, ties by ID; not yet due, other kinds and finished
	// jobs never.
	if diff := cmp.Diff([]string{"first", "b1", "b2", "due-now"}, got); diff != "" {
		t.Errorf("claim order (-want +got):\n%s", diff)
	}
	if got := claim(t, s, now, later, "lb", "c", "b"); got != "other-kind" {
		t.Errorf("Claim of kinds c, b took %q, want other-kind", got)
	}
}

func testClaimLeases(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	now := storetesting.T1
	until := now.Add(time.Minute)
	orig := job("j1", "a", now.Add(-time.Second))
	orig.Attempts = 2
	mustAdd(t, s, orig)
	j, err := s.Claim(ctx, []string{"a"}, now, until, "lease-1")
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	want := orig
	want.Attempts, want.Lease, want.RunAt, want.UpdatedAt = 3, "lease-1", until, now
	if diff := cmp.Diff(want, j); diff != "" {
		t.Errorf("claimed job (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustJob(t, s, "j1")); diff != "" {
		t.Errorf("stored job after the claim (-want +got):\n%s", diff)
	}
	// Held until the lease ends, then due again under a new lease.
	if got := claim(t, s, until.Add(-time.Nanosecond), until.Add(time.Hour), "lease-2", "a"); got != "" {
		t.Errorf("a leased job was claimed again before its lease ended")
	}
	j, err = s.Claim(ctx, []string{"a"}, until, until.Add(time.Hour), "lease-2")
	if err != nil || j.Lease != "lease-2" || j.Attempts != 4 {
		t.Errorf("Claim after the lease ended = %+v, %v; want lease-2, attempt 4", j, err)
	}
}

func testRelease(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	now := storetesting.T1
	mustAdd(t, s, job("j1", "a", now), job("j2", "a", now.Add(time.Second)))
	j, err := s.Claim(ctx, []string{"a"}, now, now.Add(time.Minute), "l1")
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	// Released with its attempts given back (a wait, not a failure): the
	// count is the release's.
	retry := j
	retry.RunAt, retry.LastError, retry.UpdatedAt, retry.Attempts = now.Add(time.Hour), "registry answered 503", storetesting.T2, 0
	if err := s.Release(ctx, retry); err != nil {
		t.Fatalf("Release: %v", err)
	}
	want := retry
	want.Lease = ""
	if diff := cmp.Diff(want, mustJob(t, s, "j1")); diff != "" {
		t.Errorf("released job (-want +got):\n%s", diff)
	}
	// Due again at its new RunAt, not before: j2 comes first.
	if got := claim(t, s, now.Add(time.Minute), now.Add(3*time.Hour), "l2", "a"); got != "j2" {
		t.Errorf("claim after the release took %q, want j2", got)
	}
	j, err = s.Claim(ctx, []string{"a"}, now.Add(time.Hour), now.Add(2*time.Hour), "l3")
	if err != nil || j.ID != "j1" || j.Attempts != 1 || j.LastError != "registry answered 503" {
		t.Fatalf("Claim at the retry time = %+v, %v; want j1, attempt 1 (the release gave one back), with its last error", j, err)
	}
	j.Status, j.LastError, j.UpdatedAt = jobs.Done, "", now.Add(2*time.Hour)
	if err := s.Release(ctx, j); err != nil {
		t.Fatalf("Release as done: %v", err)
	}
	if got := mustJob(t, s, "j1"); got.Status != jobs.Done || got.Lease != "" || got.LastError != "" {
		t.Errorf("job after release as done = %+v", got)
	}
	if got := claim(t, s, now.Add(100*time.Hour), now.Add(101*time.Hour), "l4", "a"); got == "j1" {
		t.Errorf("a done job was claimed")
	}
}

func testReleaseRefused(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	now := storetesting.T1
	mustAdd(t, s, job("j1", "a", now))
	stale, err := s.Claim(ctx, []string{"a"}, now, now.Add(time.Minute), "old")
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	current, err := s.Claim(ctx, []string{"a"}, now.Add(time.Minute), now.Add(time.Hour), "new")
	if err != nil {
		t.Fatalf("Claim after the lease ended: %v", err)
	}
	stale.Status, stale.UpdatedAt = jobs.Done, now.Add(2*time.Minute)
	if err := s.Release(ctx, stale); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("Release under a lost lease: err = %v, want ErrLeaseLost", err)
	}
	noLease := current
	noLease.Lease, noLease.Status = "", jobs.Done
	if err := s.Release(ctx, noLease); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("Release with no lease: err = %v, want ErrLeaseLost", err)
	}
	if diff := cmp.Diff(current, mustJob(t, s, "j1")); diff != "" {
		t.Errorf("refused releases changed the job (-want +got):\n%s", diff)
	}
	current.Status = jobs.Failed
	if err := s.Release(ctx, current); err != nil {
		t.Fatalf("Release under the current lease: %v", err)
	}
	if err := s.Release(ctx, current); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("second Release: err = %v, want ErrLeaseLost", err)
	}
	unknown := current
	unknown.ID = "nope"
	if err := s.Release(ctx, unknown); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Release of an unknown ID: err = %v, want ErrNotFound", err)
	}
}

func testDeleteFinished(t *testing.T, s jobs.Store) {
	testDeleteBefore(t, s, "DeleteFinished", s.DeleteFinished, func(st jobs.Status) bool { return st != jobs.Pending })
}

func testDeleteDone(t *testing.T, s jobs.Store) {
	testDeleteBefore(t, s, "DeleteDone", s.DeleteDone, func(st jobs.Status) bool { return st == jobs.Done })
}

// testDeleteBefore stores a job of each status updated just before a cut
// and one at it, deletes with del, and checks that exactly the jobs of the
// statuses goes selects, updated before the cut, are gone.
func testDeleteBefore(t *testing.T, s jobs.Store, name string, del func(context.Context, time.Time) (int, error), goes func(jobs.Status) bool) {
	ctx := context.Background()
	cut := storetesting.T1
	var all []jobs.Job
	want := 0
	for _, st := range []jobs.Status{jobs.Pending, jobs.Done, jobs.Failed} {
		for _, at := range []time.Time{cut.Add(-time.Nanosecond), cut} {
			j := job(fmt.Sprintf("%s-%d", st, at.UnixNano()), "a", cut)
			j.Status, j.UpdatedAt = st, at
			all = append(all, j)
			if goes(st) && at.Before(cut) {
				want++
			}
		}
	}
	mustAdd(t, s, all...)
	n, err := del(ctx, cut)
	if err != nil || n != want {
		t.Fatalf("%s = %d, %v; want %d", name, n, err, want)
	}
	for _, j := range all {
		_, err := s.Job(ctx, j.ID)
		gone := errors.Is(err, jobs.ErrNotFound)
		if wantGone := goes(j.Status) && j.UpdatedAt.Before(cut); gone != wantGone {
			t.Errorf("%s: %s (%s, updated %v): gone = %v, want %v (err %v)", name, j.ID, j.Status, j.UpdatedAt, gone, wantGone, err)
		}
	}
}
