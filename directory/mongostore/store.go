// Package mongostore keeps directory links and group mappings in MongoDB,
// using only what MongoDB 7 and FerretDB v1 both accept: each link and each
// mapping is one document, written by a single insert or update, with unique
// indexes deciding the races.
package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
)

// Store implements directory.Store on MongoDB with the collections
// directory_links and directory_mappings.
type Store struct {
	links    *mongo.Collection
	mappings *mongo.Collection
}

var _ directory.Store = (*Store)(nil)

// linkDoc is a link as stored; unique on (provider, external_id) and on
// (provider, user_id).
type linkDoc struct {
	ID         string   `bson:"_id"`
	Provider   string   `bson:"provider"`
	ExternalID string   `bson:"external_id"`
	UserID     string   `bson:"user_id"`
	DN         string   `bson:"dn"`
	Username   string   `bson:"username"`
	Groups     []string `bson:"groups"`
	Disabled   bool     `bson:"disabled"`
	CreatedAt  int64    `bson:"created_at"`
	SyncedAt   int64    `bson:"synced_at"`
}

// mappingDoc is a mapping as stored; unique on (provider, group, org, team).
type mappingDoc struct {
	ID       string `bson:"_id"`
	Provider string `bson:"provider"`
	Group    string `bson:"group"`
	Org      string `bson:"org"`
	Team     string `bson:"team"`
	Role     string `bson:"role"`
}

// New creates the indexes if needed and returns a Store using db.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{links: db.Collection("directory_links"), mappings: db.Collection("directory_mappings")}
	unique := func(name string, keys ...string) mongo.IndexModel {
		var d bson.D
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return mongo.IndexModel{Keys: d, Options: options.Index().SetName(name).SetUnique(true)}
	}
	if err := mongodb.CreateIndexes(ctx, s.links, unique("provider_external_id", "provider", "external_id"),
		unique("provider_user_id", "provider", "user_id")); err != nil {
		return nil, err
	}
	if err := mongodb.CreateIndexes(ctx, s.mappings, unique("provider_group_org_team", "provider", "group", "org", "team")); err != nil {
		return nil, err
	}
	return s, nil
}

func decodeLink(d linkDoc) directory.Link {
	return directory.Link{Provider: d.Provider, ExternalID: d.ExternalID, UserID: d.UserID, DN: d.DN, Username: d.Username,
		Groups: storecodec.NilIfEmpty(d.Groups), Disabled: d.Disabled,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), SyncedAt: storecodec.ParseTime(d.SyncedAt)}
}

// CreateLink inserts l; either unique index yields ErrLinked.
func (s *Store) CreateLink(ctx context.Context, l directory.Link) error {
	_, err := s.links.InsertOne(ctx, linkDoc{ID: secret.ID(), Provider: l.Provider, ExternalID: l.ExternalID,
		UserID: l.UserID, DN: l.DN, Username: l.Username, Groups: storecodec.Distinct(l.Groups), Disabled: l.Disabled,
		CreatedAt: storecodec.Time(l.CreatedAt), SyncedAt: storecodec.Time(l.SyncedAt)})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("linking %s identity %s: %w", l.Provider, l.ExternalID, directory.ErrLinked)
	} else if err != nil {
		return fmt.Errorf("linking %s identity %s: %w", l.Provider, l.ExternalID, err)
	}
	return nil
}

// LinkByExternalID returns the link of an identity, or ErrNotFound.
func (s *Store) LinkByExternalID(ctx context.Context, provider, externalID string) (directory.Link, error) {
	return mongodb.FindOne(ctx, s.links, fmt.Sprintf("%s identity %q", provider, externalID), directory.ErrNotFound,
		bson.D{{Key: "provider", Value: provider}, {Key: "external_id", Value: externalID}}, decodeLink)
}

// LinkByUser returns the account's link for provider, or ErrNotFound.
func (s *Store) LinkByUser(ctx context.Context, provider, userID string) (directory.Link, error) {
	return mongodb.FindOne(ctx, s.links, fmt.Sprintf("%s link of user %q", provider, userID), directory.ErrNotFound,
		bson.D{{Key: "provider", Value: provider}, {Key: "user_id", Value: userID}}, decodeLink)
}

// UpdateLink replaces the link's mutable fields in one update.
func (s *Store) UpdateLink(ctx context.Context, l directory.Link) error {
	res, err := s.links.UpdateOne(ctx, bson.D{{Key: "provider", Value: l.Provider}, {Key: "external_id", Value: l.ExternalID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "dn", Value: l.DN}, {Key: "username", Value: l.Username},
			{Key: "groups", Value: storecodec.Distinct(l.Groups)}, {Key: "disabled", Value: l.Disabled},
			{Key: "synced_at", Value: storecodec.Time(l.SyncedAt)}}}})
	if err != nil {
		return fmt.Errorf("updating %s identity %s: %w", l.Provider, l.ExternalID, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("updating %s identity %s: %w", l.Provider, l.ExternalID, directory.ErrNotFound)
	}
	return nil
}

// Links returns a page of provider's links ordered by user ID.
func (s *Store) Links(ctx context.Context, provider, afterUserID string, limit int) ([]directory.Link, error) {
	out, err := mongodb.FindAll(ctx, s.links, bson.D{{Key: "provider", Value: provider},
		{Key: "user_id", Value: bson.D{{Key: "$gt", Value: afterUserID}}}}, decodeLink,
		options.Find().SetSort(bson.D{{Key: "user_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("listing %s links: %w", provider, err)
	}
	return out, nil
}

// DeleteLink removes the account's link for provider.
func (s *Store) DeleteLink(ctx context.Context, provider, userID string) error {
	res, err := s.links.DeleteOne(ctx, bson.D{{Key: "provider", Value: provider}, {Key: "user_id", Value: userID}})
	if err != nil {
		return fmt.Errorf("unlinking user %s from %s: %w", userID, provider, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("unlinking user %s from %s: %w", userID, provider, directory.ErrNotFound)
	}
	return nil
}

// PutMapping inserts m; the same (provider, group, org, team) yields
// ErrDuplicateMapping.
func (s *Store) PutMapping(ctx context.Context, m directory.Mapping) error {
	_, err := s.mappings.InsertOne(ctx, mappingDoc{ID: m.ID, Provider: m.Provider, Group: m.Group, Org: m.Org, Team: m.Team, Role: m.Role})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("mapping %s to %s/%s: %w", m.Group, m.Org, m.Team, directory.ErrDuplicateMapping)
	} else if err != nil {
		return fmt.Errorf("mapping %s to %s/%s: %w", m.Group, m.Org, m.Team, err)
	}
	return nil
}

// Mappings returns provider's mappings ordered by group, org, team.
func (s *Store) Mappings(ctx context.Context, provider string) ([]directory.Mapping, error) {
	out, err := mongodb.FindAll(ctx, s.mappings, bson.D{{Key: "provider", Value: provider}},
		func(d mappingDoc) directory.Mapping {
			return directory.Mapping{ID: d.ID, Provider: d.Provider, Group: d.Group, Org: d.Org, Team: d.Team, Role: d.Role}
		},
		options.Find().SetSort(bson.D{{Key: "group", Value: 1}, {Key: "org", Value: 1}, {Key: "team", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing %s mappings: %w", provider, err)
	}
	return out, nil
}

// DeleteMapping removes the mapping with id.
func (s *Store) DeleteMapping(ctx context.Context, id string) error {
	res, err := s.mappings.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return fmt.Errorf("deleting mapping %s: %w", id, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("deleting mapping %s: %w", id, directory.ErrNotFound)
	}
	return nil
}
