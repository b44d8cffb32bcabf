package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// pullCountDoc is a license's pull count for one period, in the
// pull_counts collection under the key pullCountID gives.
type pullCountDoc struct {
	ID        string `bson:"_id"`
	LicenseID string `bson:"license_id"`
	Period    string `bson:"period"`
	Count     int    `bson:"count"`
	UpdatedAt int64  `bson:"updated_at"`
}

// releaseDoc is a tag's release in the releases collection, under the key
// releaseID gives.
type releaseDoc struct {
	ID         string `bson:"_id"`
	Repository string `bson:"repository"`
	Tag        string `bson:"tag"`
	Digest     string `bson:"digest"`
	At         int64  `bson:"at"`
}

// pullCountID keys a license's count for a period; license IDs hold no "|".
func pullCountID(licenseID, period string) string { return licenseID + "|" + period }

// releaseID keys a tag's release; repository names hold no "|".
func releaseID(repository, tag string) string { return repository + "|" + tag }

// CountPull adds one to the license's pull count for period unless limit > 0
// and the count has reached limit, and returns the count afterwards and
// whether the pull was counted. The check and the increment are one upsert
// filtered on the count; when the count has reached limit, the upsert meets
// the existing _id and fails with a duplicate key, and nothing was counted.
// On MongoDB the update is atomic; FerretDB v1 applies $inc as
// read-modify-write, so there concurrent pulls may be lost or pass the limit.
// The count's change time, which PruneUsage goes by, comes from the system
// clock.
func (s *Store) CountPull(ctx context.Context, licenseID, period string, limit int) (int, bool, error) {
	filter := bson.D{{Key: "_id", Value: pullCountID(licenseID, period)}}
	if limit > 0 {
		filter = append(filter, bson.E{Key: "count", Value: bson.D{{Key: "$lt", Value: limit}}})
	}
	_, err := s.pullCounts.UpdateOne(ctx, filter, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "count", Value: 1}}},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: storecodec.Time(time.Now())}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "license_id", Value: licenseID}, {Key: "period", Value: period}}},
	}, options.Update().SetUpsert(true))
	counted := err == nil
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return 0, false, fmt.Errorf("counting a pull of license %s in %s: %w", licenseID, period, err)
	}
	n, err := s.PullCount(ctx, licenseID, period)
	return n, counted, err
}

// PullCount returns the license's pull count for period (0 if none).
func (s *Store) PullCount(ctx context.Context, licenseID, period string) (int, error) {
	var d pullCountDoc
	err := s.pullCounts.FindOne(ctx, bson.D{{Key: "_id", Value: pullCountID(licenseID, period)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the pull count of license %s in %s: %w", licenseID, period, err)
	}
	return d.Count, nil
}

// RecordRelease records that repository:tag points at r.Digest since r.At;
// a tag already recorded at the same digest keeps its time. It is one
// upsert filtered on another digest: at the same digest the upsert meets the
// existing _id, and the duplicate key means there was nothing to change.
func (s *Store) RecordRelease(ctx context.Context, r licensing.Release) error {
	_, err := s.releases.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: releaseID(r.Repository, r.Tag)}, {Key: "digest", Value: bson.D{{Key: "$ne", Value: r.Digest}}}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "repository", Value: r.Repository}, {Key: "tag", Value: r.Tag},
			{Key: "digest", Value: r.Digest}, {Key: "at", Value: storecodec.Time(r.At)},
		}}},
		options.Update().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("recording release %s:%s: %w", r.Repository, r.Tag, err)
	}
	return nil
}

// Releases returns the repository's recorded tags, by tag name.
func (s *Store) Releases(ctx context.Context, repository string) ([]licensing.Release, error) {
	out, err := mongodb.FindAll(ctx, s.releases, bson.D{{Key: "repository", Value: repository}}, decodeRelease,
		options.Find().SetSort(bson.D{{Key: "repository", Value: 1}, {Key: "tag", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing releases of %s: %w", repository, err)
	}
	return out, nil
}

// PruneUsage deletes token records and pulls older than before, and pull
// counts last changed before it, and returns how many went. Each collection
// is pruned on its own; a failure leaves the earlier ones pruned, which a
// later call completes.
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int, error) {
	older := bson.D{{Key: "$lt", Value: storecodec.Time(before)}}
	var total int
	for _, c := range []struct {
		coll  *mongo.Collection
		field string
	}{{s.tokenRecords, "at"}, {s.pulls, "at"}, {s.pullCounts, "updated_at"}} {
		res, err := c.coll.DeleteMany(ctx, bson.D{{Key: c.field, Value: older}})
		if err != nil {
			return total, fmt.Errorf("pruning %s before %v: %w", c.coll.Name(), before, err)
		}
		total += int(res.DeletedCount)
	}
	return total, nil
}

// decodeRelease converts a stored release to the domain type.
func decodeRelease(d releaseDoc) licensing.Release {
	return licensing.Release{Repository: d.Repository, Tag: d.Tag, Digest: d.Digest, At: storecodec.ParseTime(d.At)}
}
