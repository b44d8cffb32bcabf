// Package mongostore keeps build records and logs in MongoDB, using only
// single-document writes, which MongoDB 7 and FerretDB v1 both accept.
package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// Store implements builds.Store with the collections builds (keyed by ID)
// and build_logs (keyed by build and offset).
type Store struct {
	builds   *mongo.Collection
	logs     *mongo.Collection
	settings *mongo.Collection
	slots    *mongo.Collection
}

var _ builds.Store = (*Store)(nil)

// New creates the builds indexes if needed and returns a Store using db.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{builds: db.Collection("builds"), logs: db.Collection("build_logs"),
		settings: db.Collection("build_settings"), slots: db.Collection("build_slots")}
	err := mongodb.CreateIndexes(ctx, s.builds,
		mongo.IndexModel{Keys: bson.D{{Key: "repository", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("repository_created")})
	if err != nil {
		return nil, err
	}
	err = mongodb.CreateIndexes(ctx, s.settings,
		mongo.IndexModel{Keys: bson.D{{Key: "links", Value: 1}}, Options: options.Index().SetName("links")})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// buildDoc is a record as stored in the builds collection.
type buildDoc struct {
	ID         string   `bson:"_id"`
	Repository string   `bson:"repository"`
	Rule       int      `bson:"rule"`
	RefType    string   `bson:"ref_type"`
	RefName    string   `bson:"ref_name"`
	Commit     string   `bson:"commit"`
	Tags       []string `bson:"tags"`
	Digest     string   `bson:"digest"`
	Status     string   `bson:"status"`
	Trigger    string   `bson:"trigger"`
	Error      string   `bson:"error"`
	CreatedAt  int64    `bson:"created_at"`
	StartedAt  int64    `bson:"started_at"`
	FinishedAt int64    `bson:"finished_at"`
	Cause      []string `bson:"cause,omitempty"`
}

// readDoc is a stored build with the cancellation flag, which only
// RequestCancel writes.
type readDoc struct {
	Doc             buildDoc `bson:",inline"`
	CancelRequested bool     `bson:"cancel_requested"`
}

// logDoc is one chunk of a log; its ID is "build/offset" so that an
// append is stored once.
type logDoc struct {
	ID     string `bson:"_id"`
	Build  string `bson:"build"`
	Offset int64  `bson:"offset"`
	Chunk  []byte `bson:"chunk"`
}

func encode(r builds.Record) buildDoc {
	return buildDoc{ID: r.ID, Repository: r.Repository, Rule: r.Rule, RefType: string(r.Ref.Type), RefName: r.Ref.Name,
		Commit: r.Commit, Tags: storecodec.NilIfEmpty(r.Tags), Digest: r.Digest, Status: string(r.Status),
		Trigger: string(r.Trigger), Error: r.Error, CreatedAt: storecodec.Time(r.CreatedAt),
		StartedAt: storecodec.Time(r.StartedAt), FinishedAt: storecodec.Time(r.FinishedAt), Cause: storecodec.NilIfEmpty(r.Cause)}
}

func decode(rd readDoc) builds.Record {
	d := rd.Doc
	return builds.Record{CancelRequested: rd.CancelRequested, ID: d.ID, Repository: d.Repository, Rule: d.Rule,
		Ref: builds.Ref{Type: builds.RuleType(d.RefType), Name: d.RefName}, Commit: d.Commit,
		Tags: storecodec.NilIfEmpty(d.Tags), Digest: d.Digest, Status: builds.Status(d.Status),
		Trigger: builds.Trigger(d.Trigger), Error: d.Error, CreatedAt: storecodec.ParseTime(d.CreatedAt),
		StartedAt: storecodec.ParseTime(d.StartedAt), FinishedAt: storecodec.ParseTime(d.FinishedAt),
		Cause: storecodec.NilIfEmpty(d.Cause)}
}

// AddBuild stores r.
func (s *Store) AddBuild(ctx context.Context, r builds.Record) error {
	_, err := s.builds.InsertOne(ctx, encode(r))
	if mongo.IsDuplicateKeyError(err) {
		err = builds.ErrExists
	}
	if err != nil {
		return fmt.Errorf("adding build %s: %w", r.ID, err)
	}
	return nil
}

// UpdateBuild sets r's stored fields, leaving the cancellation flag.
func (s *Store) UpdateBuild(ctx context.Context, r builds.Record) error {
	d := encode(r)
	set := bson.D{{Key: "rule", Value: d.Rule}, {Key: "ref_type", Value: d.RefType}, {Key: "ref_name", Value: d.RefName},
		{Key: "commit", Value: d.Commit}, {Key: "tags", Value: d.Tags}, {Key: "digest", Value: d.Digest},
		{Key: "status", Value: d.Status}, {Key: "trigger", Value: d.Trigger}, {Key: "error", Value: d.Error},
		{Key: "created_at", Value: d.CreatedAt}, {Key: "started_at", Value: d.StartedAt}, {Key: "finished_at", Value: d.FinishedAt},
		{Key: "cause", Value: d.Cause}}
	res, err := s.builds.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "repository", Value: r.Repository}},
		bson.D{{Key: "$set", Value: set}})
	if err == nil && res.MatchedCount == 0 {
		err = builds.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("updating build %s: %w", r.ID, err)
	}
	return nil
}

// Build returns one of repository's builds.
func (s *Store) Build(ctx context.Context, repository, id string) (builds.Record, error) {
	return mongodb.FindOne(ctx, s.builds, "build "+id, builds.ErrNotFound,
		bson.D{{Key: "_id", Value: id}, {Key: "repository", Value: repository}}, decode)
}

// Builds lists repository's builds, newest first (ties by ID, descending).
func (s *Store) Builds(ctx context.Context, repository string, limit int) ([]builds.Record, error) {
	out, err := mongodb.FindAll(ctx, s.builds, bson.D{{Key: "repository", Value: repository}}, decode,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("listing builds of %s: %w", repository, err)
	}
	return out, nil
}

// AppendLog stores a chunk at offset, once.
func (s *Store) AppendLog(ctx context.Context, id string, offset int64, chunk []byte) error {
	_, err := s.logs.InsertOne(ctx, logDoc{ID: fmt.Sprintf("%s/%d", id, offset), Build: id, Offset: offset, Chunk: chunk})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("appending to the log of build %s: %w", id, err)
	}
	return nil
}

// Log joins the chunks from offset on.
func (s *Store) Log(ctx context.Context, id string, offset int64) ([]byte, error) {
	chunks, err := mongodb.FindAll(ctx, s.logs, bson.D{{Key: "build", Value: id}}, func(d logDoc) logDoc { return d },
		options.Find().SetSort(bson.D{{Key: "offset", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("reading the log of build %s: %w", id, err)
	}
	var out []byte
	for _, c := range chunks {
		if end := c.Offset + int64(len(c.Chunk)); end > offset {
			out = append(out, c.Chunk[max(0, offset-c.Offset):]...)
		}
	}
	return out, nil
}
