package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/jobs"
)

// testHasten: a pending job due later moves to the earlier time; a job due
// sooner, a running job (its RunAt is its lease's end), a finished job and
// a missing one are left as they are.
func testHasten(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	now := storetesting.T1
	later := job("later", "a", now.Add(time.Hour))
	sooner := job("sooner", "d", now.Add(time.Second))
	running := job("running", "b", now)
	done := job("done", "c", now.Add(time.Hour))
	done.Status = jobs.Done
	mustAdd(t, s, later, sooner, running, done)
	if got := claim(t, s, now, now.Add(time.Hour), "l1", "b"); got != "running" {
		t.Fatalf("claimed %q, want running", got)
	}
	at := now.Add(time.Minute)
	for _, tc := range []struct {
		id    string
		moved bool
		runAt time.Time
	}{
		{"later", true, at},
		{"sooner", false, now.Add(time.Second)},
		{"running", false, now.Add(time.Hour)},
		{"done", false, now.Add(time.Hour)},
	} {
		moved, err := s.Hasten(ctx, tc.id, at)
		if err != nil || moved != tc.moved {
			t.Errorf("Hasten(%s) = %v, %v; want %v, nil", tc.id, moved, err, tc.moved)
		}
		if got := mustJob(t, s, tc.id); !got.RunAt.Equal(tc.runAt) {
			t.Errorf("job %s after Hasten: RunAt %v, want %v", tc.id, got.RunAt, tc.runAt)
		}
	}
	if moved, err := s.Hasten(ctx, "missing", at); err != nil || moved {
		t.Errorf("Hasten(missing) = %v, %v; want false, nil", moved, err)
	}
	// The hastened job is claimed at its new time.
	if got := claim(t, s, at, at.Add(time.Hour), "l2", "a"); got != "later" {
		t.Errorf("claim at the hastened time took %q, want later", got)
	}
}
