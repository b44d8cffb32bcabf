package mongostore

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// withdrawalDoc is a withdrawal as stored in the withdrawals collection.
type withdrawalDoc struct {
	ID         string `bson:"_id"`
	Publisher  string `bson:"publisher"`
	Repository string `bson:"repository"`
	Tag        string `bson:"tag"`
	Digest     string `bson:"digest"`
	Reason     string `bson:"reason"`
	By         string `bson:"by"`
	At         int64  `bson:"at"`
	Done       bool   `bson:"done"`
}

// createWithdrawalIndexes creates c's indexes: the unique repository, tag
// and digest that make CreateWithdrawal idempotent, and one for each of
// Withdrawals and WithdrawalsOf.
func createWithdrawalIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c,
		mongo.IndexModel{Keys: bson.D{{Key: "repository", Value: 1}, {Key: "tag", Value: 1}, {Key: "digest", Value: 1}},
			Options: options.Index().SetName("repository_tag_digest_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "publisher", Value: 1}, {Key: "at", Value: -1}},
			Options: options.Index().SetName("publisher_at")},
		mongo.IndexModel{Keys: bson.D{{Key: "repository", Value: 1}, {Key: "at", Value: -1}},
			Options: options.Index().SetName("repository_at")},
	)
}

// CreateWithdrawal inserts w unless a withdrawal of the same repository,
// tag and digest exists, and returns the stored withdrawal and whether it
// is w. The unique index on the three decides; of concurrent withdrawals
// of one tag the others read the first back. An empty ID is filled in; an
// ID another withdrawal has yields publisher.ErrConflict.
func (s *Store) CreateWithdrawal(ctx context.Context, w publisher.Withdrawal) (publisher.Withdrawal, bool, error) {
	if w.ID == "" {
		w.ID = secret.ID()
	}
	stored, created, err := mongodb.InsertOrFind(ctx, s.withdrawals, encodeWithdrawal(w), w, fmt.Sprintf("withdrawal of %s:%s@%s", w.Repository, w.Tag, w.Digest),
		bson.D{{Key: "repository", Value: w.Repository}, {Key: "tag", Value: w.Tag}, {Key: "digest", Value: w.Digest}},
		decodeWithdrawal, publisher.ErrNotFound, publisher.ErrConflict)
	if err != nil {
		return publisher.Withdrawal{}, false, fmt.Errorf("creating withdrawal %s: %w", w.ID, err)
	}
	return stored, created, nil
}

// FinishWithdrawal marks a withdrawal done, or returns
// publisher.ErrNotFound.
func (s *Store) FinishWithdrawal(ctx context.Context, id string) error {
	res, err := s.withdrawals.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}}}})
	if err == nil && res.MatchedCount == 0 {
		err = publisher.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("finishing withdrawal %s: %w", id, err)
	}
	return nil
}

// newestFirst sorts withdrawals newest first, ties by ID descending.
func newestFirst(limit int) *options.FindOptions {
	return options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit))
}

// Withdrawals returns the publisher's withdrawals, newest first (ties by
// ID, descending), at most limit; a limit below 1 returns none.
func (s *Store) Withdrawals(ctx context.Context, publisherID string, limit int) ([]publisher.Withdrawal, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := mongodb.FindAll(ctx, s.withdrawals, bson.D{{Key: "publisher", Value: publisherID}}, decodeWithdrawal, newestFirst(limit))
	if err != nil {
		return nil, fmt.Errorf("listing withdrawals of %s: %w", publisherID, err)
	}
	return out, nil
}

// WithdrawalsOf returns the withdrawals of any of repositories, newest
// first (ties by ID, descending), at most limit; a limit below 1 or no
// repository returns none.
func (s *Store) WithdrawalsOf(ctx context.Context, repositories []string, limit int) ([]publisher.Withdrawal, error) {
	if limit < 1 || len(repositories) == 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "repository", Value: bson.D{{Key: "$in", Value: repositories}}}}
	out, err := mongodb.FindAll(ctx, s.withdrawals, filter, decodeWithdrawal, newestFirst(limit))
	if err != nil {
		return nil, fmt.Errorf("listing withdrawals of %s: %w", strings.Join(repositories, ", "), err)
	}
	return out, nil
}

// LatestWithdrawal returns the newest withdrawal of repository:tag, or
// publisher.ErrNotFound.
func (s *Store) LatestWithdrawal(ctx context.Context, repository, tag string) (publisher.Withdrawal, error) {
	out, err := mongodb.FindAll(ctx, s.withdrawals, bson.D{{Key: "repository", Value: repository}, {Key: "tag", Value: tag}},
		decodeWithdrawal, newestFirst(1))
	if err != nil {
		return publisher.Withdrawal{}, fmt.Errorf("reading withdrawal of %s:%s: %w", repository, tag, err)
	}
	if len(out) == 0 {
		return publisher.Withdrawal{}, fmt.Errorf("withdrawal of %s:%s: %w", repository, tag, publisher.ErrNotFound)
	}
	return out[0], nil
}

// encodeWithdrawal converts a withdrawal to its stored form.
func encodeWithdrawal(w publisher.Withdrawal) withdrawalDoc {
	return withdrawalDoc{ID: w.ID, Publisher: w.Publisher, Repository: w.Repository, Tag: w.Tag, Digest: w.Digest,
		Reason: w.Reason, By: w.By, At: storecodec.Time(w.At), Done: w.Done}
}

// decodeWithdrawal converts a stored withdrawal to the domain type.
func decodeWithdrawal(d withdrawalDoc) publisher.Withdrawal {
	return publisher.Withdrawal{ID: d.ID, Publisher: d.Publisher, Repository: d.Repository, Tag: d.Tag, Digest: d.Digest,
		Reason: d.Reason, By: d.By, At: storecodec.ParseTime(d.At), Done: d.Done}
}
