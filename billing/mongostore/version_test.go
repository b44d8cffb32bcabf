package mongostore_test

import (
	"context"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/billing/mongostore"
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
	o, err := s.Order(ctx, "o1")
	if err != nil || o.Version != 0 || o.SessionID != "cs_1" || o.Amount != 500 {
		t.Fatalf("the old order: %+v, %v; want it at version 0", o, err)
	}
	o.Status = billing.OrderPaid
	if err := s.UpdateOrder(ctx, o); err != nil {
		t.Fatalf("updating the old order at version 0: %v", err)
	}
	if err := s.UpdateOrder(ctx, o); !errors.Is(err, billing.ErrStale) {
		t.Errorf("updating it at version 0 again: %v, want ErrStale", err)
	}
	if got, err := s.Order(ctx, "o1"); err != nil || got.Version != 1 || got.Status != billing.OrderPaid {
		t.Errorf("the old order after one update: %+v, %v; want paid at version 1", got, err)
	}
}
