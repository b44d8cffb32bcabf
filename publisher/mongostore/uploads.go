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
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// uploadDoc is an upload as stored in the uploads collection.
type uploadDoc struct {
	ID            string `bson:"_id"`
	Publisher     string `bson:"publisher"`
	Staging       string `bson:"staging"`
	Target        string `bson:"target"`
	Tag           string `bson:"tag"`
	Digest        string `bson:"digest"`
	Status        string `bson:"status"`
	Reason        string `bson:"reason"`
	Attempts      int    `bson:"attempts"`
	NextAttemptAt int64  `bson:"next_attempt_at"`
	Pusher        string `bson:"pusher"`
	CreatedAt     int64  `bson:"created_at"`
	UpdatedAt     int64  `bson:"updated_at"`
}

// createUploadIndexes creates c's indexes: the unique staging repository,
// tag and digest that make CreateUpload idempotent, and one for each of
// Uploads, UploadsByDigest and DueUploads.
func createUploadIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c,
		mongo.IndexModel{Keys: bson.D{{Key: "staging", Value: 1}, {Key: "tag", Value: 1}, {Key: "digest", Value: 1}},
			Options: options.Index().SetName("staging_tag_digest_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "publisher", Value: 1}, {Key: "created_at", Value: -1}},
			Options: options.Index().SetName("publisher_created")},
		mongo.IndexModel{Keys: bson.D{{Key: "staging", Value: 1}, {Key: "digest", Value: 1}},
			Options: options.Index().SetName("staging_digest")},
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "next_attempt_at", Value: 1}},
			Options: options.Index().SetName("status_next_attempt")},
	)
}

// CreateUpload inserts u unless an upload of the same staging repository,
// tag and digest exists, and returns the stored upload and whether it is
// u. The unique index on the three decides, so of concurrent pushes of one
// tag and digest exactly one creates the upload; the others read it back.
// An empty ID is filled in; an ID another upload has yields
// publisher.ErrConflict.
func (s *Store) CreateUpload(ctx context.Context, u publisher.Upload) (publisher.Upload, bool, error) {
	if u.ID == "" {
		u.ID = secret.ID()
	}
	stored, created, err := mongodb.InsertOrFind(ctx, s.uploads, encodeUpload(u), u, fmt.Sprintf("upload of %s:%s@%s", u.Staging, u.Tag, u.Digest),
		sameTagAndDigest(u), decodeUpload, publisher.ErrNotFound, publisher.ErrConflict)
	if err != nil {
		return publisher.Upload{}, false, fmt.Errorf("creating upload %s: %w", u.ID, err)
	}
	return stored, created, nil
}

// sameTagAndDigest matches the upload of u's staging repository, tag and
// digest.
func sameTagAndDigest(u publisher.Upload) bson.D {
	return bson.D{{Key: "staging", Value: u.Staging}, {Key: "tag", Value: u.Tag}, {Key: "digest", Value: u.Digest}}
}

// UpdateUpload replaces every field of the stored upload but ID and
// CreatedAt with u's in one update, or returns publisher.ErrNotFound; the
// staging repository, tag and digest of another upload yield
// publisher.ErrConflict.
func (s *Store) UpdateUpload(ctx context.Context, u publisher.Upload) error {
	d := encodeUpload(u)
	res, err := s.uploads.UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "publisher", Value: d.Publisher}, {Key: "staging", Value: d.Staging},
		{Key: "target", Value: d.Target}, {Key: "tag", Value: d.Tag}, {Key: "digest", Value: d.Digest},
		{Key: "status", Value: d.Status}, {Key: "reason", Value: d.Reason},
		{Key: "attempts", Value: d.Attempts}, {Key: "next_attempt_at", Value: d.NextAttemptAt},
		{Key: "pusher", Value: d.Pusher}, {Key: "updated_at", Value: d.UpdatedAt},
	}}})
	if err != nil {
		// FerretDB v1 reports a unique-index violation by an update as an
		// internal error, not a duplicate key: look for the other holder.
		if taken, cerr := s.uploadTaken(ctx, u); cerr == nil && taken {
			err = publisher.ErrConflict
		}
	}
	if err == nil && res.MatchedCount == 0 {
		err = publisher.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("updating upload %s: %w", u.ID, err)
	}
	return nil
}

// StepUpload records a step of u while the stored attempts are from, in
// one conditional update of one document (atomic on MongoDB).
func (s *Store) StepUpload(ctx context.Context, u publisher.Upload, from int) error {
	d := encodeUpload(u)
	res, err := s.uploads.UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}, {Key: "attempts", Value: from}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: d.Status}, {Key: "reason", Value: d.Reason},
			{Key: "attempts", Value: d.Attempts}, {Key: "next_attempt_at", Value: d.NextAttemptAt},
			{Key: "updated_at", Value: d.UpdatedAt},
		}}})
	if err == nil && res.MatchedCount == 0 {
		err = publisher.ErrStale
		if _, lerr := s.Upload(ctx, u.ID); errors.Is(lerr, publisher.ErrNotFound) {
			err = lerr
		}
	}
	if err != nil {
		return fmt.Errorf("recording a step of upload %s: %w", u.ID, err)
	}
	return nil
}

// uploadTaken reports whether an upload other than u has u's staging
// repository, tag and digest.
func (s *Store) uploadTaken(ctx context.Context, u publisher.Upload) (bool, error) {
	filter := append(sameTagAndDigest(u), bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: u.ID}}})
	n, err := s.uploads.CountDocuments(ctx, filter, options.Count().SetLimit(1))
	return n > 0, err
}

// Upload returns the upload with that ID, or publisher.ErrNotFound.
func (s *Store) Upload(ctx context.Context, id string) (publisher.Upload, error) {
	return mongodb.FindOne(ctx, s.uploads, "upload "+id, publisher.ErrNotFound,
		bson.D{{Key: "_id", Value: id}}, decodeUpload)
}

// Uploads returns the publisher's uploads, newest first (ties by ID,
// descending), at most limit; a limit below 1 returns none.
func (s *Store) Uploads(ctx context.Context, publisherID string, limit int) ([]publisher.Upload, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := mongodb.FindAll(ctx, s.uploads, bson.D{{Key: "publisher", Value: publisherID}}, decodeUpload,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).
			SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("listing uploads of %s: %w", publisherID, err)
	}
	return out, nil
}

// UploadsByDigest returns the uploads of staging whose digest is digest, by
// tag.
func (s *Store) UploadsByDigest(ctx context.Context, staging, digest string) ([]publisher.Upload, error) {
	out, err := mongodb.FindAll(ctx, s.uploads,
		bson.D{{Key: "staging", Value: staging}, {Key: "digest", Value: digest}}, decodeUpload,
		options.Find().SetSort(bson.D{{Key: "tag", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing uploads of %s@%s: %w", staging, digest, err)
	}
	return out, nil
}

// DueUploads returns the waiting uploads whose next attempt is at or before
// now, soonest first (ties by ID), at most limit; a limit below 1 returns
// none.
func (s *Store) DueUploads(ctx context.Context, now time.Time, limit int) ([]publisher.Upload, error) {
	out, err := mongodb.FindDue(ctx, s.uploads, string(publisher.UploadWaiting), now, limit, decodeUpload)
	if err != nil {
		return nil, fmt.Errorf("listing due uploads: %w", err)
	}
	return out, nil
}

// encodeUpload converts an upload to its stored form.
func encodeUpload(u publisher.Upload) uploadDoc {
	return uploadDoc{
		ID: u.ID, Publisher: u.Publisher, Staging: u.Staging, Target: u.Target, Tag: u.Tag,
		Digest: u.Digest, Status: string(u.Status), Reason: u.Reason, Attempts: u.Attempts,
		NextAttemptAt: storecodec.Time(u.NextAttemptAt), Pusher: u.Pusher,
		CreatedAt: storecodec.Time(u.CreatedAt), UpdatedAt: storecodec.Time(u.UpdatedAt),
	}
}

// decodeUpload converts a stored upload to the domain type.
func decodeUpload(d uploadDoc) publisher.Upload {
	return publisher.Upload{
		ID: d.ID, Publisher: d.Publisher, Staging: d.Staging, Target: d.Target, Tag: d.Tag,
		Digest: d.Digest, Status: publisher.UploadStatus(d.Status), Reason: d.Reason, Attempts: d.Attempts,
		NextAttemptAt: storecodec.ParseTime(d.NextAttemptAt), Pusher: d.Pusher,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), UpdatedAt: storecodec.ParseTime(d.UpdatedAt),
	}
}
