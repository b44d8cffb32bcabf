package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// keyDoc is a signing key as stored in the publisher_keys collection. Its
// _id is keyDocID of the publisher and the key, so that the insert rejects a
// second key with the same ID for the same publisher.
type keyDoc struct {
	ID        string `bson:"_id"`
	Publisher string `bson:"publisher"`
	KeyID     string `bson:"key_id"`
	Name      string `bson:"name"`
	PEM       string `bson:"pem"`
	CreatedBy string `bson:"created_by"`
	CreatedAt int64  `bson:"created_at"`
	RevokedAt int64  `bson:"revoked_at"`
	BerthHeld bool   `bson:"berth_held,omitempty"`
	Sealed    []byte `bson:"sealed,omitempty"`
}

// keyDocID is the _id of the key keyID of the publisher with ID publisherID.
// IDs hold no NUL, so no two pairs share one.
func keyDocID(publisherID, keyID string) string { return publisherID + "\x00" + keyID }

// createKeyIndexes creates c's index on the publisher and the time, which
// Keys filters and sorts by.
func createKeyIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c,
		mongo.IndexModel{Keys: bson.D{{Key: "publisher", Value: 1}, {Key: "created_at", Value: 1}},
			Options: options.Index().SetName("publisher_created")},
	)
}

// AddKey inserts k; a key with the same ID for the same publisher yields
// publisher.ErrConflict.
func (s *Store) AddKey(ctx context.Context, k publisher.Key) error {
	_, err := s.keys.InsertOne(ctx, keyDoc{
		ID: keyDocID(k.Publisher, k.ID), Publisher: k.Publisher, KeyID: k.ID, Name: k.Name, PEM: k.PEM, CreatedBy: k.CreatedBy,
		CreatedAt: storecodec.Time(k.CreatedAt), RevokedAt: storecodec.Time(k.RevokedAt), BerthHeld: k.BerthHeld, Sealed: k.Sealed,
	})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("adding key %s of %s: %w", k.ID, k.Publisher, publisher.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("adding key %s of %s: %w", k.ID, k.Publisher, err)
	}
	return nil
}

// Keys returns the publisher's keys, revoked ones included, oldest first
// (ties by ID).
func (s *Store) Keys(ctx context.Context, publisherID string) ([]publisher.Key, error) {
	out, err := mongodb.FindAll(ctx, s.keys, bson.D{{Key: "publisher", Value: publisherID}}, decodeKey,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "key_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing keys of %s: %w", publisherID, err)
	}
	return out, nil
}

// RevokeKey sets the key's RevokedAt to at, or returns publisher.ErrNotFound.
func (s *Store) RevokeKey(ctx context.Context, publisherID, id string, at time.Time) error {
	res, err := s.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: keyDocID(publisherID, id)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: storecodec.Time(at)}}}})
	if err == nil && res.MatchedCount == 0 {
		err = publisher.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("revoking key %s of %s: %w", id, publisherID, err)
	}
	return nil
}

// BerthHeldKeys returns every Berth-held key, by publisher and age.
func (s *Store) BerthHeldKeys(ctx context.Context) ([]publisher.Key, error) {
	out, err := mongodb.FindAll(ctx, s.keys, bson.D{{Key: "berth_held", Value: true}}, decodeKey,
		options.Find().SetSort(bson.D{{Key: "publisher", Value: 1}, {Key: "created_at", Value: 1}, {Key: "key_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing Berth-held keys: %w", err)
	}
	return out, nil
}

// ResealKey replaces the key's sealed private half while it is still
// from, in one conditional update.
func (s *Store) ResealKey(ctx context.Context, publisherID, keyID string, from, to []byte) error {
	id := keyDocID(publisherID, keyID)
	res, err := s.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "sealed", Value: from}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "sealed", Value: to}}}})
	if err == nil && res.MatchedCount == 0 {
		err = publisher.ErrConflict
		if n, cerr := s.keys.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}}); cerr != nil {
			err = cerr
		} else if n == 0 {
			err = publisher.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("resealing key %s of %s: %w", keyID, publisherID, err)
	}
	return nil
}

// decodeKey converts a stored key to the domain type.
func decodeKey(d keyDoc) publisher.Key {
	return publisher.Key{
		ID: d.KeyID, Publisher: d.Publisher, Name: d.Name, PEM: d.PEM, CreatedBy: d.CreatedBy,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), RevokedAt: storecodec.ParseTime(d.RevokedAt), BerthHeld: d.BerthHeld,
		Sealed: d.Sealed,
	}
}
