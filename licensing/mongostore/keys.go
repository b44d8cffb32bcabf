package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// keyDoc is a token key as stored in the token_keys collection.
type keyDoc struct {
	ID         string `bson:"_id"`
	Kind       string `bson:"kind"`
	PrivateDER []byte `bson:"private_der"`
	CertDER    []byte `bson:"cert_der"`
	CreatedAt  int64  `bson:"created_at"`
	RetiredAt  int64  `bson:"retired_at"`
}

// AddKey inserts k; a duplicate ID yields licensing.ErrConflict.
func (s *Store) AddKey(ctx context.Context, k licensing.Key) error {
	_, err := s.keys.InsertOne(ctx, keyDoc{
		ID: k.ID, Kind: string(k.Kind), PrivateDER: k.PrivateDER, CertDER: k.CertDER,
		CreatedAt: storecodec.Time(k.CreatedAt), RetiredAt: storecodec.Time(k.RetiredAt),
	})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("adding key %s: %w", k.ID, licensing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("adding key %s: %w", k.ID, err)
	}
	return nil
}

// Keys returns every stored key, oldest first.
func (s *Store) Keys(ctx context.Context) ([]licensing.Key, error) {
	out, err := mongodb.FindAll(ctx, s.keys, bson.D{}, decodeKey,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	return out, nil
}

// UpdateKeyPrivate replaces key id's private key with to if it still is
// from; no key id yields licensing.ErrNotFound, another value
// licensing.ErrConflict.
func (s *Store) UpdateKeyPrivate(ctx context.Context, id string, from, to []byte) error {
	res, err := s.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "private_der", Value: from}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "private_der", Value: to}}}})
	if err != nil {
		return fmt.Errorf("updating key %s: %w", id, err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := s.keys.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return fmt.Errorf("updating key %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("updating key %s: %w", id, licensing.ErrNotFound)
	}
	return fmt.Errorf("updating key %s: it changed meanwhile: %w", id, licensing.ErrConflict)
}

// decodeKey converts a stored key to the domain type.
func decodeKey(d keyDoc) licensing.Key {
	return licensing.Key{
		ID: d.ID, Kind: licensing.KeyKind(d.Kind), PrivateDER: d.PrivateDER, CertDER: d.CertDER,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), RetiredAt: storecodec.ParseTime(d.RetiredAt),
	}
}
