package mongostore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/bson"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publisher/mongostore"
	"github.com/berth/berth/publisher/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) publisher.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}

func TestWithdrawalStore(t *testing.T) {
	storetest.RunWithdrawals(t, func(t *testing.T) publisher.WithdrawalStore {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}

// TestNewApprovesOldPublishers stores a publisher as a version before
// applications and roles did, then checks that New marks it approved, that
// it is listed as approved and that its member still finds it.
func TestNewApprovesOldPublishers(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Start(t)
	_, err := db.Collection("publishers").InsertOne(ctx, bson.D{
		{Key: "_id", Value: "p1"}, {Key: "slug", Value: "acme"}, {Key: "name", Value: "Acme"},
		{Key: "verified", Value: true}, {Key: "namespaces", Value: bson.A{"acme"}},
		{Key: "members", Value: bson.A{"u1"}}, {Key: "created_at", Value: int64(5)},
	})
	if err != nil {
		t.Fatalf("inserting an old publisher: %v", err)
	}
	s := storetesting.NewStore(t, db, mongostore.New)
	want := publisher.Publisher{ID: "p1", Slug: "acme", Name: "Acme", Verified: true,
		Namespaces: []string{"acme"}, Members: []string{"u1"}, Status: publisher.StatusApproved,
		CreatedAt: storecodec.ParseTime(5)}
	for name, list := range map[string]func() ([]publisher.Publisher, error){
		"PublishersByStatus": func() ([]publisher.Publisher, error) {
			return s.PublishersByStatus(ctx, publisher.StatusApproved)
		},
		"PublishersByUser": func() ([]publisher.Publisher, error) { return s.PublishersByUser(ctx, "u1") },
	} {
		got, err := list()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff([]publisher.Publisher{want}, got); diff != "" {
			t.Errorf("%s after New (-want +got):\n%s", name, diff)
		}
	}
}
