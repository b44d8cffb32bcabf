package sqlitestore

import (
	"context"
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
