package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// AddKey inserts k; a duplicate ID yields licensing.ErrConflict.
func (s *Store) AddKey(ctx context.Context, k licensing.Key) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO token_keys
		(id, kind, private_der, cert_der, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.Kind, nonNil(k.PrivateDER), nonNil(k.CertDER), storecodec.Time(k.CreatedAt), storecodec.Time(k.RetiredAt))
	if _, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("adding key %s: %w", k.ID, licensing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("adding key %s: %w", k.ID, err)
	}
	return nil
}

// Keys returns every stored key, oldest first.
func (s *Store) Keys(ctx context.Context) ([]licensing.Key, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanKey, `SELECT id, kind, private_der, cert_der, created_at, retired_at
		FROM token_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	return out, nil
}

// UpdateKeyPrivate replaces key id's private key with to if it still is
// from; no key id yields licensing.ErrNotFound, another value
// licensing.ErrConflict. The old value is zeroed in its page
// (secure_delete) and the write-ahead log, which still holds the page as it
// was, is checkpointed and emptied, so that a key once stored in the clear
// does not linger in the files.
func (s *Store) UpdateKeyPrivate(ctx context.Context, id string, from, to []byte) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("updating key %s: %w", id, err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("updating key %s: %w", id, err)
	}
	// The connection goes back to the pool: restore the default.
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`) }()
	res, err := conn.ExecContext(ctx, `UPDATE token_keys SET private_der = ? WHERE id = ? AND private_der = ?`, nonNil(to), id, nonNil(from))
	if err := sqldb.ChangedOne(res, err, errNoMatch); errors.Is(err, errNoMatch) {
		return s.keyMismatch(ctx, conn, id)
	} else if err != nil {
		return fmt.Errorf("updating key %s: %w", id, err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("checkpointing after updating key %s: %w", id, err)
	}
	return nil
}

// errNoMatch marks an update that matched no row.
var errNoMatch = errors.New("no row matched")

// keyMismatch tells why an update of key id matched nothing.
func (s *Store) keyMismatch(ctx context.Context, conn *sql.Conn, id string) error {
	var one int
	err := conn.QueryRowContext(ctx, `SELECT 1 FROM token_keys WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("updating key %s: %w", id, licensing.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("updating key %s: %w", id, err)
	}
	return fmt.Errorf("updating key %s: it changed meanwhile: %w", id, licensing.ErrConflict)
}

// scanKey reads one row of the token_keys listing.
func scanKey(sc sqldb.Scanner) (licensing.Key, error) {
	var (
		k                licensing.Key
		created, retired int64
	)
	if err := sc.Scan(&k.ID, &k.Kind, &k.PrivateDER, &k.CertDER, &created, &retired); err != nil {
		return licensing.Key{}, err
	}
	k.CreatedAt, k.RetiredAt = storecodec.ParseTime(created), storecodec.ParseTime(retired)
	return k, nil
}

// nonNil returns b, or an empty slice for nil: the driver would bind nil as
// NULL, which the NOT NULL BLOB columns refuse.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
