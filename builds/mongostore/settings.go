package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// RequestCancel sets the build's cancellation flag and returns it.
func (s *Store) RequestCancel(ctx context.Context, repository, id string) (builds.Record, error) {
	var d readDoc
	err := s.builds.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}, {Key: "repository", Value: repository}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "cancel_requested", Value: true}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		err = builds.ErrNotFound
	}
	if err != nil {
		return builds.Record{}, fmt.Errorf("cancelling build %s: %w", id, err)
	}
	return decode(d), nil
}

// settingsDoc is a repository's build settings as stored, keyed by the
// repository.
type settingsDoc struct {
	Repository       string   `bson:"_id"`
	URL              string   `bson:"url"`
	HostKey          string   `bson:"host_key"`
	Rules            string   `bson:"rules"`
	Links            []string `bson:"links"`
	Token            []byte   `bson:"token"`
	DeployKeyPublic  string   `bson:"deploy_key_public"`
	DeployKeyPrivate []byte   `bson:"deploy_key_private"`
	HookSecret       []byte   `bson:"hook_secret"`
	UpdatedAt        int64    `bson:"updated_at"`
}

// PutSettings stores st, replacing the repository's settings.
func (s *Store) PutSettings(ctx context.Context, st builds.StoredSettings) error {
	d := settingsDoc{Repository: st.Repository, URL: st.URL, HostKey: st.HostKey, Rules: builds.EncodeRules(st.Rules),
		Links: storecodec.NilIfEmpty(st.Links), Token: st.Token, DeployKeyPublic: st.DeployKeyPublic,
		DeployKeyPrivate: st.DeployKeyPrivate, HookSecret: st.HookSecret, UpdatedAt: storecodec.Time(st.UpdatedAt)}
	_, err := s.settings.ReplaceOne(ctx, bson.D{{Key: "_id", Value: st.Repository}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("storing build settings of %s: %w", st.Repository, err)
	}
	return nil
}

// Settings returns the repository's build settings.
func (s *Store) Settings(ctx context.Context, repository string) (builds.StoredSettings, error) {
	var bad error
	st, err := mongodb.FindOne(ctx, s.settings, "build settings of "+repository, builds.ErrNotFound,
		bson.D{{Key: "_id", Value: repository}}, func(d settingsDoc) builds.StoredSettings {
			rules, err := builds.DecodeRules(d.Rules)
			bad = err
			return builds.StoredSettings{Repository: d.Repository, URL: d.URL, HostKey: d.HostKey, Rules: rules,
				Links: storecodec.NilIfEmpty(d.Links), Token: nilIfEmpty(d.Token), DeployKeyPublic: d.DeployKeyPublic,
				DeployKeyPrivate: nilIfEmpty(d.DeployKeyPrivate), HookSecret: nilIfEmpty(d.HookSecret),
				UpdatedAt: storecodec.ParseTime(d.UpdatedAt)}
		})
	if err == nil {
		err = bad
	}
	return st, err
}

// Linked finds the settings whose links hold link, through the links
// index (multikey).
func (s *Store) Linked(ctx context.Context, link string) ([]string, error) {
	out, err := mongodb.FindAll(ctx, s.settings, bson.D{{Key: "links", Value: link}},
		func(d struct {
			Repository string `bson:"_id"`
		}) string {
			return d.Repository
		}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing repositories linking %s: %w", link, err)
	}
	return out, nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// AcquireSlot takes or extends the slot in one conditional upsert: a slot
// another holder keeps matches nothing, and the upsert's insert then
// fails on the key.
func (s *Store) AcquireSlot(ctx context.Context, key, holder string, now, until time.Time) (bool, error) {
	filter := bson.D{{Key: "_id", Value: key}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "holder", Value: holder}}, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: storecodec.Time(now)}}}}}}}
	_, err := s.slots.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder},
		{Key: "until", Value: storecodec.Time(until)}}}}, options.Update().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("taking build slot %s: %w", key, err)
	}
	return true, nil
}

// ReleaseSlot frees the slot if holder holds it.
func (s *Store) ReleaseSlot(ctx context.Context, key, holder string) error {
	if _, err := s.slots.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "holder", Value: holder}}); err != nil {
		return fmt.Errorf("freeing build slot %s: %w", key, err)
	}
	return nil
}
