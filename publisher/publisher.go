// Package publisher owns the supply side: publisher profiles, the registry
// namespaces they own and the users who act for them.
package publisher

import (
	"context"
	"errors"
	"time"
)

// Publisher is an organisation that lists products. Namespaces are the
// registry namespaces it owns (unique across publishers); Members are user IDs
// that may push to them.
type Publisher struct {
	ID         string
	Slug       string
	Name       string
	Verified   bool
	Namespaces []string
	Members    []string
	CreatedAt  time.Time
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrNotFound means no publisher matched.
	ErrNotFound = errors.New("publisher not found")
	// ErrNamespaceTaken means another publisher already owns a namespace.
	ErrNamespaceTaken = errors.New("namespace is owned by another publisher")
)

// Store persists publishers. Implementations live in sqlitestore and
// mongostore and pass the shared suite in publishertest.
type Store interface {
	// PutPublisher inserts p, or replaces the publisher with the same slug while
	// keeping its ID and CreatedAt. A namespace owned by another publisher
	// yields ErrNamespaceTaken.
	PutPublisher(ctx context.Context, p Publisher) (Publisher, error)
	// PublisherBySlug returns the publisher or ErrNotFound.
	PublisherBySlug(ctx context.Context, slug string) (Publisher, error)
	// PublishersByMember returns the publishers userID is a member of, by slug.
	PublishersByMember(ctx context.Context, userID string) ([]Publisher, error)
	// PublisherByNamespace returns the publisher owning a namespace, or ErrNotFound.
	PublisherByNamespace(ctx context.Context, namespace string) (Publisher, error)
}
