package mongostore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

var _ catalog.StarStore = (*Store)(nil)

// starDoc is a star as stored in the stars collection. Its _id is starID of
// the user and the product, so that inserting it is the idempotency key.
type starDoc struct {
	ID        string `bson:"_id"`
	UserID    string `bson:"user_id"`
	ProductID string `bson:"product_id"`
	CreatedAt int64  `bson:"created_at"`
}

// starID is the _id of userID's star of the product with ID productID. IDs
// hold no NUL, so no two pairs share one.
func starID(userID, productID string) string { return userID + "\x00" + productID }

// starClock stamps stars with strictly increasing Unix nanoseconds, so that
// stars this process makes within one clock tick still list newest first.
// Its zero value is ready to use.
type starClock struct {
	mu   sync.Mutex
	last int64
}

// next returns the stamp for a star made now.
func (c *starClock) next() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = max(storecodec.Time(time.Now()), c.last+1)
	return c.last
}

// createStarIndexes creates the stars collection's index on the user and the
// time, which Starred filters and sorts by.
func createStarIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c,
		mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "created_at", Value: -1}},
			Options: options.Index().SetName("user_created")},
	)
}

// Star records that userID starred the product with that slug, then adds one
// to its Stars; it reports false, changing nothing, when the star was already
// there. An unknown product yields catalog.ErrNotFound. The two writes are
// separate documents: should the second fail, the star stays uncounted rather
// than ever being counted twice.
func (s *Store) Star(ctx context.Context, userID, product string) (bool, error) {
	id, err := s.productID(ctx, product)
	if err != nil {
		return false, fmt.Errorf("starring %s: %w", product, err)
	}
	_, err = s.stars.InsertOne(ctx, starDoc{
		ID: starID(userID, id), UserID: userID, ProductID: id, CreatedAt: s.clock.next(),
	})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("starring %s: %w", product, err)
	}
	if err := s.countStar(ctx, id, 1); err != nil {
		return false, fmt.Errorf("counting star of %s: %w", product, err)
	}
	return true, nil
}

// Unstar removes userID's star from the product with that slug, then takes
// one from its Stars; it reports false when there was no star. An unknown
// product yields catalog.ErrNotFound, as in Star. As in Star, a failed second
// write leaves the counter high rather than ever uncounting twice.
func (s *Store) Unstar(ctx context.Context, userID, product string) (bool, error) {
	id, err := s.productID(ctx, product)
	if err != nil {
		return false, fmt.Errorf("unstarring %s: %w", product, err)
	}
	res, err := s.stars.DeleteOne(ctx, bson.D{{Key: "_id", Value: starID(userID, id)}})
	if err != nil {
		return false, fmt.Errorf("unstarring %s: %w", product, err)
	}
	if res.DeletedCount == 0 {
		return false, nil
	}
	if err := s.countStar(ctx, id, -1); err != nil {
		return false, fmt.Errorf("uncounting star of %s: %w", product, err)
	}
	return true, nil
}

// Starred returns the slugs of the products userID starred, most recent
// first. It reads the stars, then their products in one query; a star whose
// product is gone is left out.
func (s *Store) Starred(ctx context.Context, userID string) ([]string, error) {
	stars, err := mongodb.FindAll(ctx, s.stars, bson.D{{Key: "user_id", Value: userID}},
		func(d starDoc) string { return d.ProductID },
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).
			SetProjection(bson.D{{Key: "product_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing stars of %s: %w", userID, err)
	}
	if len(stars) == 0 {
		return nil, nil
	}
	products, err := mongodb.FindAll(ctx, s.products, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: stars}}}},
		func(d productDoc) productDoc { return d },
		options.Find().SetProjection(bson.D{{Key: "slug", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("reading products starred by %s: %w", userID, err)
	}
	slugs := make(map[string]string, len(products))
	for _, p := range products {
		slugs[p.ID] = p.Slug
	}
	var out []string
	for _, id := range stars {
		if slug, ok := slugs[id]; ok {
			out = append(out, slug)
		}
	}
	return out, nil
}

// HasStarred reports whether userID starred the product with that slug. An
// unknown product yields catalog.ErrNotFound, as in Star.
func (s *Store) HasStarred(ctx context.Context, userID, product string) (bool, error) {
	id, err := s.productID(ctx, product)
	if err != nil {
		return false, err
	}
	err = s.stars.FindOne(ctx, bson.D{{Key: "_id", Value: starID(userID, id)}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading star of %s: %w", product, err)
	}
	return true, nil
}

// productID returns the ID of the product with that slug, or
// catalog.ErrNotFound.
func (s *Store) productID(ctx context.Context, slug string) (string, error) {
	return mongodb.FindOne(ctx, s.products, "product "+slug, catalog.ErrNotFound,
		bson.D{{Key: "slug", Value: slug}}, func(d productDoc) string { return d.ID })
}

// countStar adds delta to the Stars of the product with ID id.
func (s *Store) countStar(ctx context.Context, id string, delta int64) error {
	_, err := s.products.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "stars", Value: delta}}}})
	return err
}
