// Package mongostore keeps publishers in MongoDB, using only what MongoDB 7
// and FerretDB v1 both accept: every write is a single-document write.
package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// publisherDoc is a publisher as stored in the publishers collection. An
// empty namespace list is left out (see New).
type publisherDoc struct {
	ID         string   `bson:"_id"`
	Slug       string   `bson:"slug"`
	Name       string   `bson:"name"`
	Verified   bool     `bson:"verified"`
	Namespaces []string `bson:"namespaces,omitempty"`
	Members    []string `bson:"members"`
	CreatedAt  int64    `bson:"created_at"`
}

// Store implements publisher.Store on MongoDB.
type Store struct {
	publishers *mongo.Collection
}

var _ publisher.Store = (*Store)(nil)

// New creates the publishers collection's indexes if needed and returns a
// Store using db.
//
// The unique index on the namespaces array is multikey: MongoDB enforces it
// across documents, closing the race between PutPublisher's ownership check
// and its write. It is sparse, and empty lists are not stored, because
// MongoDB indexes every empty array as the same key. FerretDB v1.24 accepts
// the index but compares whole arrays, so there the check alone keeps
// namespaces apart.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{publishers: db.Collection("publishers")}
	err := mongodb.CreateIndexes(ctx, s.publishers,
		mongo.IndexModel{Keys: bson.D{{Key: "slug", Value: 1}},
			Options: options.Index().SetName("slug_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "namespaces", Value: 1}},
			Options: options.Index().SetName("namespaces_unique").SetUnique(true).SetSparse(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "members", Value: 1}},
			Options: options.Index().SetName("members")},
	)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// PutPublisher inserts p, or replaces the publisher with p's slug while
// keeping its ID and CreatedAt, in one upsert. An empty ID on insert is
// filled in; repeated namespaces and members are stored once.
func (s *Store) PutPublisher(ctx context.Context, p publisher.Publisher) (publisher.Publisher, error) {
	p.Namespaces, p.Members = storecodec.Distinct(p.Namespaces), storecodec.Distinct(p.Members)
	if err := s.checkNamespaces(ctx, p.Slug, p.Namespaces); err != nil {
		return publisher.Publisher{}, fmt.Errorf("putting publisher %s: %w", p.Slug, err)
	}
	if p.ID == "" {
		p.ID = secret.ID()
	}
	var d publisherDoc
	err := s.publishers.FindOneAndUpdate(ctx, bson.D{{Key: "slug", Value: p.Slug}}, upsert(p),
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if mongo.IsDuplicateKeyError(err) {
		// A concurrent write won a race the check could not see.
		if cerr := s.checkNamespaces(ctx, p.Slug, p.Namespaces); cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("putting publisher %s: %w", p.Slug, err)
	}
	return decode(d), nil
}

// upsert returns the update that replaces p's replaceable fields and, on
// insert, sets the kept ones.
func upsert(p publisher.Publisher) bson.D {
	set := bson.D{
		{Key: "name", Value: p.Name}, {Key: "verified", Value: p.Verified},
		{Key: "members", Value: p.Members},
	}
	update := bson.D{{Key: "$setOnInsert", Value: bson.D{
		{Key: "_id", Value: p.ID}, {Key: "slug", Value: p.Slug},
		{Key: "created_at", Value: storecodec.Time(p.CreatedAt)},
	}}}
	return mongodb.SetArray(update, set, "namespaces", p.Namespaces)
}

// checkNamespaces returns publisher.ErrNamespaceTaken if a publisher other
// than slug owns one of namespaces.
func (s *Store) checkNamespaces(ctx context.Context, slug string, namespaces []string) error {
	taken, ok, err := mongodb.Claimed(ctx, s.publishers, "namespaces", slug, namespaces,
		func(d publisherDoc) []string { return d.Namespaces })
	if err != nil {
		return fmt.Errorf("checking namespace owners: %w", err)
	}
	if ok {
		return fmt.Errorf("namespace %s: %w", taken, publisher.ErrNamespaceTaken)
	}
	return nil
}
