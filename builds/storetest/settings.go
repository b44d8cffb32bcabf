package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/storetesting"
)

// testCancel: a cancellation survives the worker's own updates, and only
// RequestCancel sets it.
func testCancel(t *testing.T, s builds.Store) {
	ctx := context.Background()
	r := record("b1", storetesting.T0)
	if err := s.AddBuild(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.RequestCancel(ctx, "acme/app", "b1")
	if err != nil || !got.CancelRequested || got.Status != builds.Queued {
		t.Fatalf("RequestCancel = %+v, %v; want the queued record, flagged", got, err)
	}
	r.Status, r.StartedAt = builds.Running, storetesting.T1 // a worker that read the record before the cancel
	if err := s.UpdateBuild(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Build(ctx, "acme/app", "b1"); err != nil || !got.CancelRequested || got.Status != builds.Running {
		t.Errorf("after UpdateBuild: %+v, %v; want running and still flagged", got, err)
	}
	if got, _ := s.Builds(ctx, "acme/app", 5); len(got) != 1 || !got[0].CancelRequested {
		t.Errorf("Builds = %+v, want the flagged build", got)
	}
	if _, err := s.RequestCancel(ctx, "other/app", "b1"); !errors.Is(err, builds.ErrNotFound) {
		t.Errorf("RequestCancel of another repository's build = %v, want ErrNotFound", err)
	}
}

func testSettings(t *testing.T, s builds.Store) {
	ctx := context.Background()
	if _, err := s.Settings(ctx, "acme/app"); !errors.Is(err, builds.ErrNotFound) {
		t.Fatalf("Settings before any = %v, want ErrNotFound", err)
	}
	want := builds.StoredSettings{Repository: "acme/app", URL: "ssh://git@example.com/acme/app.git",
		HostKey: "ssh-ed25519 AAAAC3", Rules: []builds.Rule{
			{Type: builds.Branch, Source: "main", Dockerfile: "Dockerfile", Context: ".", Tag: "latest",
				BuildArgs: map[string]string{"A": "1"}, Autobuild: true},
			{Type: builds.Tag, Source: `/^v([0-9.]+)$/`, Dockerfile: "d/Dockerfile", Context: "d", Tag: `{\1}`}},
		Links: []string{"acme/base:1"}, DeployKeyPublic: "ssh-ed25519 AAAA berth:acme/app",
		DeployKeyPrivate: []byte{1, 2, 0, 3}, HookSecret: []byte("sealed hook"), UpdatedAt: storetesting.T0}
	if err := s.PutSettings(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Settings(ctx, "acme/app")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Settings (-want +got):\n%s", diff)
	}
	next := builds.StoredSettings{Repository: "acme/app", URL: "https://example.com/acme/app.git",
		Rules: want.Rules[:1], Token: []byte("sealed token"), HookSecret: []byte("other"), UpdatedAt: storetesting.T1}
	if err := s.PutSettings(ctx, next); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Settings(ctx, "acme/app"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(next, got); diff != "" {
		t.Errorf("Settings after replacing (-want +got):\n%s", diff)
	}
	if _, err := s.Settings(ctx, "acme/other"); !errors.Is(err, builds.ErrNotFound) {
		t.Errorf("Settings of another repository = %v, want ErrNotFound", err)
	}
}

func testSlots(t *testing.T, s builds.Store) {
	ctx := context.Background()
	T0, T1, T2 := storetesting.T0, storetesting.T1, storetesting.T2
	pick := func(i int) time.Time { return [...]time.Time{T0, T1, T2}[i] }
	for i, c := range []struct {
		key, holder string
		now, until  int // 0, 1, 2: T0, T1, T2
		want        bool
	}{
		{"acme/0", "a", 0, 1, true},  // free
		{"acme/0", "b", 0, 2, false}, // held by a until T1
		{"acme/0", "a", 0, 2, true},  // a extends to T2
		{"acme/0", "b", 1, 2, false}, // still held
		{"acme/1", "b", 0, 1, true},  // another slot
		{"other/0", "c", 0, 1, true}, // another account
	} {
		now, until := pick(c.now), pick(c.until)
		got, err := s.AcquireSlot(ctx, c.key, c.holder, now, until)
		if err != nil || got != c.want {
			t.Errorf("step %d: AcquireSlot(%s, %s) = %v, %v; want %v", i, c.key, c.holder, got, err, c.want)
		}
	}
	if err := s.ReleaseSlot(ctx, "acme/0", "b"); err != nil { // not b's: nothing happens
		t.Fatal(err)
	}
	if got, _ := s.AcquireSlot(ctx, "acme/0", "b", T0, T1); got {
		t.Error("a release by another holder freed the slot")
	}
	if err := s.ReleaseSlot(ctx, "acme/0", "a"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.AcquireSlot(ctx, "acme/0", "b", T0, T1); err != nil || !got {
		t.Errorf("AcquireSlot after release = %v, %v; want true", got, err)
	}
	// A holding that ended (a crashed instance) is taken over.
	if got, err := s.AcquireSlot(ctx, "acme/1", "d", T2, T2.Add(T2.Sub(T0))); err != nil || !got {
		t.Errorf("AcquireSlot of an ended holding = %v, %v; want true", got, err)
	}
}
