// Package mongostore keeps accounts in MongoDB, using only what MongoDB 7 and
// FerretDB v1 both accept: every write is a single-document write. An
// organisation, members and teams included, is one document whose version
// field guards every update.
package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/mongodb"
)

// Store implements the account domain's stores on MongoDB with the
// collections users, namespaces (keyed by name), sessions, access_tokens
// and orgs.
type Store struct {
	users      *mongo.Collection
	namespaces *mongo.Collection
	sessions   *mongo.Collection
	tokens     *mongo.Collection
	orgs       *mongo.Collection
}

var (
	_ account.Store          = (*Store)(nil)
	_ account.NamespaceStore = (*Store)(nil)
	_ account.SessionStore   = (*Store)(nil)
	_ account.TokenStore     = (*Store)(nil)
	_ account.OrgStore       = (*Store)(nil)
)

// New creates the account collections' indexes if needed, drops the unique
// email index older versions created, and returns a Store using db.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{
		users:      db.Collection("users"),
		namespaces: db.Collection("namespaces"),
		sessions:   db.Collection("sessions"),
		tokens:     db.Collection("access_tokens"),
		orgs:       db.Collection("orgs"),
	}
	for _, ix := range []struct {
		c      *mongo.Collection
		models []mongo.IndexModel
	}{
		{s.users, []mongo.IndexModel{unique("username_unique", "username")}},
		{s.sessions, []mongo.IndexModel{
			unique("token_hash_unique", "token_hash"),
			{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "last_seen_at", Value: -1}},
				Options: options.Index().SetName("user_last_seen")},
			// For the sweep of expired and idle sessions.
			index("expires", "expires_at"),
			index("last_seen", "last_seen_at"),
		}},
		{s.tokens, []mongo.IndexModel{
			unique("token_hash_unique", "token_hash"),
			{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "created_at", Value: -1}},
				Options: options.Index().SetName("user_created")},
			index("expires", "expires_at"), // for the sweep of expired tokens
		}},
		{s.orgs, []mongo.IndexModel{
			unique("name_unique", "name"),
			{Keys: bson.D{{Key: "members.user_id", Value: 1}}, Options: options.Index().SetName("member")},
		}},
	} {
		if err := mongodb.CreateIndexes(ctx, ix.c, ix.models...); err != nil {
			return nil, err
		}
	}
	// Email addresses are no longer unique (see account.Store).
	if err := mongodb.DropIndex(ctx, s.users, "email_unique"); err != nil {
		return nil, err
	}
	return s, nil
}

// unique returns a unique index called name on field.
func unique(name, field string) mongo.IndexModel {
	return mongo.IndexModel{Keys: bson.D{{Key: field, Value: 1}},
		Options: options.Index().SetName(name).SetUnique(true)}
}

// index returns an ascending index called name on field.
func index(name, field string) mongo.IndexModel {
	return mongo.IndexModel{Keys: bson.D{{Key: field, Value: 1}}, Options: options.Index().SetName(name)}
}

// pageOptions returns find options sorting by sort and selecting p.
func pageOptions(sort bson.D, p account.Page) *options.FindOptions {
	opts := options.Find().SetSort(sort).SetSkip(int64(max(p.Offset, 0)))
	if p.Limit > 0 {
		opts.SetLimit(int64(p.Limit))
	}
	return opts
}

// byID returns a filter matching the document with _id id.
func byID(id string) bson.D {
	return bson.D{{Key: "_id", Value: id}}
}

// matchedOne returns the error of an update that res is the result of, or
// account.ErrNotFound when it matched no document.
func matchedOne(res *mongo.UpdateResult, err error) error {
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return account.ErrNotFound
	}
	return nil
}

// deletedOne returns the error of a deletion that res is the result of, or
// account.ErrNotFound when it removed no document.
func deletedOne(res *mongo.DeleteResult, err error) error {
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return account.ErrNotFound
	}
	return nil
}
