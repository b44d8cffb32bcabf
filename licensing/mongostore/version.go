package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// versionID names the document in licensing_counters that holds the
// licenses' version.
const versionID = "licenses"

// bumpVersion increases the licenses' version by one, creating it at 1:
// a single $inc on one document, atomic on MongoDB and FerretDB alike. It
// runs after a license's change is stored, so that a reader who sees the
// new version reads the changed license (see LicensesVersion). Should it
// fail, the change stands and its caller gets an error: retrying the
// change bumps again.
func (s *Store) bumpVersion(ctx context.Context) error {
	_, err := s.counters.UpdateOne(ctx, bson.D{{Key: "_id", Value: versionID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}}, options.Update().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("increasing the licenses' version: %w", err)
	}
	return nil
}

// LicensesVersion returns the licenses' version: 0 until the first change
// to a license.
func (s *Store) LicensesVersion(ctx context.Context) (int64, error) {
	var d struct {
		Version int64 `bson:"version"`
	}
	err := s.counters.FindOne(ctx, bson.D{{Key: "_id", Value: versionID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the licenses' version: %w", err)
	}
	return d.Version, nil
}
