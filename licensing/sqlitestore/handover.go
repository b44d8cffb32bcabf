package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.HandoverStore = (*Store)(nil)

// handoverSchema holds new license keys, sealed, until their page shows
// them once (licensing.Handovers).
const handoverSchema = `CREATE TABLE IF NOT EXISTS key_handovers (
		id         TEXT PRIMARY KEY,
		sealed     BLOB NOT NULL,
		expires_at INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS key_handovers_expiry ON key_handovers (expires_at)`

// PutHandover stores h, replacing any handover with its ID.
func (s *Store) PutHandover(ctx context.Context, h licensing.Handover) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO key_handovers (id, sealed, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at`,
		h.ID, h.Sealed, storecodec.Time(h.ExpiresAt))
	if err != nil {
		return fmt.Errorf("storing key handover: %w", err)
	}
	return nil
}

// TakeHandover deletes the handover id and returns it in one statement, so
// that of two takers only one gets it; an expired one is deleted and
// reported as licensing.ErrNotFound.
func (s *Store) TakeHandover(ctx context.Context, id string, now time.Time) (licensing.Handover, error) {
	h := licensing.Handover{ID: id}
	var expires int64
	err := s.db.QueryRowContext(ctx, `DELETE FROM key_handovers WHERE id = ? RETURNING sealed, expires_at`, id).
		Scan(&h.Sealed, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return licensing.Handover{}, fmt.Errorf("taking key handover: %w", licensing.ErrNotFound)
	}
	if err != nil {
		return licensing.Handover{}, fmt.Errorf("taking key handover: %w", err)
	}
	h.ExpiresAt = storecodec.ParseTime(expires)
	if !h.ExpiresAt.After(now) {
		return licensing.Handover{}, fmt.Errorf("taking key handover: expired: %w", licensing.ErrNotFound)
	}
	return h, nil
}

// DeleteExpiredHandovers removes handovers expired at or before now.
func (s *Store) DeleteExpiredHandovers(ctx context.Context, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM key_handovers WHERE expires_at <= ?`, storecodec.Time(now))
	if err != nil {
		return fmt.Errorf("deleting expired key handovers: %w", err)
	}
	return nil
}
