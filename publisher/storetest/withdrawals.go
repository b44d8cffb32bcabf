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

// RunWithdrawals runs the suite of publisher.WithdrawalStore. newStore
// must return a new, empty store for each call.
func RunWithdrawals(t *testing.T, newStore func(t *testing.T) publisher.WithdrawalStore) {
	storetesting.Run(t, newStore, []storetesting.Test[publisher.WithdrawalStore]{
		{Name: "CreateWithdrawal", Run: testCreateWithdrawal},
		{Name: "FinishWithdrawal", Run: testFinishWithdrawal},
		{Name: "WithdrawalLists", Run: testWithdrawalLists},
		{Name: "LatestWithdrawal", Run: testLatestWithdrawal},
	})
}

// withdrawal returns a withdrawal of acme/db with every field but Done set.
func withdrawal(id, repo, tag, digest string, at time.Time) publisher.Withdrawal {
	return publisher.Withdrawal{ID: id, Publisher: "p1", Repository: repo, Tag: tag, Digest: digest,
		Reason: "CVE-2026-1234: ships a vulnerable libfoo; use 1.1 — ünïcode kept", By: "u1", At: at}
}

func mustWithdraw(t *testing.T, s publisher.WithdrawalStore, w publisher.Withdrawal) publisher.Withdrawal {
	t.Helper()
	got, created, err := s.CreateWithdrawal(context.Background(), w)
	if err != nil || !created {
		t.Fatalf("CreateWithdrawal(%s) = created %v, %v; want a new withdrawal", w.ID, created, err)
	}
	return got
}

func mustLatest(t *testing.T, s publisher.WithdrawalStore, repo, tag string) publisher.Withdrawal {
	t.Helper()
	w, err := s.LatestWithdrawal(context.Background(), repo, tag)
	if err != nil {
		t.Fatalf("LatestWithdrawal(%s:%s): %v", repo, tag, err)
	}
	return w
}

func testCreateWithdrawal(t *testing.T, s publisher.WithdrawalStore) {
	ctx := context.Background()
	first := withdrawal("w1", "acme/db", "1.0", "sha256:aaa", storetesting.T0)
	if diff := cmp.Diff(first, mustWithdraw(t, s, first)); diff != "" {
		t.Errorf("CreateWithdrawal result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first, mustLatest(t, s, "acme/db", "1.0")); diff != "" {
		t.Errorf("stored withdrawal (-want +got):\n%s", diff)
	}
	t.Run("the same repository, tag and digest returns the stored withdrawal", func(t *testing.T) {
		again := withdrawal("w2", "acme/db", "1.0", "sha256:aaa", storetesting.T1)
		again.Reason, again.By = "another reason", "u2"
		got, created, err := s.CreateWithdrawal(ctx, again)
		if err != nil || created {
			t.Fatalf("CreateWithdrawal again = created %v, %v; want the existing withdrawal", created, err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("returned withdrawal (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(first, mustLatest(t, s, "acme/db", "1.0")); diff != "" {
			t.Errorf("stored withdrawal after the repeat (-want +got):\n%s", diff)
		}
	})
	t.Run("another digest, tag or repository is a new withdrawal", func(t *testing.T) {
		for _, w := range []publisher.Withdrawal{
			withdrawal("w3", "acme/db", "1.0", "sha256:bbb", storetesting.T1),
			withdrawal("w4", "acme/db", "2.0", "sha256:aaa", storetesting.T1),
			withdrawal("w5", "acme/cache", "1.0", "sha256:aaa", storetesting.T1),
		} {
			mustWithdraw(t, s, w)
		}
	})
	t.Run("an empty ID is filled in", func(t *testing.T) {
		got := mustWithdraw(t, s, withdrawal("", "acme/db", "3.0", "sha256:ccc", storetesting.T2))
		if got.ID == "" {
			t.Fatal("CreateWithdrawal returned an empty ID")
		}
		if stored := mustLatest(t, s, "acme/db", "3.0"); stored.ID != got.ID {
			t.Errorf("stored ID = %q, returned %q", stored.ID, got.ID)
		}
	})
	t.Run("an ID taken by another withdrawal is a conflict", func(t *testing.T) {
		_, _, err := s.CreateWithdrawal(ctx, withdrawal("w1", "acme/db", "4.0", "sha256:ddd", storetesting.T2))
		if !errors.Is(err, publisher.ErrConflict) {
			t.Errorf("CreateWithdrawal with a taken ID: err = %v, want ErrConflict", err)
		}
	})
}

func testFinishWithdrawal(t *testing.T, s publisher.WithdrawalStore) {
	ctx := context.Background()
	w := mustWithdraw(t, s, withdrawal("w1", "acme/db", "1.0", "sha256:aaa", storetesting.T0))
	mustWithdraw(t, s, withdrawal("w2", "acme/db", "2.0", "sha256:aaa", storetesting.T0))
	for range 2 { // finishing twice is no error
		if err := s.FinishWithdrawal(ctx, "w1"); err != nil {
			t.Fatalf("FinishWithdrawal: %v", err)
		}
	}
	w.Done = true
	if diff := cmp.Diff(w, mustLatest(t, s, "acme/db", "1.0")); diff != "" {
		t.Errorf("finished withdrawal (-want +got):\n%s", diff)
	}
	if mustLatest(t, s, "acme/db", "2.0").Done {
		t.Error("finishing w1 finished w2")
	}
	got, created, err := s.CreateWithdrawal(ctx, withdrawal("w9", "acme/db", "1.0", "sha256:aaa", storetesting.T1))
	if err != nil || created || !got.Done {
		t.Errorf("CreateWithdrawal of a finished one = %+v, created %v, %v; want it, done", got, created, err)
	}
	if err := s.FinishWithdrawal(ctx, "nope"); !errors.Is(err, publisher.ErrNotFound) {
		t.Errorf("FinishWithdrawal(nope): err = %v, want ErrNotFound", err)
	}
}

func ids(ws []publisher.Withdrawal) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

func testWithdrawalLists(t *testing.T, s publisher.WithdrawalStore) {
	ctx := context.Background()
	other := withdrawal("w4", "north/app", "1.0", "sha256:aaa", storetesting.T2)
	other.Publisher = "p2"
	for _, w := range []publisher.Withdrawal{
		withdrawal("w1", "acme/db", "1.0", "sha256:aaa", storetesting.T0),
		withdrawal("w3", "acme/cache", "1.0", "sha256:aaa", storetesting.T1),
		withdrawal("w2", "acme/db", "2.0", "sha256:bbb", storetesting.T1), // ties with w3: by ID, descending
		other,
	} {
		mustWithdraw(t, s, w)
	}
	for _, tc := range []struct {
		name  string
		list  func() ([]publisher.Withdrawal, error)
		wants []string
	}{
		{"a publisher's, newest first", func() ([]publisher.Withdrawal, error) { return s.Withdrawals(ctx, "p1", 10) }, []string{"w3", "w2", "w1"}},
		{"at most limit", func() ([]publisher.Withdrawal, error) { return s.Withdrawals(ctx, "p1", 2) }, []string{"w3", "w2"}},
		{"no limit, none", func() ([]publisher.Withdrawal, error) { return s.Withdrawals(ctx, "p1", 0) }, []string{}},
		{"another publisher's", func() ([]publisher.Withdrawal, error) { return s.Withdrawals(ctx, "p2", 10) }, []string{"w4"}},
		{"one repository's", func() ([]publisher.Withdrawal, error) { return s.WithdrawalsOf(ctx, []string{"acme/db"}, 10) }, []string{"w2", "w1"}},
		{"several repositories'", func() ([]publisher.Withdrawal, error) {
			return s.WithdrawalsOf(ctx, []string{"acme/db", "north/app", "none/here"}, 10)
		}, []string{"w4", "w2", "w1"}},
		{"repositories', at most limit", func() ([]publisher.Withdrawal, error) {
			return s.WithdrawalsOf(ctx, []string{"acme/db", "acme/cache"}, 1)
		}, []string{"w3"}},
		{"no repository, none", func() ([]publisher.Withdrawal, error) { return s.WithdrawalsOf(ctx, nil, 10) }, []string{}},
	} {
		got, err := tc.list()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.wants, ids(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func testLatestWithdrawal(t *testing.T, s publisher.WithdrawalStore) {
	ctx := context.Background()
	if _, err := s.LatestWithdrawal(ctx, "acme/db", "1.0"); !errors.Is(err, publisher.ErrNotFound) {
		t.Errorf("LatestWithdrawal of none: err = %v, want ErrNotFound", err)
	}
	mustWithdraw(t, s, withdrawal("w1", "acme/db", "1.0", "sha256:aaa", storetesting.T0))
	mustWithdraw(t, s, withdrawal("w2", "acme/db", "1.0", "sha256:bbb", storetesting.T2))
	mustWithdraw(t, s, withdrawal("w3", "acme/db", "1.0", "sha256:ccc", storetesting.T1))
	if got := mustLatest(t, s, "acme/db", "1.0"); got.ID != "w2" {
		t.Errorf("LatestWithdrawal = %s, want w2 (the newest)", got.ID)
	}
	for _, ref := range [][2]string{{"acme/db", "1.1"}, {"acme/cache", "1.0"}, {"ACME/db", "1.0"}} {
		if _, err := s.LatestWithdrawal(ctx, ref[0], ref[1]); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("LatestWithdrawal(%s:%s): err = %v, want ErrNotFound", ref[0], ref[1], err)
		}
	}
}
