package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
)

// testStepUpload: a step is recorded over the attempts it read, only its
// own fields change, and a second step from the same attempts (a worker
// that lost its lease) is refused and leaves the first one's record.
func testStepUpload(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	stored := mustCreate(t, s, upload("up1", "1.0", "sha256:aaa", storetesting.T0))
	step := stored
	step.Status, step.Reason, step.Attempts = publisher.UploadPromoted, "verified with key k", stored.Attempts+1
	step.NextAttemptAt, step.UpdatedAt = storetesting.T2, storetesting.T2
	// Fields a step does not own are kept whatever u says.
	withOthers := step
	withOthers.Tag, withOthers.Pusher, withOthers.CreatedAt = "9.9", "someone", storetesting.T2
	if err := s.StepUpload(ctx, withOthers, stored.Attempts); err != nil {
		t.Fatalf("StepUpload: %v", err)
	}
	if diff := cmp.Diff(step, mustUpload(t, s, "up1")); diff != "" {
		t.Errorf("upload after the step (-want +got):\n%s", diff)
	}

	stale := stored
	stale.Status, stale.Reason, stale.Attempts = publisher.UploadWaiting, "waiting for a signature", stored.Attempts+1
	if err := s.StepUpload(ctx, stale, stored.Attempts); !errors.Is(err, publisher.ErrStale) {
		t.Errorf("a second step from the same attempts: err = %v, want ErrStale", err)
	}
	if diff := cmp.Diff(step, mustUpload(t, s, "up1")); diff != "" {
		t.Errorf("upload after the refused step (-want +got):\n%s", diff)
	}
	missing := upload("up9", "9", "sha256:999", storetesting.T0)
	if err := s.StepUpload(ctx, missing, missing.Attempts); !errors.Is(err, publisher.ErrNotFound) {
		t.Errorf("StepUpload(up9): err = %v, want ErrNotFound", err)
	}
}
