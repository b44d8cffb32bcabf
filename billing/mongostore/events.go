package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/storecodec"
)

// eventDoc is a Stripe event as recorded in the billing_events collection,
// keyed by the event's id.
type eventDoc struct {
	ID          string `bson:"_id"`
	Type        string `bson:"type"`
	ReceivedAt  int64  `bson:"received_at"`
	ProcessedAt int64  `bson:"processed_at"` // 0 until FinishEvent
}

// ClaimEvent records that a Stripe event arrived at at, unless it is
// recorded, and reports whether it was finished before. The insert is the
// claim; the _id index rejects a second one, which then reads the first.
func (s *Store) ClaimEvent(ctx context.Context, id, typ string, at time.Time) (bool, error) {
	_, err := s.events.InsertOne(ctx, eventDoc{ID: id, Type: typ, ReceivedAt: storecodec.Time(at)})
	if err == nil {
		return false, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, fmt.Errorf("claiming event %s: %w", id, err)
	}
	var d eventDoc
	if err := s.events.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return false, fmt.Errorf("claiming event %s: reading it: %w", id, err)
	}
	return d.ProcessedAt != 0, nil
}

// FinishEvent marks a claimed event processed at at; an event never
// claimed is billing.ErrNotFound.
func (s *Store) FinishEvent(ctx context.Context, id string, at time.Time) error {
	res, err := s.events.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "processed_at", Value: storecodec.Time(at)}}}})
	if err == nil && res.MatchedCount == 0 {
		err = billing.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("finishing event %s: %w", id, err)
	}
	return nil
}
