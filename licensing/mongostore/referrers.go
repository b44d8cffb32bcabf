package mongostore

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.ReferrerStore = (*Store)(nil)

// referrerDoc is a referrer in the referrers collection, under the key
// referrerID gives. Annotations are key and value pairs: their keys hold
// dots ("org.opencontainers.image.created"), which FerretDB v1 refuses in
// field names.
type referrerDoc struct {
	ID           string          `bson:"_id"`
	Repository   string          `bson:"repository"`
	Digest       string          `bson:"digest"`
	Subject      string          `bson:"subject"`
	MediaType    string          `bson:"media_type"`
	Size         int64           `bson:"size"`
	ArtifactType string          `bson:"artifact_type"`
	Annotations  []annotationDoc `bson:"annotations"`
	PushedAt     int64           `bson:"pushed_at"`
}

type annotationDoc struct {
	Key   string `bson:"k"`
	Value string `bson:"v"`
}

// referrerID keys a referrer; repository names hold no "@".
func referrerID(repository, digest string) string { return repository + "@" + digest }

// createReferrerIndexes creates the indexes the referrers listings search
// and sort by.
func (s *Store) createReferrerIndexes(ctx context.Context) error {
	pushed := bson.D{{Key: "pushed_at", Value: 1}, {Key: "digest", Value: 1}}
	return mongodb.CreateIndexes(ctx, s.referrers,
		mongo.IndexModel{Keys: append(bson.D{{Key: "repository", Value: 1}, {Key: "subject", Value: 1}}, pushed...),
			Options: options.Index().SetName("repository_subject_pushed")},
		mongo.IndexModel{Keys: append(bson.D{{Key: "repository", Value: 1}}, pushed...),
			Options: options.Index().SetName("repository_pushed")},
	)
}

// PutReferrer records r, replacing a referrer of the same repository and
// digest.
func (s *Store) PutReferrer(ctx context.Context, r licensing.Referrer) error {
	d := referrerDoc{ID: referrerID(r.Repository, r.Digest), Repository: r.Repository, Digest: r.Digest,
		Subject: r.Subject, MediaType: r.MediaType, Size: r.Size, ArtifactType: r.ArtifactType,
		Annotations: []annotationDoc{}, PushedAt: storecodec.Time(r.PushedAt)}
	for _, k := range slices.Sorted(maps.Keys(r.Annotations)) {
		d.Annotations = append(d.Annotations, annotationDoc{Key: k, Value: r.Annotations[k]})
	}
	_, err := s.referrers.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("recording referrer %s of %s in %s: %w", r.Digest, r.Subject, r.Repository, err)
	}
	return nil
}

// Referrers returns the repository's referrers of subject (all when
// subject is empty), oldest push first.
func (s *Store) Referrers(ctx context.Context, repository, subject string) ([]licensing.Referrer, error) {
	filter := bson.D{{Key: "repository", Value: repository}}
	if subject != "" {
		filter = append(filter, bson.E{Key: "subject", Value: subject})
	}
	out, err := mongodb.FindAll(ctx, s.referrers, filter, decodeReferrer,
		options.Find().SetSort(bson.D{{Key: "pushed_at", Value: 1}, {Key: "digest", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing referrers of %s in %s: %w", subject, repository, err)
	}
	return out, nil
}

// DeleteReferrer forgets a referrer manifest of repository.
func (s *Store) DeleteReferrer(ctx context.Context, repository, digest string) error {
	if _, err := s.referrers.DeleteOne(ctx, bson.D{{Key: "_id", Value: referrerID(repository, digest)}}); err != nil {
		return fmt.Errorf("forgetting referrer %s in %s: %w", digest, repository, err)
	}
	return nil
}

// decodeReferrer converts a stored referrer to the domain type.
func decodeReferrer(d referrerDoc) licensing.Referrer {
	r := licensing.Referrer{Repository: d.Repository, Digest: d.Digest, Subject: d.Subject, MediaType: d.MediaType,
		Size: d.Size, ArtifactType: d.ArtifactType, PushedAt: storecodec.ParseTime(d.PushedAt)}
	for _, a := range d.Annotations {
		if r.Annotations == nil {
			r.Annotations = map[string]string{}
		}
		r.Annotations[a.Key] = a.Value
	}
	return r
}
