// Package storetest is the behaviour suite every builds.Store must pass;
// the SQLite and MongoDB implementations both run it.
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

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) builds.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[builds.Store]{
		{Name: "AddAndRead", Run: testAddAndRead},
		{Name: "Update", Run: testUpdate},
		{Name: "History", Run: testHistory},
		{Name: "Log", Run: testLog},
		{Name: "Cancel", Run: testCancel},
		{Name: "Settings", Run: testSettings},
		{Name: "Slots", Run: testSlots},
		{Name: "Links", Run: testLinks},
		{Name: "Exists", Run: testExists},
	})
}

// record returns a queued build of acme/app with every field set.
func record(id string, created time.Time) builds.Record {
	return builds.Record{ID: id, Repository: "acme/app", Rule: 2,
		Ref:    builds.Ref{Type: builds.Tag, Name: "release/ü-1"},
		Commit: "0123456789abcdef0123456789abcdef01234567", Tags: []string{"1.0", "latest"},
		Status: builds.Queued, Trigger: builds.TriggerPush, CreatedAt: created}
}

func testAddAndRead(t *testing.T, s builds.Store) {
	ctx := context.Background()
	want := record("b1", storetesting.T0)
	if err := s.AddBuild(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Build(ctx, "acme/app", "b1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build (-want +got):\n%s", diff)
	}
	for _, tc := range [][2]string{{"acme/app", "nope"}, {"other/app", "b1"}} {
		if _, err := s.Build(ctx, tc[0], tc[1]); !errors.Is(err, builds.ErrNotFound) {
			t.Errorf("Build(%s, %s) = %v, want ErrNotFound", tc[0], tc[1], err)
		}
	}
	if err := s.AddBuild(ctx, want); err == nil {
		t.Error("a second build with the same ID was stored")
	}
}

func testUpdate(t *testing.T, s builds.Store) {
	ctx := context.Background()
	r := record("b1", storetesting.T0)
	if err := s.AddBuild(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Digest, r.Error = builds.Failed, "sha256:"+r.Commit+r.Commit[:24], "RUN exited 3"
	r.StartedAt, r.FinishedAt, r.Tags = storetesting.T1, storetesting.T2, nil
	if err := s.UpdateBuild(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Build(ctx, "acme/app", "b1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("Build after update (-want +got):\n%s", diff)
	}
	other := r
	other.Repository = "other/app"
	if err := s.UpdateBuild(ctx, other); !errors.Is(err, builds.ErrNotFound) {
		t.Errorf("UpdateBuild of another repository's build = %v, want ErrNotFound", err)
	}
	if err := s.UpdateBuild(ctx, record("nope", storetesting.T0)); !errors.Is(err, builds.ErrNotFound) {
		t.Errorf("UpdateBuild of a missing build = %v, want ErrNotFound", err)
	}
}

func testHistory(t *testing.T, s builds.Store) {
	ctx := context.Background()
	for _, r := range []builds.Record{record("a", storetesting.T0), record("c", storetesting.T2), record("b", storetesting.T2),
		record("d", storetesting.T1)} {
		if err := s.AddBuild(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	elsewhere := record("e", storetesting.T2)
	elsewhere.Repository = "other/app"
	if err := s.AddBuild(ctx, elsewhere); err != nil {
		t.Fatal(err)
	}
	for limit, want := range map[int][]string{10: {"c", "b", "d", "a"}, 2: {"c", "b"}} {
		got, err := s.Builds(ctx, "acme/app", limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("Builds(limit %d) (-want +got):\n%s", limit, diff)
		}
	}
}

func testLog(t *testing.T, s builds.Store) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AppendLog(ctx, "b1", 0, []byte("STEP 1/2\n")))
	must(s.AppendLog(ctx, "b2", 0, []byte("other build\n")))
	must(s.AppendLog(ctx, "b1", 9, []byte{0xff, 0x00, '\n'}))
	must(s.AppendLog(ctx, "b1", 9, []byte("retried\n"))) // the same offset again: kept once
	must(s.AppendLog(ctx, "b1", 12, []byte("done\n")))
	for offset, want := range map[int64]string{0: "STEP 1/2\n\xff\x00\ndone\n", 5: "1/2\n\xff\x00\ndone\n", 12: "done\n", 17: ""} {
		got, err := s.Log(ctx, "b1", offset)
		must(err)
		if string(got) != want {
			t.Errorf("Log from %d = %q, want %q", offset, got, want)
		}
	}
	if got, err := s.Log(ctx, "none", 0); err != nil || len(got) != 0 {
		t.Errorf("Log of a build without one = %q, %v", got, err)
	}
}
