package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// AddKey inserts k; a key with the same ID for the same publisher yields
// publisher.ErrConflict.
func (s *Store) AddKey(ctx context.Context, k publisher.Key) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO publisher_keys
		(publisher_id, id, name, pem, created_by, created_at, revoked_at, berth_held, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.Publisher, k.ID, k.Name, k.PEM, k.CreatedBy, storecodec.Time(k.CreatedAt), storecodec.Time(k.RevokedAt), k.BerthHeld,
		nonNilBytes(k.Sealed))
	if _, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("adding key %s of %s: %w", k.ID, k.Publisher, publisher.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("adding key %s of %s: %w", k.ID, k.Publisher, err)
	}
	return nil
}

// Keys returns the publisher's keys, revoked ones included, oldest first
// (ties by ID).
func (s *Store) Keys(ctx context.Context, publisherID string) ([]publisher.Key, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanKey, `SELECT publisher_id, id, name, pem, created_by, created_at, revoked_at,
		berth_held, sealed FROM publisher_keys WHERE publisher_id = ? ORDER BY created_at, id`, publisherID)
	if err != nil {
		return nil, fmt.Errorf("listing keys of %s: %w", publisherID, err)
	}
	return out, nil
}

// RevokeKey sets the key's RevokedAt to at, or returns publisher.ErrNotFound.
func (s *Store) RevokeKey(ctx context.Context, publisherID, keyID string, at time.Time) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE publisher_keys SET revoked_at = ?
		WHERE publisher_id = ? AND id = ?`, storecodec.Time(at), publisherID, keyID)
	if err := sqldb.ChangedOne(res, err, publisher.ErrNotFound); err != nil {
		return fmt.Errorf("revoking key %s of %s: %w", keyID, publisherID, err)
	}
	return nil
}

// BerthHeldKeys returns every Berth-held key, by publisher and age.
func (s *Store) BerthHeldKeys(ctx context.Context) ([]publisher.Key, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanKey, `SELECT publisher_id, id, name, pem, created_by, created_at, revoked_at,
		berth_held, sealed FROM publisher_keys WHERE berth_held = 1 ORDER BY publisher_id, created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing Berth-held keys: %w", err)
	}
	return out, nil
}

// ResealKey replaces the key's sealed private half while it is still from.
func (s *Store) ResealKey(ctx context.Context, publisherID, keyID string, from, to []byte) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE publisher_keys SET sealed = ?
		WHERE publisher_id = ? AND id = ? AND sealed = ?`, nonNilBytes(to), publisherID, keyID, nonNilBytes(from))
	if err := sqldb.ChangedOne(res, err, publisher.ErrConflict); errors.Is(err, publisher.ErrConflict) {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM publisher_keys WHERE publisher_id = ? AND id = ?`,
			publisherID, keyID).Scan(&n); err != nil {
			return fmt.Errorf("resealing key %s of %s: %w", keyID, publisherID, err)
		}
		if n == 0 {
			return fmt.Errorf("resealing key %s of %s: %w", keyID, publisherID, publisher.ErrNotFound)
		}
		return fmt.Errorf("resealing key %s of %s: %w", keyID, publisherID, publisher.ErrConflict)
	} else if err != nil {
		return fmt.Errorf("resealing key %s of %s: %w", keyID, publisherID, err)
	}
	return nil
}

// scanKey reads one row of the publisher_keys listing.
func scanKey(sc sqldb.Scanner) (publisher.Key, error) {
	var (
		k                publisher.Key
		created, revoked int64
	)
	if err := sc.Scan(&k.Publisher, &k.ID, &k.Name, &k.PEM, &k.CreatedBy, &created, &revoked, &k.BerthHeld, &k.Sealed); err != nil {
		return publisher.Key{}, err
	}
	k.CreatedAt, k.RevokedAt = storecodec.ParseTime(created), storecodec.ParseTime(revoked)
	if len(k.Sealed) == 0 {
		k.Sealed = nil
	}
	return k, nil
}

// nonNilBytes stores a missing blob as an empty one: the column is NOT
// NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
