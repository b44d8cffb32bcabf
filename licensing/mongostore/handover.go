package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.HandoverStore = (*Store)(nil)

// handoverDoc is a new license key, sealed, as stored in key_handovers
// until its page shows it once.
type handoverDoc struct {
	ID        string `bson:"_id"`
	Sealed    []byte `bson:"sealed"`
	ExpiresAt int64  `bson:"expires_at"`
}

// PutHandover stores h, replacing any handover with its ID.
func (s *Store) PutHandover(ctx context.Context, h licensing.Handover) error {
	doc := handoverDoc{ID: h.ID, Sealed: h.Sealed, ExpiresAt: storecodec.Time(h.ExpiresAt)}
	_, err := s.handovers.ReplaceOne(ctx, bson.D{{Key: "_id", Value: h.ID}}, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("storing key handover: %w", err)
	}
	return nil
}

// TakeHandover removes the handover id and returns it; of two takers only
// one gets it. It reads the handover, then deletes exactly what it read
// (its ID and expiry): the deletion that removes the document decides who
// took it. One findOneAndDelete would do on MongoDB, but FerretDB v1 runs
// that as a read then a write, and two takers could both get the key. An
// expired handover is removed and reported as licensing.ErrNotFound.
func (s *Store) TakeHandover(ctx context.Context, id string, now time.Time) (licensing.Handover, error) {
	var d handoverDoc
	err := s.handovers.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return licensing.Handover{}, fmt.Errorf("taking key handover: %w", licensing.ErrNotFound)
	}
	if err != nil {
		return licensing.Handover{}, fmt.Errorf("taking key handover: %w", err)
	}
	res, err := s.handovers.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "expires_at", Value: d.ExpiresAt}})
	if err != nil {
		return licensing.Handover{}, fmt.Errorf("taking key handover: %w", err)
	}
	if res.DeletedCount != 1 {
		return licensing.Handover{}, fmt.Errorf("taking key handover: taken meanwhile: %w", licensing.ErrNotFound)
	}
	h := licensing.Handover{ID: d.ID, Sealed: d.Sealed, ExpiresAt: storecodec.ParseTime(d.ExpiresAt)}
	if !h.ExpiresAt.After(now) {
		return licensing.Handover{}, fmt.Errorf("taking key handover: expired: %w", licensing.ErrNotFound)
	}
	return h, nil
}

// DeleteExpiredHandovers removes handovers expired at or before now.
func (s *Store) DeleteExpiredHandovers(ctx context.Context, now time.Time) error {
	_, err := s.handovers.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: storecodec.Time(now)}}}})
	if err != nil {
		return fmt.Errorf("deleting expired key handovers: %w", err)
	}
	return nil
}
