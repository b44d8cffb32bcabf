// Package sqlitestore keeps the catalog in the embedded SQLite database.
// Products own their repositories through product_repositories, whose primary
// key makes a repository belong to at most one product; users' and
// organisations' own repositories live in the repositories table, searched
// through the FTS5 table repository_search (see community.go). Explore
// filters through denormalised product columns and the side tables
// product_categories and product_platforms, and Search through the FTS5
// table product_search (see explore.go and search.go), neither holding
// hidden listings (see status.go); tags and their daily
// pull counts live in tags, tag_digests and tag_pulls (see tags.go).
package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
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
	exploreSchema,
	tagSchema,
	statusSchema,
	pluginSchema,
	facetSchema,
	communitySchema,
}

// Store implements catalog.Store, catalog.StarStore,
// catalog.RepositoryStore and catalog.TagStore on SQLite.
type Store struct {
	db    *sql.DB
	clock starClock
	// trigrams remembers how many products hold each search trigram
	// (see trigramCache), repoTrigrams how many repositories do.
	trigrams     trigramCache
	repoTrigrams trigramCache
}

var _ catalog.Store = (*Store)(nil)

// New creates the catalog tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "catalog", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}
