// Package mongostore keeps billing in MongoDB, using only what MongoDB 7 and
// FerretDB v1 both accept: every write is a single-document write.
package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/mongodb"
)

// Store implements billing.Store on MongoDB with the collections orders,
// billing_events (keyed by Stripe event id), customers (keyed by owner) and
// sales (keyed by sale id).
type Store struct {
	orders    *mongo.Collection
	events    *mongo.Collection
	customers *mongo.Collection
	sales     *mongo.Collection
}

var _ billing.Store = (*Store)(nil)

// New creates the billing indexes if needed and returns a Store using db.
//
// An order's Stripe identifiers are left out of its document until Stripe
// assigns them, and their indexes are sparse, so that only set values are
// indexed and the unique one on session_id allows any number of orders
// without a session. Partial indexes would say so directly, but FerretDB v1
// rejects them; it ignores sparse, yet its SQLite backend indexes a missing
// field as NULL, and NULLs never collide in a unique index.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{orders: db.Collection("orders"), events: db.Collection("billing_events"),
		customers: db.Collection("customers"), sales: db.Collection("sales")}
	err := mongodb.CreateIndexes(ctx, s.orders,
		mongo.IndexModel{Keys: bson.D{{Key: "session_id", Value: 1}},
			Options: options.Index().SetName("session_unique").SetUnique(true).SetSparse(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "subscription_id", Value: 1}},
			Options: options.Index().SetName("subscription").SetSparse(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "payment_intent", Value: 1}},
			Options: options.Index().SetName("payment_intent").SetSparse(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "buyer", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("buyer_created")},
	)
	if err != nil {
		return nil, err
	}
	err = mongodb.CreateIndexes(ctx, s.sales,
		mongo.IndexModel{Keys: bson.D{{Key: "publisher", Value: 1}, {Key: "at", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName("publisher_at")})
	if err != nil {
		return nil, err
	}
	return s, nil
}
