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
)

// ProductBySlug returns the product or catalog.ErrNotFound.
func (s *Store) ProductBySlug(ctx context.Context, slug string) (catalog.Product, error) {
	var d productDoc
	err := s.products.FindOne(ctx, bson.D{{Key: "slug", Value: slug}},
		options.FindOne().SetProjection(productProjection())).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return catalog.Product{}, fmt.Errorf("product %s: %w", slug, catalog.ErrNotFound)
	}
	if err != nil {
		return catalog.Product{}, fmt.Errorf("reading product %s: %w", slug, err)
	}
	return decodeProduct(d), nil
}

// ProductByRepository returns the slug of the product shipping repo, or
// catalog.ErrNotFound.
func (s *Store) ProductByRepository(ctx context.Context, repo string) (string, error) {
	var d productDoc
	err := s.products.FindOne(ctx, bson.D{{Key: "repositories", Value: repo}},
		options.FindOne().SetProjection(bson.D{{Key: "slug", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", fmt.Errorf("product of repository %s: %w", repo, catalog.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("reading product of repository %s: %w", repo, err)
	}
	return d.Slug, nil
}

// ListProducts returns the published products q selects, by stars and
// pulls (both descending), then slug. A zero Limit means no limit.
func (s *Store) ListProducts(ctx context.Context, q catalog.ListQuery) ([]catalog.Product, error) {
	filter := bson.D{listed()}
	if q.Kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: string(q.Kind)})
	}
	if q.Badge != nil {
		filter = append(filter, bson.E{Key: "badge", Value: string(*q.Badge)})
	}
	opts := options.Find().
		SetSort(bson.D{{Key: "stars", Value: -1}, {Key: "pulls", Value: -1}, {Key: "slug", Value: 1}}).
		SetSkip(int64(max(q.Offset, 0))).SetProjection(productProjection())
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	out, err := mongodb.FindAll(ctx, s.products, filter, decodeProduct, opts)
	if err != nil {
		return nil, fmt.Errorf("listing products: %w", err)
	}
	return out, nil
}
