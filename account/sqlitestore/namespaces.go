package sqlitestore

import (
	"context"
	"fmt"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
)

// ClaimNamespace records n with its name lower-cased; a name already claimed
// yields account.ErrNamespaceTaken.
func (s *Store) ClaimNamespace(ctx context.Context, n account.Namespace) error {
	name := strings.ToLower(n.Name)
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO namespaces (name, kind, owner_id) VALUES (?, ?, ?)`,
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
	return sqldb.QueryOne(ctx, s.db, "namespace "+name, account.ErrNotFound, scanNamespace,
		`SELECT name, kind, owner_id FROM namespaces WHERE name = ?`, name)
}

// scanNamespace reads one row of name, kind and owner_id.
func scanNamespace(sc sqldb.Scanner) (account.Namespace, error) {
	var n account.Namespace
	err := sc.Scan(&n.Name, &n.Kind, &n.OwnerID)
	return n, err
}

// ReleaseNamespace removes the claim on name, compared lower-cased, if there
// is one.
func (s *Store) ReleaseNamespace(ctx context.Context, name string) error {
	name = strings.ToLower(name)
	if _, err := sqldb.Exec(ctx, s.db, `DELETE FROM namespaces WHERE name = ?`, name); err != nil {
		return fmt.Errorf("releasing namespace %s: %w", name, err)
	}
	return nil
}
