package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/webhooks"
)

// endpointDoc is an endpoint as stored in the webhook_endpoints collection.
type endpointDoc struct {
	ID        string   `bson:"_id"`
	Publisher string   `bson:"publisher"`
	URL       string   `bson:"url"`
	Events    []string `bson:"events"`
	CreatedAt int64    `bson:"created_at"`
}

// AddEndpoint stores e.
func (s *Store) AddEndpoint(ctx context.Context, e webhooks.Endpoint) error {
	_, err := s.endpoints.InsertOne(ctx, endpointDoc{
		ID: e.ID, Publisher: e.Publisher, URL: e.URL, Events: storecodec.NilIfEmpty(e.Events),
		CreatedAt: storecodec.Time(e.CreatedAt),
	})
	if err != nil {
		return fmt.Errorf("adding webhook endpoint %s: %w", e.ID, err)
	}
	return nil
}

// Endpoints returns a publisher's endpoints, oldest first (ties by ID).
func (s *Store) Endpoints(ctx context.Context, publisher string) ([]webhooks.Endpoint, error) {
	out, err := mongodb.FindAll(ctx, s.endpoints, bson.D{{Key: "publisher", Value: publisher}}, decodeEndpoint,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing webhook endpoints of %s: %w", publisher, err)
	}
	return out, nil
}

// DeleteEndpoint removes one of a publisher's endpoints, or returns
// webhooks.ErrNotFound; another publisher's endpoint is not found.
func (s *Store) DeleteEndpoint(ctx context.Context, publisher, id string) error {
	res, err := s.endpoints.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "publisher", Value: publisher}})
	if err == nil && res.DeletedCount == 0 {
		err = webhooks.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("deleting webhook endpoint %s of %s: %w", id, publisher, err)
	}
	return nil
}

// decodeEndpoint converts a stored endpoint to the domain type.
func decodeEndpoint(d endpointDoc) webhooks.Endpoint {
	return webhooks.Endpoint{ID: d.ID, Publisher: d.Publisher, URL: d.URL,
		Events: storecodec.NilIfEmpty(d.Events), CreatedAt: storecodec.ParseTime(d.CreatedAt)}
}
