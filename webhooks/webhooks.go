// Package webhooks delivers publishers' outbound webhooks: a publisher
// registers endpoints for events (purchase, upload.verified,
// upload.rejected, pull, tag.withdrawn, build.succeeded, build.failed);
// each event becomes a persisted delivery, signed with an HMAC of its timestamp and body, retried with
// backoff and listed with the endpoint's responses.
package webhooks

import (
	"context"
	"errors"
	"time"
)

// Event names a publisher may subscribe to.
const (
	EventPurchase       = "purchase"
	EventUploadVerified = "upload.verified"
	EventUploadRejected = "upload.rejected"
	EventPull           = "pull"
	EventTagWithdrawn   = "tag.withdrawn"   // a promoted tag taken back from buyers
	EventBuildSucceeded = "build.succeeded" // an automated build of the publisher's pushed its image
	EventBuildFailed    = "build.failed"    // an automated build of the publisher's failed
)

// Events are every event an endpoint may ask for.
var Events = []string{EventPurchase, EventUploadVerified, EventUploadRejected, EventPull, EventTagWithdrawn,
	EventBuildSucceeded, EventBuildFailed}

// Endpoint is where a publisher wants events posted.
type Endpoint struct {
	ID        string
	Publisher string // the publisher's ID
	URL       string
	Events    []string
	CreatedAt time.Time
}

// DeliveryStatus is where a delivery is.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed" // gave up after the last attempt
)

// Delivery is one event posted (or to be posted) to one endpoint.
type Delivery struct {
	ID            string
	Endpoint      string // the endpoint's ID
	Publisher     string
	Event         string
	Payload       []byte // the JSON body
	Status        DeliveryStatus
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int    // the endpoint's last HTTP status (0: no answer)
	LastError     string // why the last attempt failed, if it did
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Sentinel errors.
var (
	// ErrNotFound means no endpoint or delivery matched.
	ErrNotFound = errors.New("webhook not found")
)

// Store persists endpoints and deliveries. The SQLite and MongoDB stores
// implement it and pass the shared suite in storetest.
type Store interface {
	// AddEndpoint stores an endpoint.
	AddEndpoint(ctx context.Context, e Endpoint) error
	// Endpoints returns a publisher's endpoints, oldest first.
	Endpoints(ctx context.Context, publisher string) ([]Endpoint, error)
	// DeleteEndpoint removes one of a publisher's endpoints, or returns
	// ErrNotFound.
	DeleteEndpoint(ctx context.Context, publisher, id string) error
	// AddDeliveries stores deliveries; one whose ID exists is skipped.
	AddDeliveries(ctx context.Context, ds []Delivery) error
	// UpdateDelivery replaces a delivery's fields (all but ID and
	// CreatedAt), or returns ErrNotFound.
	UpdateDelivery(ctx context.Context, d Delivery) error
	// Deliveries returns an endpoint's deliveries, newest first, at most limit.
	Deliveries(ctx context.Context, endpoint string, limit int) ([]Delivery, error)
	// Delivery returns the delivery with id, or ErrNotFound.
	Delivery(ctx context.Context, id string) (Delivery, error)
}
