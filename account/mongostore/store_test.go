package mongostore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/account"
	"github.com/berth/berth/account/mongostore"
	"github.com/berth/berth/account/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

// newStore returns a store on a new, empty database.
func newStore(t *testing.T) *mongostore.Store {
	return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
}

func TestStores(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T) storetest.AllStores { return newStore(t) })
}

// TestNewDropsUniqueEmailIndex starts a store on a database whose users
// collection has the unique email index older versions created, and users
// stored before DefaultPrivate and PasswordChangedAt existed.
func TestNewDropsUniqueEmailIndex(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Start(t)
	users := db.Collection("users")
	_, err := users.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}},
		Options: options.Index().SetName("email_unique").SetUnique(true)})
	if err != nil {
		t.Fatalf("creating the old index: %v", err)
	}
	_, err = users.InsertOne(ctx, bson.D{{Key: "_id", Value: "u1"}, {Key: "username", Value: "alice"},
		{Key: "email", Value: "a@example.com"}, {Key: "password_hash", Value: "h"},
		{Key: "admin", Value: true}, {Key: "disabled", Value: false}, {Key: "created_at", Value: storetesting.T0.UnixNano()}})
	if err != nil {
		t.Fatalf("inserting an old user: %v", err)
	}
	s := storetesting.NewStore(t, db, mongostore.New)

	u, err := s.UserByID(ctx, "u1")
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	want := account.User{ID: "u1", Username: "alice", Email: "a@example.com", PasswordHash: "h", Admin: true, CreatedAt: storetesting.T0}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("old user (-want +got):\n%s", diff)
	}
	if err := s.CreateUser(ctx, account.User{ID: "u2", Username: "bob", Email: "a@example.com"}); err != nil {
		t.Errorf("CreateUser with an email already in use: %v", err)
	}
}
