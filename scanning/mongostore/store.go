// Package mongostore keeps the offline advisory database in MongoDB, one
// document per OSV record with its package keys in an indexed array, using
// only what MongoDB 7 and FerretDB v1 both accept.
package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/scanning"
)

// Store implements scanning.Store on MongoDB with the collection
// vulndb_records, keyed by record ID.
type Store struct {
	recs *mongo.Collection
}

var _ scanning.Store = (*Store)(nil)

// New creates the package-key index if needed and returns a Store using db.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{recs: db.Collection("vulndb_records")}
	err := mongodb.CreateIndexes(ctx, s.recs,
		mongo.IndexModel{Keys: bson.D{{Key: "keys", Value: 1}}, Options: options.Index().SetName("keys")})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// doc is one record as stored.
type doc struct {
	ID       string   `bson:"_id"`
	Digest   string   `bson:"digest"`
	Modified int64    `bson:"modified"`
	Keys     []string `bson:"keys"`
	Raw      []byte   `bson:"raw"`
}

// Digests returns every record's ID and digest.
func (s *Store) Digests(ctx context.Context) (map[string]string, error) {
	type idDigest struct {
		ID     string `bson:"_id"`
		Digest string `bson:"digest"`
	}
	all, err := mongodb.FindAll(ctx, s.recs, bson.D{}, func(d idDigest) idDigest { return d },
		options.Find().SetProjection(bson.D{{Key: "digest", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("reading advisory digests: %w", err)
	}
	out := make(map[string]string, len(all))
	for _, d := range all {
		out[d.ID] = d.Digest
	}
	return out, nil
}

// Put replaces each record whole: one document is the unit of consistency,
// so a reader sees a record's old or new keys and bytes, never a mix.
func (s *Store) Put(ctx context.Context, recs []scanning.Record) error {
	if len(recs) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(recs))
	for i, r := range recs {
		keys := make([]string, len(r.Keys))
		for j, k := range r.Keys {
			keys[j] = k.String()
		}
		d := doc{ID: r.ID, Digest: r.Digest, Modified: storecodec.Time(r.Modified), Keys: storecodec.Distinct(keys), Raw: r.Raw}
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: r.ID}}).SetReplacement(d).SetUpsert(true)
	}
	if _, err := s.recs.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
		return fmt.Errorf("storing advisories: %w", err)
	}
	return nil
}

// Delete removes the records with these IDs.
func (s *Store) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.recs.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("removing advisories: %w", err)
	}
	return nil
}

// Get returns the records with these IDs.
func (s *Store) Get(ctx context.Context, ids []string) ([]scanning.Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
}

// Lookup returns the records indexed under keys, each once.
func (s *Store) Lookup(ctx context.Context, keys []scanning.PackageKey) ([]scanning.Record, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = k.String()
	}
	return s.find(ctx, bson.D{{Key: "keys", Value: bson.D{{Key: "$in", Value: ks}}}})
}

func (s *Store) find(ctx context.Context, filter bson.D) ([]scanning.Record, error) {
	docs, err := mongodb.FindAll(ctx, s.recs, filter, func(d doc) doc { return d },
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("reading advisories: %w", err)
	}
	out := make([]scanning.Record, len(docs))
	for i, d := range docs {
		out[i] = scanning.Record{ID: d.ID, Digest: d.Digest, Modified: storecodec.ParseTime(d.Modified), Raw: d.Raw}
		for _, k := range d.Keys {
			pk, err := scanning.ParsePackageKey(k)
			if err != nil {
				return nil, fmt.Errorf("advisory %s: %w", d.ID, err)
			}
			out[i].Keys = append(out[i].Keys, pk)
		}
	}
	return out, nil
}
