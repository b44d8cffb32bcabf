package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
)

// storedStatus returns the status stored for a listing of status: an empty
// one, from callers or documents predating statuses, is published.
func storedStatus(status string) string {
	if status == "" {
		return catalog.StatusPublished
	}
	return status
}

// listed is the filter element that keeps published products. Hidden
// listings are few, so Explore, Search and ListProducts filter them out
// on the indexes they already use; PublisherSlugs has statusIndex.
func listed() bson.E { return bson.E{Key: "status", Value: catalog.StatusPublished} }

// statusIndex serves PublisherSlugs: the publishers of published products.
func statusIndex() mongo.IndexModel {
	return mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "publisher", Value: 1}},
		Options: options.Index().SetName("status_publisher")}
}

// backfillStatus marks products stored before statuses existed (those
// without one) published, one update each, so that the listed filter finds
// them. An update only sets a missing status, so a product put meanwhile
// keeps its own. After the first start it finds nothing to do.
func (s *Store) backfillStatus(ctx context.Context) error {
	missing := bson.D{{Key: "status", Value: bson.D{{Key: "$exists", Value: false}}}}
	old, err := mongodb.FindAll(ctx, s.products, missing, func(d productDoc) productDoc { return d },
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "slug", Value: 1}}))
	if err != nil {
		return fmt.Errorf("finding products without a status: %w", err)
	}
	for _, d := range old {
		_, err := s.products.UpdateOne(ctx, append(bson.D{{Key: "_id", Value: d.ID}}, missing...),
			bson.D{{Key: "$set", Value: bson.D{listed()}}})
		if err != nil {
			return fmt.Errorf("publishing product %s: %w", d.Slug, err)
		}
	}
	return nil
}

// ProductsByPublisher returns every listing of publisher, whatever its
// status, by name (case-insensitively, then slug), on the publisher's name
// index.
func (s *Store) ProductsByPublisher(ctx context.Context, publisher string) ([]catalog.Product, error) {
	out, err := mongodb.FindAll(ctx, s.products, bson.D{{Key: "publisher", Value: publisher}}, decodeProduct,
		options.Find().SetSort(sortKeys(catalog.SortName)).SetProjection(productProjection()))
	if err != nil {
		return nil, fmt.Errorf("listing products of %s: %w", publisher, err)
	}
	return out, nil
}
