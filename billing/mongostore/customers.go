package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/mongodb"
)

// customerDoc is an owner's Stripe customer as stored in the customers
// collection, keyed by owner.
type customerDoc struct {
	Owner      string `bson:"_id"`
	CustomerID string `bson:"customer_id"`
}

// Customer returns owner's Stripe customer, or billing.ErrNotFound.
func (s *Store) Customer(ctx context.Context, owner string) (string, error) {
	return mongodb.FindOne(ctx, s.customers, fmt.Sprintf("customer of %s", owner), billing.ErrNotFound,
		bson.D{{Key: "_id", Value: owner}}, func(d customerDoc) string { return d.CustomerID })
}

// SetCustomer records owner's Stripe customer unless one is recorded and
// returns the one recorded: the insert is keyed by owner, so of two
// concurrent calls the second is rejected and reads the first's.
func (s *Store) SetCustomer(ctx context.Context, owner, customerID string) (string, error) {
	_, err := s.customers.InsertOne(ctx, customerDoc{Owner: owner, CustomerID: customerID})
	if err == nil {
		return customerID, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return "", fmt.Errorf("setting customer of %s: %w", owner, err)
	}
	return s.Customer(ctx, owner)
}
