package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// dayLayout is how tag_pulls writes a UTC day; such days sort as text.
const dayLayout = "2006-01-02"

// pullEventDoc is a pull as stored in pull_events; the registry's event id is
// the _id, which makes recording idempotent.
type pullEventDoc struct {
	ID         string `bson:"_id"`
	Repository string `bson:"repository"`
	Reference  string `bson:"reference"`
	Digest     string `bson:"digest"`
	At         int64  `bson:"at"`
}

// tagPullDoc is one tag's pull count on one UTC day, as stored in
// tag_pulls; its _id is tagPullID of the three.
type tagPullDoc struct {
	ID         string `bson:"_id"`
	Repository string `bson:"repository"`
	Tag        string `bson:"tag"`
	Day        string `bson:"day"`
	Pulls      int64  `bson:"pulls"`
}

// tagPullID is the _id of a tag's count on day. Names hold no NUL, so no two
// triples share one.
func tagPullID(repository, tag, day string) string {
	return repository + "\x00" + tag + "\x00" + day
}

// createTagPullIndexes creates the tag_pulls collection's index on the
// repository, tag and day, which TagPulls filters and sorts by and
// TagPullTotals filters by.
func createTagPullIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c,
		mongo.IndexModel{Keys: bson.D{{Key: "repository", Value: 1}, {Key: "tag", Value: 1}, {Key: "day", Value: 1}},
			Options: options.Index().SetName("repository_tag_day")},
	)
}

// RecordPull stores e, then adds one pull to the product owning
// e.Repository, or to the user's or organisation's repository of that name,
// and, when e.Tag is set, one to the tag's count for e.At's
// UTC day; it reports false, changing nothing, when e.ID was recorded
// before. A pull of a repository no product owns is recorded but counted
// against no product. The writes are separate documents: should a later one
// fail, the pull stays uncounted there rather than ever being counted twice.
func (s *Store) RecordPull(ctx context.Context, e catalog.PullEvent) (bool, error) {
	_, err := s.pullEvents.InsertOne(ctx, pullEventDoc{
		ID: e.ID, Repository: e.Repository, Reference: e.Reference, Digest: e.Digest, At: storecodec.Time(e.At),
	})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("recording pull %s: %w", e.ID, err)
	}
	_, err = s.products.UpdateOne(ctx, bson.D{{Key: "repositories", Value: e.Repository}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "pulls", Value: int64(1)}}}})
	if err != nil {
		return false, fmt.Errorf("counting pull %s: %w", e.ID, err)
	}
	if err := s.countRepositoryPull(ctx, e.Repository); err != nil {
		return false, fmt.Errorf("counting pull %s: %w", e.ID, err)
	}
	if e.Tag == "" {
		return true, nil
	}
	day := e.At.UTC().Format(dayLayout)
	_, err = s.tagPulls.UpdateOne(ctx, bson.D{{Key: "_id", Value: tagPullID(e.Repository, e.Tag, day)}},
		bson.D{
			{Key: "$inc", Value: bson.D{{Key: "pulls", Value: int64(1)}}},
			{Key: "$setOnInsert", Value: bson.D{
				{Key: "repository", Value: e.Repository}, {Key: "tag", Value: e.Tag}, {Key: "day", Value: day},
			}},
		}, options.Update().SetUpsert(true))
	if err != nil {
		return false, fmt.Errorf("counting pull %s of tag %s: %w", e.ID, e.Tag, err)
	}
	return true, nil
}

// TagPulls returns a tag's pull counts per UTC day, oldest first, for the
// days that overlap [from, to); days without pulls are left out.
func (s *Store) TagPulls(ctx context.Context, repository, tag string, from, to time.Time) ([]catalog.DayCount, error) {
	first, end := dayRange(from, to)
	out, err := mongodb.FindAll(ctx, s.tagPulls, bson.D{
		{Key: "repository", Value: repository}, {Key: "tag", Value: tag},
		{Key: "day", Value: bson.D{{Key: "$gte", Value: first}, {Key: "$lt", Value: end}}},
	}, func(d tagPullDoc) catalog.DayCount { return catalog.DayCount{Day: d.Day, Pulls: d.Pulls} },
		options.Find().SetSort(bson.D{{Key: "day", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("reading pulls of tag %s:%s: %w", repository, tag, err)
	}
	return out, nil
}

// dayRange returns the first UTC day overlapping [from, to) and the day
// after the last, as dayLayout text.
func dayRange(from, to time.Time) (first, end string) {
	to = to.UTC()
	last := to.Truncate(24 * time.Hour)
	if to.After(last) {
		last = last.AddDate(0, 0, 1)
	}
	return from.UTC().Format(dayLayout), last.Format(dayLayout)
}

// TagPullTotals returns the total pulls of each of a repository's tags
// with pulls counted, deleted tags included, summed by the database.
func (s *Store) TagPullTotals(ctx context.Context, repository string) (map[string]int64, error) {
	cur, err := s.tagPulls.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "repository", Value: repository}}}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: "$tag"}, {Key: "pulls", Value: bson.D{{Key: "$sum", Value: "$pulls"}}},
		}}},
	})
	if err != nil {
		return nil, fmt.Errorf("totalling tag pulls of %s: %w", repository, err)
	}
	var totals []struct {
		Tag   string `bson:"_id"`
		Pulls int64  `bson:"pulls"`
	}
	if err := cur.All(ctx, &totals); err != nil {
		return nil, fmt.Errorf("totalling tag pulls of %s: %w", repository, err)
	}
	out := make(map[string]int64, len(totals))
	for _, t := range totals {
		out[t.Tag] = t.Pulls
	}
	return out, nil
}
