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

// logoDoc is a publisher's logo, keyed by the publisher's ID.
type logoDoc struct {
	ID    string `bson:"_id"`
	Type  string `bson:"type"`
	Bytes []byte `bson:"bytes"`
}

// PutLogo stores the publisher's logo, replacing any.
func (s *Store) PutLogo(ctx context.Context, publisherID string, l publisher.Logo) error {
	_, err := s.logos.ReplaceOne(ctx, bson.D{{Key: "_id", Value: publisherID}},
		logoDoc{ID: publisherID, Type: l.Type, Bytes: l.Bytes}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("putting the logo of %s: %w", publisherID, err)
	}
	return nil
}

// Logo returns the publisher's logo, or publisher.ErrNotFound.
func (s *Store) Logo(ctx context.Context, publisherID string) (publisher.Logo, error) {
	var d logoDoc
	err := s.logos.FindOne(ctx, bson.D{{Key: "_id", Value: publisherID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return publisher.Logo{}, fmt.Errorf("logo of %s: %w", publisherID, publisher.ErrNotFound)
	}
	if err != nil {
		return publisher.Logo{}, fmt.Errorf("reading the logo of %s: %w", publisherID, err)
	}
	return publisher.Logo{Type: d.Type, Bytes: d.Bytes}, nil
}
