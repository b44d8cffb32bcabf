package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
)

// upload returns a waiting upload of acme's db with every field set.
func upload(id, tag, digest string, created time.Time) publisher.Upload {
	return publisher.Upload{ID: id, Publisher: "p1", Staging: "staging/acme/db", Target: "acme/db",
		Tag: tag, Digest: digest, Status: publisher.UploadWaiting, Reason: "no signature yet",
		Attempts: 1, NextAttemptAt: created.Add(time.Minute), Pusher: "u1",
		CreatedAt: created, UpdatedAt: created.Add(time.Second)}
}

// mustCreate creates u and fails the test unless it is new.
func mustCreate(t *testing.T, s publisher.Store, u publisher.Upload) publisher.Upload {
	t.Helper()
	got, created, err := s.CreateUpload(context.Background(), u)
	if err != nil || !created {
		t.Fatalf("CreateUpload(%s) = created %v, %v; want a new upload", u.ID, created, err)
	}
	return got
}

// mustUpload reads upload id and fails the test on error.
func mustUpload(t *testing.T, s publisher.Store, id string) publisher.Upload {
	t.Helper()
	u, err := s.Upload(context.Background(), id)
	if err != nil {
		t.Fatalf("Upload(%s): %v", id, err)
	}
	return u
}

func testCreateUpload(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	first := upload("up1", "1.0", "sha256:aaa", storetesting.T0)
	if diff := cmp.Diff(first, mustCreate(t, s, first)); diff != "" {
		t.Errorf("CreateUpload result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first, mustUpload(t, s, "up1")); diff != "" {
		t.Errorf("Upload (-want +got):\n%s", diff)
	}
	t.Run("the same staging, tag and digest returns the stored upload", func(t *testing.T) {
		again := upload("up2", "1.0", "sha256:aaa", storetesting.T1)
		again.Pusher = "u2"
		got, created, err := s.CreateUpload(ctx, again)
		if err != nil || created {
			t.Fatalf("CreateUpload again = created %v, %v; want the existing upload", created, err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("returned upload (-want +got):\n%s", diff)
		}
		if _, err := s.Upload(ctx, "up2"); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("Upload(up2): err = %v, want ErrNotFound", err)
		}
	})
	t.Run("another digest, tag or staging is a new upload", func(t *testing.T) {
		otherStaging := upload("up5", "1.0", "sha256:aaa", storetesting.T1)
		otherStaging.Staging = "staging/acme/cache"
		for _, u := range []publisher.Upload{
			upload("up3", "1.0", "sha256:bbb", storetesting.T1),
			upload("up4", "latest", "sha256:aaa", storetesting.T1),
			otherStaging,
		} {
			mustCreate(t, s, u)
			if diff := cmp.Diff(u, mustUpload(t, s, u.ID)); diff != "" {
				t.Errorf("Upload(%s) (-want +got):\n%s", u.ID, diff)
			}
		}
	})
	t.Run("an empty ID is filled in", func(t *testing.T) {
		got := mustCreate(t, s, upload("", "2.0", "sha256:ccc", storetesting.T2))
		if got.ID == "" {
			t.Fatal("CreateUpload returned an empty ID")
		}
		if diff := cmp.Diff(got, mustUpload(t, s, got.ID)); diff != "" {
			t.Errorf("Upload (-want +got):\n%s", diff)
		}
	})
	t.Run("a taken ID conflicts", func(t *testing.T) {
		_, _, err := s.CreateUpload(ctx, upload("up1", "3.0", "sha256:ddd", storetesting.T2))
		if !errors.Is(err, publisher.ErrConflict) {
			t.Errorf("CreateUpload of a taken ID: err = %v, want ErrConflict", err)
		}
		if diff := cmp.Diff(first, mustUpload(t, s, "up1")); diff != "" {
			t.Errorf("Upload(up1) after the conflict (-want +got):\n%s", diff)
		}
	})
}

func testUpdateUpload(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	stored := mustCreate(t, s, upload("up1", "1.0", "sha256:aaa", storetesting.T0))
	other := mustCreate(t, s, upload("up2", "1.1", "sha256:bbb", storetesting.T0))

	changed := publisher.Upload{ID: "up1", Publisher: "p2", Staging: "staging/north/db", Target: "north/db",
		Tag: "1.2", Digest: "sha256:ccc", Status: publisher.UploadPromoted, Attempts: 4,
		NextAttemptAt: storetesting.T2, Pusher: "u2", CreatedAt: storetesting.T2, UpdatedAt: storetesting.T2}
	if err := s.UpdateUpload(ctx, changed); err != nil {
		t.Fatalf("UpdateUpload: %v", err)
	}
	want := changed
	want.CreatedAt = stored.CreatedAt
	if diff := cmp.Diff(want, mustUpload(t, s, "up1")); diff != "" {
		t.Errorf("updated upload (-want +got):\n%s", diff)
	}
	t.Run("unknown ID", func(t *testing.T) {
		if err := s.UpdateUpload(ctx, upload("up9", "9", "sha256:999", storetesting.T0)); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("UpdateUpload(up9): err = %v, want ErrNotFound", err)
		}
		if _, err := s.Upload(ctx, "up9"); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("Upload(up9): err = %v, want ErrNotFound", err)
		}
	})
	t.Run("another upload's staging, tag and digest conflict", func(t *testing.T) {
		clash := other
		clash.Staging, clash.Tag, clash.Digest = changed.Staging, changed.Tag, changed.Digest
		if err := s.UpdateUpload(ctx, clash); !errors.Is(err, publisher.ErrConflict) {
			t.Errorf("UpdateUpload to a taken tag and digest: err = %v, want ErrConflict", err)
		}
		if diff := cmp.Diff(other, mustUpload(t, s, "up2")); diff != "" {
			t.Errorf("upload after the conflict (-want +got):\n%s", diff)
		}
	})
	t.Run("the released tag and digest can be created again", func(t *testing.T) {
		mustCreate(t, s, upload("up3", "1.0", "sha256:aaa", storetesting.T1))
	})
}

func testUploadLookups(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	oldest := mustCreate(t, s, upload("up1", "1.0", "sha256:aaa", storetesting.T0))
	middle := mustCreate(t, s, upload("up2", "latest", "sha256:aaa", storetesting.T1))
	newest := mustCreate(t, s, upload("up3", "2.0", "sha256:bbb", storetesting.T2))
	elsewhere := upload("up4", "1.0", "sha256:aaa", storetesting.T1)
	elsewhere.Publisher, elsewhere.Staging, elsewhere.Target = "p2", "staging/north/db", "north/db"
	mustCreate(t, s, elsewhere)

	for _, tc := range []struct {
		name, publisher string
		limit           int
		want            []publisher.Upload
	}{
		{"newest first", "p1", 10, []publisher.Upload{newest, middle, oldest}},
		{"at most limit", "p1", 2, []publisher.Upload{newest, middle}},
		{"zero limit", "p1", 0, nil},
		{"other publisher", "p2", 10, []publisher.Upload{elsewhere}},
		{"unknown publisher", "p9", 10, nil},
	} {
		t.Run("Uploads/"+tc.name, func(t *testing.T) {
			got, err := s.Uploads(ctx, tc.publisher, tc.limit)
			if err != nil {
				t.Fatalf("Uploads: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, equate); diff != "" {
				t.Errorf("Uploads(%s, %d) (-want +got):\n%s", tc.publisher, tc.limit, diff)
			}
		})
	}
	for _, tc := range []struct {
		name, staging, digest string
		want                  []publisher.Upload
	}{
		{"every tag of the digest", "staging/acme/db", "sha256:aaa", []publisher.Upload{oldest, middle}},
		{"one tag", "staging/acme/db", "sha256:bbb", []publisher.Upload{newest}},
		{"same digest, other staging", "staging/north/db", "sha256:aaa", []publisher.Upload{elsewhere}},
		{"unknown digest", "staging/acme/db", "sha256:ccc", nil},
	} {
		t.Run("UploadsByDigest/"+tc.name, func(t *testing.T) {
			got, err := s.UploadsByDigest(ctx, tc.staging, tc.digest)
			if err != nil {
				t.Fatalf("UploadsByDigest: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, equate); diff != "" {
				t.Errorf("UploadsByDigest(%s, %s) (-want +got):\n%s", tc.staging, tc.digest, diff)
			}
		})
	}
	t.Run("Upload/unknown", func(t *testing.T) {
		if _, err := s.Upload(ctx, "up9"); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("Upload(up9): err = %v, want ErrNotFound", err)
		}
	})
}

func testDueUploads(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	at := func(id string, status publisher.UploadStatus, next time.Time) publisher.Upload {
		u := upload(id, id, "sha256:"+id, storetesting.T0)
		u.Status, u.NextAttemptAt = status, next
		return mustCreate(t, s, u)
	}
	now := storetesting.T1
	early := at("early", publisher.UploadWaiting, storetesting.T0)
	atNow := at("at-now", publisher.UploadWaiting, now)
	unset := at("unset", publisher.UploadWaiting, time.Time{})
	at("later", publisher.UploadWaiting, now.Add(time.Nanosecond))
	at("promoted", publisher.UploadPromoted, storetesting.T0)
	at("rejected", publisher.UploadRejected, storetesting.T0)

	check := func(t *testing.T, now time.Time, limit int, want ...publisher.Upload) {
		t.Helper()
		got, err := s.DueUploads(ctx, now, limit)
		if err != nil {
			t.Fatalf("DueUploads: %v", err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("DueUploads(%v, %d) (-want +got):\n%s", now, limit, diff)
		}
	}
	t.Run("waiting and due, soonest first", func(t *testing.T) {
		check(t, now, 10, unset, early, atNow)
	})
	t.Run("at most limit", func(t *testing.T) {
		check(t, now, 2, unset, early)
		check(t, now, 0)
	})
	t.Run("earlier now", func(t *testing.T) {
		check(t, storetesting.T0.Add(-time.Nanosecond), 10, unset)
	})
	t.Run("a finished upload is no longer due", func(t *testing.T) {
		done := early
		done.Status, done.UpdatedAt = publisher.UploadPromoted, now
		if err := s.UpdateUpload(ctx, done); err != nil {
			t.Fatalf("UpdateUpload: %v", err)
		}
		check(t, now, 10, unset, atNow)
	})
}
