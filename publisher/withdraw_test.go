package publisher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/publisher"
	publishersqlite "github.com/berth/berth/publisher/sqlitestore"
)

// shelf stands in for the registry and the catalog, Berth's edge that
// withdrawals reach: the tags buyers pull and the announcements the
// publisher's webhooks were sent. failNext makes the next Unrelease fail,
// as a registry that does not answer would.
type shelf struct {
	tags      map[string]string // "repo:tag" → digest
	announced []publisher.Withdrawal
	failNext  bool
}

func (s *shelf) ReleasedDigest(_ context.Context, repo, tag string) (string, bool, error) {
	d, ok := s.tags[repo+":"+tag]
	return d, ok, nil
}

func (s *shelf) Unrelease(_ context.Context, repo, tag string) error {
	if s.failNext {
		s.failNext = false
		return errors.New("registry unavailable")
	}
	delete(s.tags, repo+":"+tag)
	return nil
}

func (s *shelf) Announce(_ context.Context, w publisher.Withdrawal) error {
	s.announced = append(s.announced, w)
	return nil
}

// TestWithdrawFinishesInterruptedAndReleasedAgain: a withdrawal the
// registry failed is recorded and not done; the next attempt finishes it
// under the first record and reason, announcing it once. A tag released
// again at another digest is withdrawn again under a record of its own.
func TestWithdrawFinishesInterruptedAndReleasedAgain(t *testing.T) {
	ctx := context.Background()
	store, err := publishersqlite.New(ctx, sqldbtest.Open(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := store.PutPublisher(ctx, publisher.Publisher{Slug: "acme", Namespaces: []string{"acme"}})
	if err != nil {
		t.Fatal(err)
	}
	s := &shelf{tags: map[string]string{"acme/db:1.0": "sha256:aaa"}, failNext: true}
	ws := publisher.NewWithdrawals(store, store, s)
	in := publisher.Withdrawing{Repository: "acme/db", Tag: "1.0", Reason: "first reason"}

	if _, _, err := ws.Withdraw(ctx, "u1", "acme", in); err == nil {
		t.Fatal("Withdraw with the registry down succeeded")
	}
	rec, err := store.LatestWithdrawal(ctx, "acme/db", "1.0")
	if err != nil || rec.Done || rec.Reason != "first reason" || rec.Publisher != p.ID {
		t.Fatalf("after the failure the record is %+v, %v; want it kept, not done", rec, err)
	}
	if _, still := s.tags["acme/db:1.0"]; !still || len(s.announced) != 0 {
		t.Fatalf("after the failure: tag still there %v, announced %d; want the tag kept, nothing announced", still, len(s.announced))
	}

	in.Reason = "second reason"
	w, created, err := ws.Withdraw(ctx, "u2", "acme", in)
	if err != nil || created || w.ID != rec.ID || w.Reason != "first reason" || !w.Done {
		t.Fatalf("retry = %+v, created %v, %v; want the first record, done", w, created, err)
	}
	if _, still := s.tags["acme/db:1.0"]; still || len(s.announced) != 1 || s.announced[0].ID != rec.ID {
		t.Fatalf("after the retry: tag still there %v, announced %+v; want it gone, announced once", still, s.announced)
	}
	if again, created, err := ws.Withdraw(ctx, "u2", "acme", in); err != nil || created || again.ID != rec.ID || len(s.announced) != 1 {
		t.Errorf("a third call = %+v, created %v, %v, %d announcements; want the record, nothing new", again, created, err, len(s.announced))
	}

	s.tags["acme/db:1.0"] = "sha256:bbb" // a new build released under the tag
	w2, created, err := ws.Withdraw(ctx, "u1", "acme", publisher.Withdrawing{Repository: "acme/db", Tag: "1.0", Reason: "bad again"})
	if err != nil || !created || w2.ID == rec.ID || w2.Digest != "sha256:bbb" || w2.Reason != "bad again" {
		t.Errorf("withdrawing the new release = %+v, created %v, %v; want a new record at sha256:bbb", w2, created, err)
	}
	if list, err := ws.Withdrawals(ctx, "acme", 10); err != nil || len(list) != 2 {
		t.Errorf("Withdrawals = %d, %v; want both", len(list), err)
	}
}
