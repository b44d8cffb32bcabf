package sqlitestore

import (
	"context"
	"fmt"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/sqldb"
)

// Customer returns owner's Stripe customer, or billing.ErrNotFound.
func (s *Store) Customer(ctx context.Context, owner string) (string, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("customer of %s", owner), billing.ErrNotFound, scanString,
		`SELECT customer_id FROM customers WHERE owner = ?`, owner)
}

// SetCustomer records owner's Stripe customer unless one is recorded and
// returns the one recorded, in one statement: of two concurrent calls, the
// second finds the first's (the no-op update only returns its row).
func (s *Store) SetCustomer(ctx context.Context, owner, customerID string) (string, error) {
	var stored string
	err := sqldb.QueryRow(ctx, s.db, `INSERT INTO customers (owner, customer_id) VALUES (?, ?)
		ON CONFLICT (owner) DO UPDATE SET customer_id = customer_id
		RETURNING customer_id`, owner, customerID).Scan(&stored)
	if err != nil {
		return "", fmt.Errorf("setting customer of %s: %w", owner, err)
	}
	return stored, nil
}

// scanString reads a row of one text column.
func scanString(sc sqldb.Scanner) (string, error) {
	var v string
	err := sc.Scan(&v)
	return v, err
}
