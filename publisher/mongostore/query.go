package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// PublisherBySlug returns the publisher or publisher.ErrNotFound.
func (s *Store) PublisherBySlug(ctx context.Context, slug string) (publisher.Publisher, error) {
	return s.findOne(ctx, bson.D{{Key: "slug", Value: slug}}, "publisher "+slug)
}

// PublisherByNamespace returns the publisher owning namespace or publisher.ErrNotFound.
func (s *Store) PublisherByNamespace(ctx context.Context, namespace string) (publisher.Publisher, error) {
	return s.findOne(ctx, bson.D{{Key: "namespaces", Value: namespace}}, "namespace "+namespace)
}

func (s *Store) findOne(ctx context.Context, filter bson.D, what string) (publisher.Publisher, error) {
	var d publisherDoc
	err := s.publishers.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return publisher.Publisher{}, fmt.Errorf("%s: %w", what, publisher.ErrNotFound)
	}
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("reading %s: %w", what, err)
	}
	return decode(d), nil
}

// PublishersByMember returns the publishers userID is a member of, by slug.
func (s *Store) PublishersByMember(ctx context.Context, userID string) ([]publisher.Publisher, error) {
	out, err := mongodb.FindAll(ctx, s.publishers, bson.D{{Key: "members", Value: userID}}, decode,
		options.Find().SetSort(bson.D{{Key: "slug", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing publishers of %s: %w", userID, err)
	}
	return out, nil
}

// PublishersByUser returns the publishers userID has a role in or is a
// member of, by slug: publishers stored without roles count their members.
func (s *Store) PublishersByUser(ctx context.Context, userID string) ([]publisher.Publisher, error) {
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "roles.user", Value: userID}},
		bson.D{{Key: "members", Value: userID}},
	}}}
	out, err := mongodb.FindAll(ctx, s.publishers, filter, decode,
		options.Find().SetSort(bson.D{{Key: "slug", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing publishers of user %s: %w", userID, err)
	}
	return out, nil
}

// PublishersByStatus returns the publishers whose application is in status,
// oldest application first (ties by slug).
func (s *Store) PublishersByStatus(ctx context.Context, status publisher.Status) ([]publisher.Publisher, error) {
	out, err := mongodb.FindAll(ctx, s.publishers, bson.D{{Key: "status", Value: string(status)}}, decode,
		options.Find().SetSort(bson.D{{Key: "applied_at", Value: 1}, {Key: "slug", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing %s publishers: %w", status, err)
	}
	return out, nil
}

// PublishersByOrg returns the publishers the organisation orgID applied
// for, by slug.
func (s *Store) PublishersByOrg(ctx context.Context, orgID string) ([]publisher.Publisher, error) {
	out, err := mongodb.FindAll(ctx, s.publishers, bson.D{{Key: "org", Value: orgID}}, decode,
		options.Find().SetSort(bson.D{{Key: "slug", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing publishers of organisation %s: %w", orgID, err)
	}
	return out, nil
}

// PublishersByApplicant returns the publishers userID applied for, by slug.
func (s *Store) PublishersByApplicant(ctx context.Context, userID string) ([]publisher.Publisher, error) {
	out, err := mongodb.FindAll(ctx, s.publishers, bson.D{{Key: "applicant", Value: userID}}, decode,
		options.Find().SetSort(bson.D{{Key: "slug", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing applications of %s: %w", userID, err)
	}
	return out, nil
}

// decode converts a stored publisher to the domain type. A document without
// a status, written by a version before applications, is approved.
func decode(d publisherDoc) publisher.Publisher {
	p := publisher.Publisher{
		ID: d.ID, Slug: d.Slug, Name: d.Name, Verified: d.Verified, Description: d.Desc, LogoTag: d.LogoTag,
		Namespaces: storecodec.NilIfEmpty(d.Namespaces), Members: storecodec.NilIfEmpty(d.Members),
		Org: d.Org, Applicant: d.Applicant, Status: publisher.Status(d.Status), ReviewNote: d.ReviewNote,
		AppliedAt: storecodec.ParseTime(d.AppliedAt), ReviewedAt: storecodec.ParseTime(d.ReviewedAt),
		CreatedAt: storecodec.ParseTime(d.CreatedAt),
	}
	if p.Status == "" {
		p.Status = publisher.StatusApproved
	}
	if len(d.Roles) > 0 {
		p.Roles = make(map[string]publisher.Role, len(d.Roles))
		for _, r := range d.Roles {
			p.Roles[r.User] = publisher.Role(r.Role)
		}
	}
	return p
}
