// Package sqlitestore keeps the catalog in the embedded SQLite database.
// Products own their repositories through product_repositories, whose primary
// key makes a repository belong to at most one product; users' and
// organisations' own repositories live in the repositories table.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// schema is the catalog domain's migration steps; append, never edit.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS products (
		id          TEXT PRIMARY KEY,
		slug        TEXT NOT NULL UNIQUE,
		name        TEXT NOT NULL,
		publisher   TEXT NOT NULL,
		kind        TEXT NOT NULL,
		badge       TEXT NOT NULL,
		summary     TEXT NOT NULL,
		description TEXT NOT NULL,
		categories  TEXT NOT NULL,
		tiers       TEXT NOT NULL,
		stars       INTEGER NOT NULL,
		pulls       INTEGER NOT NULL,
		created_at  INTEGER NOT NULL,
		updated_at  INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS products_rank ON products (stars DESC, pulls DESC, slug);
	CREATE TABLE IF NOT EXISTS product_repositories (
		repository TEXT PRIMARY KEY,
		product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
		position   INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS product_repositories_product ON product_repositories (product_id, position);
	CREATE TABLE IF NOT EXISTS pull_events (
		id         TEXT PRIMARY KEY,
		repository TEXT NOT NULL,
		reference  TEXT NOT NULL,
		digest     TEXT NOT NULL,
		at         INTEGER NOT NULL
	) STRICT`,
	`CREATE TABLE IF NOT EXISTS repositories (
		id          TEXT PRIMARY KEY,
		name        TEXT NOT NULL UNIQUE,
		namespace   TEXT NOT NULL,
		summary     TEXT NOT NULL,
		description TEXT NOT NULL,
		private     INTEGER NOT NULL,
		created_at  INTEGER NOT NULL,
		updated_at  INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS repositories_namespace ON repositories (namespace, name)`,
	`CREATE TABLE IF NOT EXISTS stars (
		user_id    TEXT NOT NULL,
		product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (user_id, product_id)
	) STRICT;
	CREATE INDEX IF NOT EXISTS stars_user_created ON stars (user_id, created_at)`,
}

// Store implements catalog.Store, catalog.StarStore and
// catalog.RepositoryStore on SQLite.
type Store struct {
	db    *sql.DB
	clock starClock
}

var _ catalog.Store = (*Store)(nil)

// New creates the catalog tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "catalog", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// PutProduct inserts p, or replaces the product with p's slug while keeping
// its ID, CreatedAt, Stars and Pulls, in one transaction. An empty ID on
// insert is filled in; repeated repositories are stored once.
func (s *Store) PutProduct(ctx context.Context, p catalog.Product) (catalog.Product, error) {
	p.Repositories = storecodec.Distinct(p.Repositories)
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		if p, err = upsertProduct(ctx, tx, p); err != nil {
			return err
		}
		return replaceRepositories(ctx, tx, p.ID, p.Repositories)
	})
	if err != nil {
		return catalog.Product{}, fmt.Errorf("putting product %s: %w", p.Slug, err)
	}
	return p, nil
}

// upsertProduct writes p's products row and returns p with the kept fields
// of an existing product.
func upsertProduct(ctx context.Context, tx *sql.Tx, p catalog.Product) (catalog.Product, error) {
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT id, created_at, stars, pulls FROM products WHERE slug = ?`,
		p.Slug).Scan(&p.ID, &created, &p.Stars, &p.Pulls)
	if errors.Is(err, sql.ErrNoRows) {
		return insertProduct(ctx, tx, p)
	}
	if err != nil {
		return p, err
	}
	p.CreatedAt = storecodec.ParseTime(created)
	row, err := encode(p)
	if err != nil {
		return p, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE products SET name = ?, publisher = ?, kind = ?,
		badge = ?, summary = ?, description = ?, categories = ?, tiers = ?, updated_at = ?
		WHERE id = ?`,
		p.Name, p.Publisher, p.Kind, p.Badge, p.Summary, p.Description,
		row.categories, row.tiers, row.updatedAt, p.ID)
	return p, err
}

// insertProduct inserts p as a new product.
func insertProduct(ctx context.Context, tx *sql.Tx, p catalog.Product) (catalog.Product, error) {
	if p.ID == "" {
		p.ID = secret.ID()
	}
	row, err := encode(p)
	if err != nil {
		return p, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO products (id, slug, name, publisher, kind,
		badge, summary, description, categories, tiers, stars, pulls, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Slug, p.Name, p.Publisher, p.Kind, p.Badge, p.Summary, p.Description,
		row.categories, row.tiers, p.Stars, p.Pulls, row.createdAt, row.updatedAt)
	if column, ok := sqldb.UniqueViolation(err); ok {
		return p, fmt.Errorf("duplicate %s %q: %w", column, p.ID, err)
	}
	return p, err
}

// replaceRepositories makes repos, in order, the repositories of product id.
func replaceRepositories(ctx context.Context, tx *sql.Tx, id string, repos []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_repositories WHERE product_id = ?`, id); err != nil {
		return err
	}
	for i, r := range repos {
		_, err := tx.ExecContext(ctx, `INSERT INTO product_repositories
			(repository, product_id, position) VALUES (?, ?, ?)`, r, id, i)
		if _, ok := sqldb.UniqueViolation(err); ok {
			return fmt.Errorf("repository %s: %w", r, catalog.ErrRepositoryTaken)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
