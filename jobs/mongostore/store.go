// Package mongostore keeps the job queue in MongoDB, using only what
// MongoDB 7 and FerretDB v1 both accept: a claim is one findAndModify of a
// single document, so two instances sharing the database never lease one
// job twice.
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
	"github.com/berth/berth/jobs"
)

// Store implements jobs.Store on MongoDB with the collection jobs, keyed
// by job ID.
type Store struct {
	jobs *mongo.Collection
}

var _ jobs.Store = (*Store)(nil)

// New creates the jobs index if needed and returns a Store using db. The
// index serves claims (status, then the soonest run_at) and the deletion
// of finished jobs.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{jobs: db.Collection("jobs")}
	err := mongodb.CreateIndexes(ctx, s.jobs,
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "run_at", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName("status_run_at")},
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "updated_at", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("status_updated_at")})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// doc is a job as stored in the jobs collection.
type doc struct {
	ID        string `bson:"_id"`
	Kind      string `bson:"kind"`
	Payload   []byte `bson:"payload"`
	Status    string `bson:"status"`
	Attempts  int    `bson:"attempts"`
	RunAt     int64  `bson:"run_at"`
	Lease     string `bson:"lease"`
	LastError string `bson:"last_error"`
	CreatedAt int64  `bson:"created_at"`
	UpdatedAt int64  `bson:"updated_at"`
}

// Add stores j unless its ID exists, and reports whether it stored it.
func (s *Store) Add(ctx context.Context, j jobs.Job) (bool, error) {
	_, err := s.jobs.InsertOne(ctx, encode(j))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("adding job %s: %w", j.ID, err)
	}
	return true, nil
}

// Claim takes the due job in one findAndModify.
func (s *Store) Claim(ctx context.Context, kinds []string, now, until time.Time, lease string) (jobs.Job, error) {
	if len(kinds) == 0 {
		return jobs.Job{}, jobs.ErrNoneDue
	}
	filter := bson.D{
		{Key: "status", Value: string(jobs.Pending)},
		{Key: "run_at", Value: bson.D{{Key: "$lte", Value: storecodec.Time(now)}}},
		{Key: "kind", Value: bson.D{{Key: "$in", Value: kinds}}},
	}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "lease", Value: lease}, {Key: "run_at", Value: storecodec.Time(until)},
			{Key: "updated_at", Value: storecodec.Time(now)}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	}
	var d doc
	err := s.jobs.FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().
		SetSort(bson.D{{Key: "run_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return jobs.Job{}, jobs.ErrNoneDue
	} else if err != nil {
		return jobs.Job{}, fmt.Errorf("claiming a job: %w", err)
	}
	return decode(d), nil
}

// Release records a claimed job's outcome while its lease holds.
func (s *Store) Release(ctx context.Context, j jobs.Job) error {
	if j.Lease == "" {
		return s.lost(ctx, j.ID)
	}
	res, err := s.jobs.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: j.ID}, {Key: "lease", Value: j.Lease}, {Key: "status", Value: string(jobs.Pending)}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: string(j.Status)}, {Key: "run_at", Value: storecodec.Time(j.RunAt)},
			{Key: "last_error", Value: j.LastError}, {Key: "attempts", Value: j.Attempts},
			{Key: "updated_at", Value: storecodec.Time(j.UpdatedAt)}, {Key: "lease", Value: ""},
		}}})
	if err != nil {
		return fmt.Errorf("releasing job %s: %w", j.ID, err)
	}
	if res.MatchedCount == 0 {
		return s.lost(ctx, j.ID)
	}
	return nil
}

// lost explains a refused release: the job is gone, or its lease is.
func (s *Store) lost(ctx context.Context, id string) error {
	if _, err := s.Job(ctx, id); errors.Is(err, jobs.ErrNotFound) {
		return fmt.Errorf("releasing job %s: %w", id, err)
	}
	return fmt.Errorf("releasing job %s: %w", id, jobs.ErrLeaseLost)
}

// Job returns the job with id, or jobs.ErrNotFound.
func (s *Store) Job(ctx context.Context, id string) (jobs.Job, error) {
	return mongodb.FindOne(ctx, s.jobs, fmt.Sprintf("job _id %q", id), jobs.ErrNotFound,
		bson.D{{Key: "_id", Value: id}}, decode)
}

// DeleteFinished deletes done and failed jobs last updated before t.
func (s *Store) DeleteFinished(ctx context.Context, before time.Time) (int, error) {
	res, err := s.jobs.DeleteMany(ctx, bson.D{
		{Key: "status", Value: bson.D{{Key: "$in", Value: []string{string(jobs.Done), string(jobs.Failed)}}}},
		{Key: "updated_at", Value: bson.D{{Key: "$lt", Value: storecodec.Time(before)}}},
	})
	if err != nil {
		return 0, fmt.Errorf("deleting finished jobs: %w", err)
	}
	return int(res.DeletedCount), nil
}

// DeleteDone deletes done jobs last updated before t.
func (s *Store) DeleteDone(ctx context.Context, before time.Time) (int, error) {
	res, err := s.jobs.DeleteMany(ctx, bson.D{
		{Key: "status", Value: string(jobs.Done)},
		{Key: "updated_at", Value: bson.D{{Key: "$lt", Value: storecodec.Time(before)}}},
	})
	if err != nil {
		return 0, fmt.Errorf("deleting done jobs: %w", err)
	}
	return int(res.DeletedCount), nil
}

// Extend moves a running job's lease end while its lease holds, in one
// conditional update.
func (s *Store) Extend(ctx context.Context, id, lease string, until time.Time) error {
	if lease != "" {
		res, err := s.jobs.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "lease", Value: lease}, {Key: "status", Value: string(jobs.Pending)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "run_at", Value: storecodec.Time(until)}}}})
		if err != nil {
			return fmt.Errorf("extending job %s: %w", id, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	if _, err := s.Job(ctx, id); errors.Is(err, jobs.ErrNotFound) {
		return fmt.Errorf("extending job %s: %w", id, err)
	}
	return fmt.Errorf("extending job %s: %w", id, jobs.ErrLeaseLost)
}

// Failed returns failed jobs, the last updated first.
func (s *Store) Failed(ctx context.Context, kind string, limit, offset int) ([]jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "status", Value: string(jobs.Failed)}}
	if kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: kind})
	}
	js, err := mongodb.FindAll(ctx, s.jobs, filter, decode, options.Find().
		SetSort(bson.D{{Key: "updated_at", Value: -1}, {Key: "_id", Value: -1}}).
		SetSkip(int64(max(offset, 0))).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("listing failed jobs: %w", err)
	}
	return js, nil
}

// Retry makes a failed job pending again in one findAndModify.
func (s *Store) Retry(ctx context.Context, id string, now time.Time) (jobs.Job, error) {
	var d doc
	err := s.jobs.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: string(jobs.Failed)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(jobs.Pending)}, {Key: "attempts", Value: 0},
			{Key: "run_at", Value: storecodec.Time(now)}, {Key: "updated_at", Value: storecodec.Time(now)}, {Key: "lease", Value: ""}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		if _, err := s.Job(ctx, id); err != nil {
			return jobs.Job{}, err
		}
		return jobs.Job{}, fmt.Errorf("job %s: %w", id, jobs.ErrNotFailed)
	} else if err != nil {
		return jobs.Job{}, fmt.Errorf("retrying job %s: %w", id, err)
	}
	return decode(d), nil
}

// Hasten moves the pending, unleased job's RunAt to at when at is
// earlier, in one conditional update.
func (s *Store) Hasten(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.jobs.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: string(jobs.Pending)},
		{Key: "lease", Value: ""}, {Key: "run_at", Value: bson.D{{Key: "$gt", Value: storecodec.Time(at)}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "run_at", Value: storecodec.Time(at)}}}})
	if err != nil {
		return false, fmt.Errorf("hastening job %s: %w", id, err)
	}
	return res.ModifiedCount == 1, nil
}

// encode converts a job to its stored form.
func encode(j jobs.Job) doc {
	payload := j.Payload
	if payload == nil {
		payload = []byte{}
	}
	return doc{ID: j.ID, Kind: j.Kind, Payload: payload, Status: string(j.Status), Attempts: j.Attempts,
		RunAt: storecodec.Time(j.RunAt), Lease: j.Lease, LastError: j.LastError,
		CreatedAt: storecodec.Time(j.CreatedAt), UpdatedAt: storecodec.Time(j.UpdatedAt)}
}

// decode converts a stored job to the domain type; an empty payload reads
// back as nil.
func decode(d doc) jobs.Job {
	payload := d.Payload
	if len(payload) == 0 {
		payload = nil
	}
	return jobs.Job{ID: d.ID, Kind: d.Kind, Payload: payload, Status: jobs.Status(d.Status), Attempts: d.Attempts,
		RunAt: storecodec.ParseTime(d.RunAt), Lease: d.Lease, LastError: d.LastError,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), UpdatedAt: storecodec.ParseTime(d.UpdatedAt)}
}
