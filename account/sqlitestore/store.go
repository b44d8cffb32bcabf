// Package sqlitestore keeps accounts in the embedded SQLite database: users,
// namespace claims, sessions, personal access tokens and organisations. An
// organisation is one row, its members and teams JSON columns, with its
// member IDs repeated in org_members (written in the same transaction) so
// that OrgsByMember is an indexed lookup.
package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
)

// schema is the account domain's migration steps; append, never edit.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS users (
		id            TEXT PRIMARY KEY,
		username      TEXT NOT NULL UNIQUE,
		email         TEXT NOT NULL UNIQUE,
		password_hash TEXT NOT NULL,
		admin         INTEGER NOT NULL,
		disabled      INTEGER NOT NULL,
		created_at    INTEGER NOT NULL
	) STRICT`,
	// Email addresses stop being unique: SQLite cannot drop a constraint, so
	// the table is rebuilt, gaining the columns the user settings need.
	`CREATE TABLE users_new (
		id                  TEXT PRIMARY KEY,
		username            TEXT NOT NULL UNIQUE,
		email               TEXT NOT NULL,
		password_hash       TEXT NOT NULL,
		admin               INTEGER NOT NULL,
		disabled            INTEGER NOT NULL,
		default_private     INTEGER NOT NULL DEFAULT 0,
		created_at          INTEGER NOT NULL,
		password_changed_at INTEGER NOT NULL DEFAULT 0
	) STRICT;
	INSERT INTO users_new (id, username, email, password_hash, admin, disabled, created_at)
		SELECT id, username, email, password_hash, admin, disabled, created_at FROM users;
	DROP TABLE users;
	ALTER TABLE users_new RENAME TO users`,
	`CREATE TABLE IF NOT EXISTS namespaces (
		name     TEXT PRIMARY KEY,
		kind     TEXT NOT NULL,
		owner_id TEXT NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS sessions (
		id           TEXT PRIMARY KEY,
		token_hash   TEXT NOT NULL UNIQUE,
		user_id      TEXT NOT NULL,
		context      TEXT NOT NULL,
		user_agent   TEXT NOT NULL,
		address      TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		last_seen_at INTEGER NOT NULL,
		expires_at   INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id, last_seen_at DESC);
	CREATE TABLE IF NOT EXISTS access_tokens (
		id           TEXT PRIMARY KEY,
		user_id      TEXT NOT NULL,
		name         TEXT NOT NULL,
		token_hash   TEXT NOT NULL UNIQUE,
		hint         TEXT NOT NULL,
		access       TEXT NOT NULL,
		resources    TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		expires_at   INTEGER NOT NULL,
		last_used_at INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS access_tokens_user ON access_tokens (user_id, created_at DESC);
	CREATE TABLE IF NOT EXISTS orgs (
		id           TEXT PRIMARY KEY,
		name         TEXT NOT NULL UNIQUE,
		display_name TEXT NOT NULL,
		members      TEXT NOT NULL,
		teams        TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		version      INTEGER NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS org_members (
		org_id  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
		user_id TEXT NOT NULL,
		PRIMARY KEY (org_id, user_id)
	) STRICT;
	CREATE INDEX IF NOT EXISTS org_members_user ON org_members (user_id)`,
	// The sweep deletes expired and idle sessions and expired tokens; only
	// tokens that expire at all (expires_at != 0) are indexed.
	`CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires_at);
	CREATE INDEX IF NOT EXISTS sessions_last_seen ON sessions (last_seen_at);
	CREATE INDEX IF NOT EXISTS access_tokens_expires ON access_tokens (expires_at) WHERE expires_at != 0`,
}

// Store implements the account domain's stores on SQLite.
type Store struct {
	db *sql.DB
}

var (
	_ account.Store          = (*Store)(nil)
	_ account.NamespaceStore = (*Store)(nil)
	_ account.SessionStore   = (*Store)(nil)
	_ account.TokenStore     = (*Store)(nil)
	_ account.OrgStore       = (*Store)(nil)
)

// New creates or migrates the account tables and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "account", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// queryPage returns page p of the rows query selects, as scan reads them;
// query ends with its ORDER BY. A LIMIT of -1 is SQLite's "no limit".
func queryPage[T any](ctx context.Context, db *sql.DB, scan func(sqldb.Scanner) (T, error), query string, p account.Page) ([]T, error) {
	n := int64(-1)
	if p.Limit > 0 {
		n = int64(p.Limit)
	}
	return sqldb.QueryAll(ctx, db, scan, query+` LIMIT ? OFFSET ?`, n, int64(max(p.Offset, 0)))
}

// changedOne is sqldb.ChangedOne with this domain's not-found error.
func changedOne(res sql.Result, err error) error {
	return sqldb.ChangedOne(res, err, account.ErrNotFound)
}
