package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.UsageStore = (*Store)(nil)

// codeDuplicateKey is the server's error code for a duplicate key, which
// MongoDB and FerretDB v1 both answer with.
const codeDuplicateKey = 11000

// createUsageIndexes creates the indexes every usage query searches and
// sorts by. Seats and pull counts are read by _id only; pull counts are
// pruned by change time. A token record is listed under each license it
// names through a multikey index.
func (s *Store) createUsageIndexes(ctx context.Context) error {
	newest := bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}
	for _, c := range []struct {
		coll   *mongo.Collection
		models []mongo.IndexModel
	}{
		{s.tokenRecords, []mongo.IndexModel{
			{Keys: newest, Options: options.Index().SetName("at")},
			{Keys: append(bson.D{{Key: "licenses", Value: 1}}, newest...), Options: options.Index().SetName("licenses_at")},
		}},
		{s.pulls, []mongo.IndexModel{
			{Keys: newest, Options: options.Index().SetName("at")},
			{Keys: append(bson.D{{Key: "license_id", Value: 1}}, newest...), Options: options.Index().SetName("license_at")},
		}},
		{s.pullCounts, []mongo.IndexModel{
			{Keys: bson.D{{Key: "updated_at", Value: 1}}, Options: options.Index().SetName("updated")},
		}},
		{s.releases, []mongo.IndexModel{
			{Keys: bson.D{{Key: "repository", Value: 1}, {Key: "tag", Value: 1}}, Options: options.Index().SetName("repository_tag")},
		}},
	} {
		if err := mongodb.CreateIndexes(ctx, c.coll, c.models...); err != nil {
			return err
		}
	}
	return nil
}

// page returns the filter and options of a usage listing: field, when
// q.LicenseID is set, equal to it, at strictly before q.Before when set,
// newest first (ties by _id, descending), at most q.Limit when positive.
func page(q licensing.UsageQuery, field string) (bson.D, *options.FindOptions) {
	filter := bson.D{}
	if q.LicenseID != "" {
		filter = append(filter, bson.E{Key: field, Value: q.LicenseID})
	}
	if !q.Before.IsZero() {
		filter = append(filter, bson.E{Key: "at", Value: bson.D{{Key: "$lt", Value: storecodec.Time(q.Before)}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}})
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	return filter, opts
}

// insertNew inserts docs unordered, skipping those whose _id exists.
func insertNew[D any](ctx context.Context, c *mongo.Collection, docs []D) error {
	if len(docs) == 0 {
		return nil
	}
	many := make([]any, len(docs))
	for i, d := range docs {
		many[i] = d
	}
	_, err := c.InsertMany(ctx, many, options.InsertMany().SetOrdered(false))
	if onlyDuplicates(err) {
		return nil
	}
	return err
}

// onlyDuplicates reports whether err is a bulk write error made of
// duplicate keys alone.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != codeDuplicateKey {
			return false
		}
	}
	return true
}
