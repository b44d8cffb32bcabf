package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

var _ catalog.StarStore = (*Store)(nil)

// starClock stamps stars with strictly increasing Unix nanoseconds, so that
// stars made within one clock tick still list newest first. Its zero value is
// ready to use.
type starClock struct {
	mu   sync.Mutex
	last int64
}

// next returns the stamp for a star made now.
func (c *starClock) next() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = max(storecodec.Time(time.Now()), c.last+1)
	return c.last
}

// Star records that userID starred the product with that slug and adds one
// to its Stars, in one transaction; it reports false, changing nothing, when
// the star was already there. An unknown product yields catalog.ErrNotFound.
func (s *Store) Star(ctx context.Context, userID, product string) (bool, error) {
	var added bool
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		id, err := productID(ctx, tx, product)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO stars (user_id, product_id, created_at)
			VALUES (?, ?, ?) ON CONFLICT (user_id, product_id) DO NOTHING`, userID, id, s.clock.next())
		if added, err = changed(res, err); err != nil || !added {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE products SET stars = stars + 1 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("starring %s: %w", product, err)
	}
	return added, nil
}

// Unstar removes userID's star from the product with that slug and takes one
// from its Stars, in one transaction; it reports false when there was no
// star. An unknown product yields catalog.ErrNotFound, as in Star.
func (s *Store) Unstar(ctx context.Context, userID, product string) (bool, error) {
	var removed bool
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		id, err := productID(ctx, tx, product)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM stars WHERE user_id = ? AND product_id = ?`, userID, id)
		if removed, err = changed(res, err); err != nil || !removed {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE products SET stars = stars - 1 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("unstarring %s: %w", product, err)
	}
	return removed, nil
}

// Starred returns the slugs of the products userID starred, most recent
// first.
func (s *Store) Starred(ctx context.Context, userID string) ([]string, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanSlug, `SELECT p.slug FROM stars s
		JOIN products p ON p.id = s.product_id
		WHERE s.user_id = ? ORDER BY s.created_at DESC, s.rowid DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing stars of %s: %w", userID, err)
	}
	return out, nil
}

// HasStarred reports whether userID starred the product with that slug. An
// unknown product yields catalog.ErrNotFound, as in Star.
func (s *Store) HasStarred(ctx context.Context, userID, product string) (bool, error) {
	return sqldb.QueryOne(ctx, s.db, "product "+product, catalog.ErrNotFound,
		func(sc sqldb.Scanner) (bool, error) {
			var starred bool
			err := sc.Scan(&starred)
			return starred, err
		},
		`SELECT EXISTS (SELECT 1 FROM stars s WHERE s.user_id = ? AND s.product_id = p.id)
			FROM products p WHERE p.slug = ?`, userID, product)
}

// productID returns the ID of the product with that slug, or
// catalog.ErrNotFound.
func productID(ctx context.Context, tx *sql.Tx, slug string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM products WHERE slug = ?`, slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("product %s: %w", slug, catalog.ErrNotFound)
	}
	return id, err
}

// changed reports whether the statement that returned res and err changed a
// row.
func changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// scanSlug reads a row holding one slug.
func scanSlug(sc sqldb.Scanner) (string, error) {
	var slug string
	err := sc.Scan(&slug)
	return slug, err
}
