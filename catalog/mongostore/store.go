// Package mongostore keeps the catalog in MongoDB, using only what MongoDB 7
// and FerretDB v1 both accept: every write is a single-document write.
package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
)

// Store implements catalog.Store on MongoDB with the collections products
// (tiers embedded) and pull_events (keyed by event id),
// catalog.RepositoryStore with the collection repositories,
// catalog.StarStore with the collection stars, and catalog.TagStore with
// the collections tags (platforms and layers embedded) and tag_pulls (one
// counter per tag and UTC day).
type Store struct {
	products     *mongo.Collection
	pullEvents   *mongo.Collection
	repositories *mongo.Collection
	stars        *mongo.Collection
	tags         *mongo.Collection
	tagPulls     *mongo.Collection
	clock        starClock
}

var _ catalog.Store = (*Store)(nil)

// New creates the catalog's indexes if needed and returns a Store using db.
//
// The unique index on the repositories array is multikey: MongoDB enforces
// it across documents, closing the race between PutProduct's ownership check
// and its write. It is sparse, and empty lists are not stored, because
// MongoDB indexes every empty array as the same key. FerretDB v1.24 accepts
// the index but compares whole arrays, so there the check alone keeps
// repositories apart. Explore has an index per sort, alone and behind the
// badge, kind and publisher, and multikey ones on categories and platform
// keys; Search has multikey ones on its term arrays. Products stored before
// those fields existed get them (see backfill), and before statuses, the
// status published (see backfillStatus); repositories stored before the
// Community search get its fields (see backfillRepositories).
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{
		products:     db.Collection("products"),
		pullEvents:   db.Collection("pull_events"),
		repositories: db.Collection("repositories"),
		stars:        db.Collection("stars"),
		tags:         db.Collection("tags"),
		tagPulls:     db.Collection("tag_pulls"),
	}
	err := mongodb.CreateIndexes(ctx, s.products,
		mongo.IndexModel{Keys: bson.D{{Key: "slug", Value: 1}},
			Options: options.Index().SetName("slug_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "repositories", Value: 1}},
			Options: options.Index().SetName("repositories_unique").SetUnique(true).SetSparse(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "stars", Value: -1}, {Key: "pulls", Value: -1}, {Key: "slug", Value: 1}},
			Options: options.Index().SetName("rank")},
	)
	if err != nil {
		return nil, err
	}
	if err := mongodb.CreateIndexes(ctx, s.products, append(exploreIndexes(), statusIndex())...); err != nil {
		return nil, err
	}
	if err := s.backfill(ctx); err != nil {
		return nil, err
	}
	if err := s.backfillStatus(ctx); err != nil {
		return nil, err
	}
	if err := createTagIndexes(ctx, s.tags); err != nil {
		return nil, err
	}
	if err := createTagPullIndexes(ctx, s.tagPulls); err != nil {
		return nil, err
	}
	if err := createRepositoryIndexes(ctx, s.repositories); err != nil {
		return nil, err
	}
	if err := s.backfillRepositories(ctx); err != nil {
		return nil, err
	}
	if err := createStarIndexes(ctx, s.stars); err != nil {
		return nil, err
	}
	return s, nil
}
