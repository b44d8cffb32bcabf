package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// ClaimEvent records that a Stripe event arrived at at, unless it is
// recorded, and reports whether it was finished before. One statement: a
// recorded event is left as it is (the no-op update only returns its row).
func (s *Store) ClaimEvent(ctx context.Context, id, typ string, at time.Time) (bool, error) {
	var processed int64
	err := sqldb.QueryRow(ctx, s.db, `INSERT INTO billing_events (id, type, received_at, processed_at)
		VALUES (?, ?, ?, 0)
		ON CONFLICT (id) DO UPDATE SET processed_at = processed_at
		RETURNING processed_at`, id, typ, storecodec.Time(at)).Scan(&processed)
	if err != nil {
		return false, fmt.Errorf("claiming event %s: %w", id, err)
	}
	return processed != 0, nil
}

// FinishEvent marks a claimed event processed at at; an event never
// claimed is billing.ErrNotFound.
func (s *Store) FinishEvent(ctx context.Context, id string, at time.Time) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE billing_events SET processed_at = ? WHERE id = ?`,
		storecodec.Time(at), id)
	if err := sqldb.ChangedOne(res, err, billing.ErrNotFound); err != nil {
		return fmt.Errorf("finishing event %s: %w", id, err)
	}
	return nil
}
