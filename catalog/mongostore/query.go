package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// pullEventDoc is a pull as stored in pull_events; the registry's event id is
// the _id, which makes recording idempotent.
type pullEventDoc struct {
	ID         string `bson:"_id"`
	Repository string `bson:"repository"`
	Reference  string `bson:"reference"`
	Digest     string `bson:"digest"`
	At         int64  `bson:"at"`
}

// ProductBySlug returns the product or catalog.ErrNotFound.
func (s *Store) ProductBySlug(ctx context.Context, slug string) (catalog.Product, error) {
	var d productDoc
	err := s.products.FindOne(ctx, bson.D{{Key: "slug", Value: slug}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return catalog.Product{}, fmt.Errorf("product %s: %w", slug, catalog.ErrNotFound)
	}
	if err != nil {
		return catalog.Product{}, fmt.Errorf("reading product %s: %w", slug, err)
	}
	return decodeProduct(d), nil
}

// ListProducts returns the products q selects, by stars and pulls (both
// descending), then slug. A zero Limit means no limit.
func (s *Store) ListProducts(ctx context.Context, q catalog.ListQuery) ([]catalog.Product, error) {
	filter := bson.D{}
	if q.Kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: string(q.Kind)})
	}
	if q.Badge != nil {
		filter = append(filter, bson.E{Key: "badge", Value: string(*q.Badge)})
	}
	opts := options.Find().
		SetSort(bson.D{{Key: "stars", Value: -1}, {Key: "pulls", Value: -1}, {Key: "slug", Value: 1}}).
		SetSkip(int64(max(q.Offset, 0)))
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	out, err := mongodb.FindAll(ctx, s.products, filter, decodeProduct, opts)
	if err != nil {
		return nil, fmt.Errorf("listing products: %w", err)
	}
	return out, nil
}

// RecordPull stores e, then adds one pull to the product owning e.Repository;
// it reports false, changing nothing, when e.ID was recorded before. A pull of
// a repository no product owns is recorded but counted nowhere. The two
// writes are separate documents: should the second fail, the pull stays
// uncounted rather than ever being counted twice.
func (s *Store) RecordPull(ctx context.Context, e catalog.PullEvent) (bool, error) {
	_, err := s.pullEvents.InsertOne(ctx, pullEventDoc{
		ID: e.ID, Repository: e.Repository, Reference: e.Reference, Digest: e.Digest, At: storecodec.Time(e.At),
	})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("recording pull %s: %w", e.ID, err)
	}
	_, err = s.products.UpdateOne(ctx, bson.D{{Key: "repositories", Value: e.Repository}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "pulls", Value: int64(1)}}}})
	if err != nil {
		return false, fmt.Errorf("counting pull %s: %w", e.ID, err)
	}
	return true, nil
}
