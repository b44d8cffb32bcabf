package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/berth/berth/publisher"
)

// PutLogo stores the publisher's logo, replacing any.
func (s *Store) PutLogo(ctx context.Context, publisherID string, l publisher.Logo) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO publisher_logos (publisher_id, type, bytes) VALUES (?, ?, ?)
		ON CONFLICT (publisher_id) DO UPDATE SET type = excluded.type, bytes = excluded.bytes`, publisherID, l.Type, l.Bytes)
	if err != nil {
		return fmt.Errorf("putting the logo of %s: %w", publisherID, err)
	}
	return nil
}

// Logo returns the publisher's logo, or publisher.ErrNotFound.
func (s *Store) Logo(ctx context.Context, publisherID string) (publisher.Logo, error) {
	var l publisher.Logo
	err := s.db.QueryRowContext(ctx, `SELECT type, bytes FROM publisher_logos WHERE publisher_id = ?`, publisherID).Scan(&l.Type, &l.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("logo of %s: %w", publisherID, publisher.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("reading the logo of %s: %w", publisherID, err)
	}
	return l, nil
}
