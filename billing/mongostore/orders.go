package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// orderDoc is an order as stored in the orders collection. The Stripe
// identifiers that are indexed are left out while empty (see New).
type orderDoc struct {
	ID             string `bson:"_id"`
	SessionID      string `bson:"session_id,omitempty"`
	Buyer          string `bson:"buyer"`
	Owner          string `bson:"owner"`
	OwnerName      string `bson:"owner_name"`
	Product        string `bson:"product"`
	ProductName    string `bson:"product_name"`
	Tier           string `bson:"tier"`
	TierName       string `bson:"tier_name"`
	Publisher      string `bson:"publisher"`
	Mode           string `bson:"mode"`
	Interval       string `bson:"interval"`
	Quantity       int    `bson:"quantity"`
	Amount         int64  `bson:"amount"`
	Currency       string `bson:"currency"`
	Status         string `bson:"status"`
	LicenseID      string `bson:"license_id"`
	CustomerID     string `bson:"customer_id"`
	SubscriptionID string `bson:"subscription_id,omitempty"`
	PaymentIntent  string `bson:"payment_intent,omitempty"`
	InvoiceID      string `bson:"invoice_id"`
	ReceiptURL     string `bson:"receipt_url"`
	PeriodEnd      int64  `bson:"period_end"`
	EventAt        int64  `bson:"event_at"`
	CreatedAt      int64  `bson:"created_at"`
	UpdatedAt      int64  `bson:"updated_at"`
	// Version is absent from orders stored before versions existed; they
	// decode as version 0, and versionIs matches them at 0.
	Version      int64 `bson:"version"`
	ClaimedUntil int64 `bson:"claimed_until"`
}

// CreateOrder inserts o at version 0; a duplicate ID or session ID yields
// billing.ErrConflict.
func (s *Store) CreateOrder(ctx context.Context, o billing.Order) error {
	o.Version = 0
	_, err := s.orders.InsertOne(ctx, encodeOrder(o))
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("creating order %s: %w", o.ID, billing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("creating order %s: %w", o.ID, err)
	}
	return nil
}

// UpdateOrder replaces every field of the stored order but ID, Buyer and
// CreatedAt with o's and stores version o.Version+1, if the stored version
// is o.Version; otherwise it returns billing.ErrStale, or
// billing.ErrNotFound if the order does not exist. A session ID another
// order has yields billing.ErrConflict.
//
// Why this is exact across instances: it is one updateOne whose filter
// names both the _id and the version read. MongoDB applies a write to one
// document atomically, and each of several concurrent updates makes sure
// its filter still matches the document it changes (WiredTiger detects the
// write conflict and the server retries the loser's single-document write,
// filter included). So of two updates read at one version, one matches and
// stores version+1, and the other then matches nothing and is refused; the
// MongoDB manual's "Atomicity and Transactions" page prescribes exactly
// this, the expected value in the filter. FerretDB v1, the suite's test
// double, does not keep it (it reads, then writes; internal/mongotest's
// BenchmarkAtomicity measures that), so the suite's concurrent case runs on
// SQLite only.
func (s *Store) UpdateOrder(ctx context.Context, o billing.Order) error {
	filter := bson.D{{Key: "_id", Value: o.ID}, versionIs(o.Version)}
	res, err := s.orders.UpdateOne(ctx, filter, orderUpdate(o))
	if err != nil {
		// FerretDB v1 reports a unique-index violation by an update as an
		// internal error, not a duplicate key: look for the other holder.
		if taken, cerr := s.sessionTaken(ctx, o.ID, o.SessionID); cerr == nil && taken {
			err = billing.ErrConflict
		}
	}
	if err == nil && res.MatchedCount == 0 {
		// Nothing matched: a newer version, or no order at all.
		err = fmt.Errorf("at version %d: %w", o.Version, billing.ErrStale)
		if _, rerr := s.Order(ctx, o.ID); rerr != nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("updating order %s: %w", o.ID, err)
	}
	return nil
}

// versionIs is the filter on an order's version. Version 0 also matches an
// order stored before versions existed, which has no version field.
func versionIs(v int64) bson.E {
	if v != 0 {
		return bson.E{Key: "version", Value: v}
	}
	return bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: "version", Value: int64(0)}},
		bson.D{{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}},
	}}
}

// orderUpdate returns the update that replaces o's replaceable fields and
// sets the next version, unsetting the Stripe identifiers o leaves empty.
func orderUpdate(o billing.Order) bson.D {
	set := bson.D{
		{Key: "owner", Value: o.Owner}, {Key: "owner_name", Value: o.OwnerName},
		{Key: "product", Value: o.Product}, {Key: "product_name", Value: o.ProductName},
		{Key: "tier", Value: o.Tier}, {Key: "tier_name", Value: o.TierName},
		{Key: "publisher", Value: o.Publisher}, {Key: "mode", Value: o.Mode},
		{Key: "interval", Value: o.Interval}, {Key: "quantity", Value: o.Quantity},
		{Key: "amount", Value: o.Amount}, {Key: "currency", Value: o.Currency},
		{Key: "status", Value: string(o.Status)}, {Key: "license_id", Value: o.LicenseID},
		{Key: "customer_id", Value: o.CustomerID}, {Key: "invoice_id", Value: o.InvoiceID},
		{Key: "receipt_url", Value: o.ReceiptURL},
		{Key: "period_end", Value: storecodec.Time(o.PeriodEnd)},
		{Key: "event_at", Value: storecodec.Time(o.EventAt)},
		{Key: "updated_at", Value: storecodec.Time(o.UpdatedAt)},
		{Key: "claimed_until", Value: storecodec.Time(o.ClaimedUntil)},
		{Key: "version", Value: o.Version + 1},
	}
	var unset bson.D
	for _, f := range []struct{ key, value string }{
		{"session_id", o.SessionID}, {"subscription_id", o.SubscriptionID}, {"payment_intent", o.PaymentIntent},
	} {
		if f.value == "" {
			unset = append(unset, bson.E{Key: f.key, Value: ""})
		} else {
			set = append(set, bson.E{Key: f.key, Value: f.value})
		}
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	return update
}

// sessionTaken reports whether an order other than id has session ID
// session.
func (s *Store) sessionTaken(ctx context.Context, id, session string) (bool, error) {
	if session == "" {
		return false, nil
	}
	n, err := s.orders.CountDocuments(ctx, bson.D{
		{Key: "session_id", Value: session}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}},
	}, options.Count().SetLimit(1))
	return n > 0, err
}

// Order returns the order with that ID, or billing.ErrNotFound.
func (s *Store) Order(ctx context.Context, id string) (billing.Order, error) {
	return mongodb.FindOne(ctx, s.orders, fmt.Sprintf("order %q", id), billing.ErrNotFound,
		bson.D{{Key: "_id", Value: id}}, decodeOrder)
}

// OrderBySession returns the order of a Checkout Session, or
// billing.ErrNotFound; no order has the empty session ID.
func (s *Store) OrderBySession(ctx context.Context, sessionID string) (billing.Order, error) {
	return s.orderBy(ctx, "session_id", sessionID, fmt.Sprintf("order of session %q", sessionID))
}

// OrderBySubscription returns the order of a subscription, or
// billing.ErrNotFound; no order has the empty subscription ID.
func (s *Store) OrderBySubscription(ctx context.Context, subscriptionID string) (billing.Order, error) {
	return s.orderBy(ctx, "subscription_id", subscriptionID, fmt.Sprintf("order of subscription %q", subscriptionID))
}

// OrderByPaymentIntent returns the order a payment intent paid, or
// billing.ErrNotFound; no order has the empty payment intent.
func (s *Store) OrderByPaymentIntent(ctx context.Context, paymentIntent string) (billing.Order, error) {
	return s.orderBy(ctx, "payment_intent", paymentIntent, fmt.Sprintf("order of payment intent %q", paymentIntent))
}

// orderBy returns the newest order whose Stripe identifier field is value;
// an empty value, never stored, matches none.
func (s *Store) orderBy(ctx context.Context, field, value, what string) (billing.Order, error) {
	if value == "" {
		return billing.Order{}, fmt.Errorf("%s: %w", what, billing.ErrNotFound)
	}
	out, err := mongodb.FindAll(ctx, s.orders, bson.D{{Key: field, Value: value}}, decodeOrder,
		options.Find().SetSort(newest).SetLimit(1))
	if err != nil {
		return billing.Order{}, fmt.Errorf("reading %s: %w", what, err)
	}
	if len(out) == 0 {
		return billing.Order{}, fmt.Errorf("%s: %w", what, billing.ErrNotFound)
	}
	return out[0], nil
}

// newest sorts orders newest first, ties by ID, descending.
var newest = bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}

// OrdersByBuyer returns the orders a user placed, newest first (ties by ID,
// descending).
func (s *Store) OrdersByBuyer(ctx context.Context, buyer string) ([]billing.Order, error) {
	out, err := mongodb.FindAll(ctx, s.orders, bson.D{{Key: "buyer", Value: buyer}}, decodeOrder,
		options.Find().SetSort(newest))
	if err != nil {
		return nil, fmt.Errorf("listing orders of %s: %w", buyer, err)
	}
	return out, nil
}

// encodeOrder converts an order to its stored form.
func encodeOrder(o billing.Order) orderDoc {
	return orderDoc{
		ID: o.ID, SessionID: o.SessionID, Buyer: o.Buyer, Owner: o.Owner, OwnerName: o.OwnerName,
		Product: o.Product, ProductName: o.ProductName, Tier: o.Tier, TierName: o.TierName,
		Publisher: o.Publisher, Mode: o.Mode, Interval: o.Interval, Quantity: o.Quantity,
		Amount: o.Amount, Currency: o.Currency, Status: string(o.Status), LicenseID: o.LicenseID,
		CustomerID: o.CustomerID, SubscriptionID: o.SubscriptionID, PaymentIntent: o.PaymentIntent,
		InvoiceID: o.InvoiceID, ReceiptURL: o.ReceiptURL,
		PeriodEnd: storecodec.Time(o.PeriodEnd), EventAt: storecodec.Time(o.EventAt),
		CreatedAt: storecodec.Time(o.CreatedAt), UpdatedAt: storecodec.Time(o.UpdatedAt), Version: o.Version,
		ClaimedUntil: storecodec.Time(o.ClaimedUntil),
	}
}

// decodeOrder converts a stored order to the domain type.
func decodeOrder(d orderDoc) billing.Order {
	return billing.Order{
		ID: d.ID, SessionID: d.SessionID, Buyer: d.Buyer, Owner: d.Owner, OwnerName: d.OwnerName,
		Product: d.Product, ProductName: d.ProductName, Tier: d.Tier, TierName: d.TierName,
		Publisher: d.Publisher, Mode: d.Mode, Interval: d.Interval, Quantity: d.Quantity,
		Amount: d.Amount, Currency: d.Currency, Status: billing.OrderStatus(d.Status), LicenseID: d.LicenseID,
		CustomerID: d.CustomerID, SubscriptionID: d.SubscriptionID, PaymentIntent: d.PaymentIntent,
		InvoiceID: d.InvoiceID, ReceiptURL: d.ReceiptURL,
		PeriodEnd: storecodec.ParseTime(d.PeriodEnd), EventAt: storecodec.ParseTime(d.EventAt),
		CreatedAt: storecodec.ParseTime(d.CreatedAt), UpdatedAt: storecodec.ParseTime(d.UpdatedAt), Version: d.Version,
		ClaimedUntil: storecodec.ParseTime(d.ClaimedUntil),
	}
}
