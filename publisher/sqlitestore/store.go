// Package sqlitestore keeps publishers in the embedded SQLite database. A
// publisher's namespaces live in publisher_namespaces, whose primary key makes
// a namespace belong to at most one publisher; its members live in
// publisher_members, indexed by user for PublishersByMember.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// schema is the publisher domain's migration steps; append, never edit.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS publishers (
		id         TEXT PRIMARY KEY,
		slug       TEXT NOT NULL UNIQUE,
		name       TEXT NOT NULL,
		verified   INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS publisher_namespaces (
		namespace    TEXT PRIMARY KEY,
		publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
		position     INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS publisher_namespaces_publisher
		ON publisher_namespaces (publisher_id, position);
	CREATE TABLE IF NOT EXISTS publisher_members (
		publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
		user_id      TEXT NOT NULL,
		position     INTEGER NOT NULL,
		PRIMARY KEY (publisher_id, user_id)
	) STRICT;
	CREATE INDEX IF NOT EXISTS publisher_members_user ON publisher_members (user_id)`,
}

// Store implements publisher.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ publisher.Store = (*Store)(nil)

// New creates the publisher tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "publisher", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// PutPublisher inserts p, or replaces the publisher with p's slug while
// keeping its ID and CreatedAt, in one transaction. An empty ID on insert is
// filled in; repeated namespaces and members are stored once.
func (s *Store) PutPublisher(ctx context.Context, p publisher.Publisher) (publisher.Publisher, error) {
	p.Namespaces, p.Members = storecodec.Distinct(p.Namespaces), storecodec.Distinct(p.Members)
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		if p, err = upsertPublisher(ctx, tx, p); err != nil {
			return err
		}
		return replaceLists(ctx, tx, p)
	})
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("putting publisher %s: %w", p.Slug, err)
	}
	return p, nil
}

// upsertPublisher writes p's publishers row and returns p with the kept
// fields of an existing publisher.
func upsertPublisher(ctx context.Context, tx *sql.Tx, p publisher.Publisher) (publisher.Publisher, error) {
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT id, created_at FROM publishers WHERE slug = ?`, p.Slug).
		Scan(&p.ID, &created)
	if err == nil {
		p.CreatedAt = storecodec.ParseTime(created)
		_, err = tx.ExecContext(ctx, `UPDATE publishers SET name = ?, verified = ? WHERE id = ?`,
			p.Name, p.Verified, p.ID)
		return p, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return p, err
	}
	if p.ID == "" {
		p.ID = secret.ID()
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO publishers (id, slug, name, verified, created_at)
		VALUES (?, ?, ?, ?, ?)`, p.ID, p.Slug, p.Name, p.Verified, storecodec.Time(p.CreatedAt))
	if column, ok := sqldb.UniqueViolation(err); ok {
		return p, fmt.Errorf("duplicate %s %q: %w", column, p.ID, err)
	}
	return p, err
}

// replaceLists makes p's namespaces and members, in order, the stored ones.
func replaceLists(ctx context.Context, tx *sql.Tx, p publisher.Publisher) error {
	for _, table := range []string{"publisher_namespaces", "publisher_members"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE publisher_id = ?`, p.ID); err != nil {
			return err
		}
	}
	for i, ns := range p.Namespaces {
		_, err := tx.ExecContext(ctx, `INSERT INTO publisher_namespaces
			(namespace, publisher_id, position) VALUES (?, ?, ?)`, ns, p.ID, i)
		if _, ok := sqldb.UniqueViolation(err); ok {
			return fmt.Errorf("namespace %s: %w", ns, publisher.ErrNamespaceTaken)
		}
		if err != nil {
			return err
		}
	}
	for i, user := range p.Members {
		_, err := tx.ExecContext(ctx, `INSERT INTO publisher_members
			(publisher_id, user_id, position) VALUES (?, ?, ?)`, p.ID, user, i)
		if err != nil {
			return err
		}
	}
	return nil
}
