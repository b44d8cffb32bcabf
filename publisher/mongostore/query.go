package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/publisher"
)

// PublisherBySlug returns the publisher or publisher.ErrNotFound.
func (s *Store) PublisherBySlug(ctx context.Context, slug string) (publisher.Publisher, error) {
	var d publisherDoc
	err := s.publishers.FindOne(ctx, bson.D{{Key: "slug", Value: slug}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return publisher.Publisher{}, fmt.Errorf("publisher %s: %w", slug, publisher.ErrNotFound)
	}
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("reading publisher %s: %w", slug, err)
	}
	return decode(d), nil
}

// PublishersByMember returns the publishers userID is a member of, by slug.
func (s *Store) PublishersByMember(ctx context.Context, userID string) ([]publisher.Publisher, error) {
	cur, err := s.publishers.Find(ctx, bson.D{{Key: "members", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "slug", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing publishers of %s: %w", userID, err)
	}
	var docs []publisherDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("listing publishers of %s: %w", userID, err)
	}
	var out []publisher.Publisher
	for _, d := range docs {
		out = append(out, decode(d))
	}
	return out, nil
}

// decode converts a stored publisher to the domain type.
func decode(d publisherDoc) publisher.Publisher {
	return publisher.Publisher{
		ID: d.ID, Slug: d.Slug, Name: d.Name, Verified: d.Verified,
		Namespaces: nilIfEmpty(d.Namespaces), Members: nilIfEmpty(d.Members),
		CreatedAt: decodeTime(d.CreatedAt),
	}
}
