package mongostore_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/berth/berth/billing/mongostore"
	"github.com/berth/berth/billing/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

// TestOrdersWithoutVersion checks that an order stored before orders had
// versions (no version field) reads back at version 0 and takes
// compare-and-swap updates from there.
func TestOrdersWithoutVersion(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Start(t)
	s := storetesting.NewStore(t, db, mongostore.New)
	_, err := db.Collection("orders").InsertOne(ctx, bson.D{{Key: "_id", Value: "o1"}, {Key: "session_id", Value: "cs_1"},
		{Key: "buyer", Value: "u1"}, {Key: "status", Value: "pending"}, {Key: "amount", Value: int64(500)}})
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckOrderStoredBeforeVersions(t, s)
}
