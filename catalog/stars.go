package catalog

import "context"

// StarStore records which users starred which products and keeps each
// product's Stars counter in step. Implementations live in sqlitestore and
// mongostore and pass the shared suite in storetest.
type StarStore interface {
	// Star records that userID starred the product and counts it once;
	// it reports false when the star was already there. An unknown product
	// yields ErrNotFound.
	Star(ctx context.Context, userID, product string) (bool, error)
	// Unstar removes the star and uncounts it; it reports false when there was none.
	Unstar(ctx context.Context, userID, product string) (bool, error)
	// Starred returns the slugs of the products userID starred, most recent first.
	Starred(ctx context.Context, userID string) ([]string, error)
	// HasStarred reports whether userID starred the product.
	HasStarred(ctx context.Context, userID, product string) (bool, error)
}
