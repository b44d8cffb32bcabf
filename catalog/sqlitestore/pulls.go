package sqlitestore

import (
	"context"
	"fmt"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storecodec"
)

// RecordPull stores e and adds one pull to the product owning e.Repository,
// in one transaction; it reports false, changing nothing, when e.ID was
// recorded before. A pull of a repository no product owns is recorded but
// counted nowhere.
func (s *Store) RecordPull(ctx context.Context, e catalog.PullEvent) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("recording pull %s: %w", e.ID, err)
	}
	defer func() { _ = tx.Rollback() }()

	res, err := tx.ExecContext(ctx, `INSERT INTO pull_events (id, repository, reference, digest, at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		e.ID, e.Repository, e.Reference, e.Digest, storecodec.Time(e.At))
	if err != nil {
		return false, fmt.Errorf("recording pull %s: %w", e.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("recording pull %s: %w", e.ID, err)
	}
	if n == 0 {
		return false, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE products SET pulls = pulls + 1 WHERE id =
		(SELECT product_id FROM product_repositories WHERE repository = ?)`, e.Repository)
	if err != nil {
		return false, fmt.Errorf("counting pull %s: %w", e.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("recording pull %s: %w", e.ID, err)
	}
	return true, nil
}
