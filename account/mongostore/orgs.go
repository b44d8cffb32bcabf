package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/mongodb"
)

// CreateOrg inserts o with its name lower-cased and Version 1. A taken name
// yields account.ErrNamespaceTaken.
func (s *Store) CreateOrg(ctx context.Context, o account.Org) error {
	o.Name, o.Version = strings.ToLower(o.Name), 1
	_, err := s.orgs.InsertOne(ctx, encodeOrg(o))
	if mongo.IsDuplicateKeyError(err) {
		err = s.orgConflict(ctx, o.Name, err)
	}
	if err != nil {
		return fmt.Errorf("creating organisation %s: %w", o.Name, err)
	}
	return nil
}

// orgConflict names what a duplicate-key error inserting an organisation
// called name was about: FerretDB's error does not name the index, so the
// store asks whether the name is taken; if not, the ID was.
func (s *Store) orgConflict(ctx context.Context, name string, dupErr error) error {
	n, err := s.orgs.CountDocuments(ctx, bson.D{{Key: "name", Value: name}})
	if err != nil {
		return fmt.Errorf("checking name after duplicate key: %w", err)
	}
	if n > 0 {
		return account.ErrNamespaceTaken
	}
	return fmt.Errorf("duplicate id: %w", dupErr)
}

// OrgByName returns the organisation, its name compared lower-cased, or
// account.ErrNotFound.
func (s *Store) OrgByName(ctx context.Context, name string) (account.Org, error) {
	name = strings.ToLower(name)
	return mongodb.FindOne(ctx, s.orgs, "organisation "+name, account.ErrNotFound,
		bson.D{{Key: "name", Value: name}}, decodeOrg)
}

// OrgsByMember returns the organisations whose Members include userID, by
// name. Team membership alone does not count.
func (s *Store) OrgsByMember(ctx context.Context, userID string) ([]account.Org, error) {
	out, err := mongodb.FindAll(ctx, s.orgs, bson.D{{Key: "members.user_id", Value: userID}}, decodeOrg,
		options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing organisations of %s: %w", userID, err)
	}
	return out, nil
}

// UpdateOrg replaces the display name, members and teams of the organisation
// with o.ID if its stored Version equals o.Version, in one update filtered on
// both and setting the next version. ID, Name and CreatedAt are kept: a
// rename moves a namespace and is not an update.
//
// MongoDB applies a single-document update atomically, so of two updates
// from the same version one fails. FerretDB v1 does not (it reads, then
// writes), so there concurrent updates can both succeed.
func (s *Store) UpdateOrg(ctx context.Context, o account.Org) (account.Org, error) {
	d := encodeOrg(o)
	var stored orgDoc
	err := s.orgs.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: o.ID}, {Key: "version", Value: o.Version}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "display_name", Value: d.DisplayName},
			{Key: "members", Value: d.Members},
			{Key: "teams", Value: d.Teams},
			{Key: "version", Value: o.Version + 1},
		}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&stored)
	if errors.Is(err, mongo.ErrNoDocuments) {
		err = s.missedUpdate(ctx, o.ID)
	}
	if err != nil {
		return account.Org{}, fmt.Errorf("updating organisation %s: %w", o.ID, err)
	}
	return decodeOrg(stored), nil
}

// missedUpdate tells why an update of organisation id matched nothing:
// account.ErrStale if it exists (at another version), else
// account.ErrNotFound.
func (s *Store) missedUpdate(ctx context.Context, id string) error {
	n, err := s.orgs.CountDocuments(ctx, byID(id))
	switch {
	case err != nil:
		return fmt.Errorf("checking organisation after a missed update: %w", err)
	case n > 0:
		return account.ErrStale
	}
	return account.ErrNotFound
}

// ListOrgs returns organisations ordered by name.
func (s *Store) ListOrgs(ctx context.Context, p account.Page) ([]account.Org, error) {
	out, err := mongodb.FindAll(ctx, s.orgs, bson.D{}, decodeOrg, pageOptions(bson.D{{Key: "name", Value: 1}}, p))
	if err != nil {
		return nil, fmt.Errorf("listing organisations: %w", err)
	}
	return out, nil
}

// DeleteOrg removes the organisation, or returns account.ErrNotFound.
func (s *Store) DeleteOrg(ctx context.Context, id string) error {
	res, err := s.orgs.DeleteOne(ctx, byID(id))
	if err := deletedOne(res, err); err != nil {
		return fmt.Errorf("deleting organisation %s: %w", id, err)
	}
	return nil
}
