package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
)

// ClaimNamespace records n with its name lower-cased; a name already claimed
// yields account.ErrNamespaceTaken.
func (s *Store) ClaimNamespace(ctx context.Context, n account.Namespace) error {
	name := strings.ToLower(n.Name)
	_, err := s.db.ExecContext(ctx, `INSERT INTO namespaces (name, kind, owner_id) VALUES (?, ?, ?)`,
		name, n.Kind, n.OwnerID)
	if _, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("namespace %s: %w", name, account.ErrNamespaceTaken)
	}
	if err != nil {
		return fmt.Errorf("claiming namespace %s: %w", name, err)
	}
	return nil
}

// Namespace returns the claim on name, compared lower-cased, or
// account.ErrNotFound.
func (s *Store) Namespace(ctx context.Context, name string) (account.Namespace, error) {
	name = strings.ToLower(name)
	var n account.Namespace
	err := s.db.QueryRowContext(ctx, `SELECT name, kind, owner_id FROM namespaces WHERE name = ?`, name).
		Scan(&n.Name, &n.Kind, &n.OwnerID)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Namespace{}, fmt.Errorf("namespace %s: %w", name, account.ErrNotFound)
	}
	if err != nil {
		return account.Namespace{}, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	return n, nil
}

// ReleaseNamespace removes the claim on name, compared lower-cased, if there
// is one.
func (s *Store) ReleaseNamespace(ctx context.Context, name string) error {
	name = strings.ToLower(name)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM namespaces WHERE name = ?`, name); err != nil {
		return fmt.Errorf("releasing namespace %s: %w", name, err)
	}
	return nil
}
