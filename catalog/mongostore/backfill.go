package mongostore

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
)

// derivedFields returns the fields PutProduct derives from p for queries
// (see productDoc), but for the platform keys, which follow Platforms.
func derivedFields(p catalog.Product) bson.D {
	terms, nameTerms := searchTerms(p)
	return bson.D{
		{Key: "name_key", Value: strings.ToLower(p.Name)},
		{Key: "has_free", Value: p.HasFree()}, {Key: "has_paid", Value: p.HasPaid()},
		{Key: "category_keys", Value: categoryKeys(p.Categories)},
		{Key: "terms", Value: terms}, {Key: "name_terms", Value: nameTerms},
	}
}

// backfill derives the query fields of products stored before Explore and
// Search (those without a name_key), so that they show up there. Each
// product is one update; a product put meanwhile gets the same fields from
// PutProduct, so the race is harmless. After the first start it finds
// nothing to do.
func (s *Store) backfill(ctx context.Context) error {
	old, err := mongodb.FindAll(ctx, s.products, bson.D{{Key: "name_key", Value: bson.D{{Key: "$exists", Value: false}}}},
		func(d productDoc) productDoc { return d }, options.Find().SetProjection(productProjection()))
	if err != nil {
		return fmt.Errorf("finding products to index: %w", err)
	}
	for _, d := range old {
		_, err := s.products.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
			bson.D{{Key: "$set", Value: derivedFields(decodeProduct(d))}})
		if err != nil {
			return fmt.Errorf("indexing product %s: %w", d.Slug, err)
		}
	}
	return nil
}
