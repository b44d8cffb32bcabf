// Package mongostore keeps publishers' webhook endpoints and deliveries in
// MongoDB, using only what MongoDB 7 and FerretDB v1 both accept: every
// write is a single-document write, a batch of deliveries an unordered
// insert of such writes.
package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/webhooks"
)

// Store implements webhooks.Store on MongoDB with the collections
// webhook_endpoints and webhook_deliveries, both keyed by ID.
type Store struct {
	endpoints  *mongo.Collection
	deliveries *mongo.Collection
}

var _ webhooks.Store = (*Store)(nil)

// New creates the webhooks indexes if needed and returns a Store using db:
// one for Endpoints and one for Deliveries, each in its listing's order.
// It drops the index of due deliveries an older version made: deliveries
// run on the job queue now.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{endpoints: db.Collection("webhook_endpoints"), deliveries: db.Collection("webhook_deliveries")}
	err := mongodb.CreateIndexes(ctx, s.endpoints,
		mongo.IndexModel{Keys: bson.D{{Key: "publisher", Value: 1}, {Key: "created_at", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName("publisher_created")})
	if err != nil {
		return nil, err
	}
	err = mongodb.CreateIndexes(ctx, s.deliveries,
		mongo.IndexModel{Keys: bson.D{{Key: "endpoint", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("endpoint_created")},
	)
	if err != nil {
		return nil, err
	}
	if err := mongodb.DropIndex(ctx, s.deliveries, "status_next_attempt"); err != nil {
		return nil, err
	}
	return s, nil
}
