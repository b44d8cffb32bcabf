package sqlitestore

import (
	"context"
	"fmt"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
)

// statusSchema is the migration step for listing statuses: products made
// before it are published. Hidden listings (draft, unpublished) are
// filtered out on the indexes Explore, Search and ListProducts already
// walk, as they are few; PublisherSlugs hops on a partial index of the
// published ones, and product_categories holds published products' rows
// only (see PutProduct), so that neither reads a hidden row.
const statusSchema = `ALTER TABLE products ADD COLUMN status TEXT NOT NULL DEFAULT 'published';
	CREATE INDEX IF NOT EXISTS products_published_publisher ON products (publisher)
		WHERE status = 'published'`

// published is the condition on products p that keeps listed products; the
// literal lets SQLite use the partial index products_published_publisher.
const published = `p.status = 'published'`

// storedStatus returns the status stored for a listing of status: an empty
// one, from callers predating statuses, is published.
func storedStatus(status string) string {
	if status == "" {
		return catalog.StatusPublished
	}
	return status
}

// selectPublisherProducts reads a publisher's products, whatever their
// status, on the publisher's name index.
const selectPublisherProducts = selectProducts + ` WHERE p.publisher = ? ORDER BY p.name_key, p.slug`

// ProductsByPublisher returns every listing of publisher, whatever its
// status, by name (case-insensitively, then slug).
func (s *Store) ProductsByPublisher(ctx context.Context, publisher string) ([]catalog.Product, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanProduct, selectPublisherProducts, publisher)
	if err != nil {
		return nil, fmt.Errorf("listing products of %s: %w", publisher, err)
	}
	return out, nil
}
