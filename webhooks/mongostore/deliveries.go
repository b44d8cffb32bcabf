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
	"github.com/berth/berth/webhooks"
)

// codeDuplicateKey is the server's error code for a duplicate key.
const codeDuplicateKey = 11000

// deliveryDoc is a delivery as stored in the webhook_deliveries collection.
type deliveryDoc struct {
	ID            string `bson:"_id"`
	Endpoint      string `bson:"endpoint"`
	Publisher     string `bson:"publisher"`
	Event         string `bson:"event"`
	Payload       []byte `bson:"payload"`
	Status        string `bson:"status"`
	Attempts      int    `bson:"attempts"`
	NextAttemptAt int64  `bson:"next_attempt_at"`
	LastStatus    int    `bson:"last_status"`
	LastError     string `bson:"last_error"`
	CreatedAt     int64  `bson:"created_at"`
	UpdatedAt     int64  `bson:"updated_at"`
}

// AddDeliveries stores ds in one unordered insert; a delivery whose ID
// exists is skipped.
func (s *Store) AddDeliveries(ctx context.Context, ds []webhooks.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	docs := make([]any, len(ds))
	for i, d := range ds {
		docs[i] = encodeDelivery(d)
	}
	_, err := s.deliveries.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fmt.Errorf("adding %d webhook deliveries: %w", len(ds), err)
	}
	return nil
}

// onlyDuplicates reports whether err is a bulk write error made of
// duplicate keys alone.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != codeDuplicateKey {
			return false
		}
	}
	return true
}

// UpdateDelivery replaces every field of the stored delivery but ID and
// CreatedAt with d's in one update, or returns webhooks.ErrNotFound.
func (s *Store) UpdateDelivery(ctx context.Context, d webhooks.Delivery) error {
	res, err := s.deliveries.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "endpoint", Value: d.Endpoint}, {Key: "publisher", Value: d.Publisher},
		{Key: "event", Value: d.Event}, {Key: "payload", Value: nonNil(d.Payload)},
		{Key: "status", Value: string(d.Status)}, {Key: "attempts", Value: d.Attempts},
		{Key: "next_attempt_at", Value: storecodec.Time(d.NextAttemptAt)},
		{Key: "last_status", Value: d.LastStatus}, {Key: "last_error", Value: d.LastError},
		{Key: "updated_at", Value: storecodec.Time(d.UpdatedAt)},
	}}})
	if err == nil && res.MatchedCount == 0 {
		err = webhooks.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("updating webhook delivery %s: %w", d.ID, err)
	}
	return nil
}

// Deliveries returns an endpoint's deliveries, newest first (ties by ID,
// descending), at most limit; a limit below 1 returns none.
func (s *Store) Deliveries(ctx context.Context, endpoint string, limit int) ([]webhooks.Delivery, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := mongodb.FindAll(ctx, s.deliveries, bson.D{{Key: "endpoint", Value: endpoint}}, decodeDelivery,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).
			SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("listing webhook deliveries of %s: %w", endpoint, err)
	}
	return out, nil
}

// Delivery returns the delivery with id, or webhooks.ErrNotFound.
func (s *Store) Delivery(ctx context.Context, id string) (webhooks.Delivery, error) {
	return mongodb.FindOne(ctx, s.deliveries, fmt.Sprintf("webhook delivery _id %q", id), webhooks.ErrNotFound,
		bson.D{{Key: "_id", Value: id}}, decodeDelivery)
}

// encodeDelivery converts a delivery to its stored form.
func encodeDelivery(d webhooks.Delivery) deliveryDoc {
	return deliveryDoc{
		ID: d.ID, Endpoint: d.Endpoint, Publisher: d.Publisher, Event: d.Event, Payload: nonNil(d.Payload),
		Status: string(d.Status), Attempts: d.Attempts, NextAttemptAt: storecodec.Time(d.NextAttemptAt),
		LastStatus: d.LastStatus, LastError: d.LastError,
		CreatedAt: storecodec.Time(d.CreatedAt), UpdatedAt: storecodec.Time(d.UpdatedAt),
	}
}

// decodeDelivery converts a stored delivery to the domain type; an empty
// payload reads back as nil.
func decodeDelivery(d deliveryDoc) webhooks.Delivery {
	payload := d.Payload
	if len(payload) == 0 {
		payload = nil
	}
	return webhooks.Delivery{
		ID: d.ID, Endpoint: d.Endpoint, Publisher: d.Publisher, Event: d.Event, Payload: payload,
		Status: webhooks.DeliveryStatus(d.Status), Attempts: d.Attempts,
		NextAttemptAt: storecodec.ParseTime(d.NextAttemptAt), LastStatus: d.LastStatus, LastError: d.LastError,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), UpdatedAt: storecodec.ParseTime(d.UpdatedAt),
	}
}

// nonNil returns b, or an empty slice for nil, so that every payload is
// stored as binary rather than null.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
