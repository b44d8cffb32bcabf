// Package sqlitestore keeps directory links and group mappings in the
// embedded SQLite database.
package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// schema is the directory domain's migration steps; append, never edit.
//
// A link is keyed (provider, external_id) and unique on (provider,
// user_id): one account has at most one identity per provider, and one
// identity one account, each enforced by a single insert.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS directory_links (
		provider    TEXT NOT NULL,
		external_id TEXT NOT NULL,
		user_id     TEXT NOT NULL,
		dn          TEXT NOT NULL,
		username    TEXT NOT NULL,
		groups      TEXT NOT NULL,
		disabled    INTEGER NOT NULL,
		created_at  INTEGER NOT NULL,
		synced_at   INTEGER NOT NULL,
		PRIMARY KEY (provider, external_id)
	) STRICT, WITHOUT ROWID;
	CREATE UNIQUE INDEX IF NOT EXISTS directory_links_user ON directory_links (provider, user_id);
	CREATE TABLE IF NOT EXISTS directory_mappings (
		id       TEXT PRIMARY KEY,
		provider TEXT NOT NULL,
		grp      TEXT NOT NULL,
		org      TEXT NOT NULL,
		team     TEXT NOT NULL,
		role     TEXT NOT NULL
	) STRICT;
	CREATE UNIQUE INDEX IF NOT EXISTS directory_mappings_key ON directory_mappings (provider, grp, org, team)`,
}

// Store implements directory.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ directory.Store = (*Store)(nil)

// New creates the directory tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "directory", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

const linkColumns = `provider, external_id, user_id, dn, username, groups, disabled, created_at, synced_at`

// CreateLink inserts l in one statement; either unique key yields ErrLinked.
func (s *Store) CreateLink(ctx context.Context, l directory.Link) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO directory_links (`+linkColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.Provider, l.ExternalID, l.UserID, l.DN, l.Username, sqldb.Strings(l.Groups), l.Disabled,
		storecodec.Time(l.CreatedAt), storecodec.Time(l.SyncedAt))
	if _, dup := sqldb.UniqueViolation(err); dup {
		return fmt.Errorf("linking %s identity %s: %w", l.Provider, l.ExternalID, directory.ErrLinked)
	} else if err != nil {
		return fmt.Errorf("linking %s identity %s: %w", l.Provider, l.ExternalID, err)
	}
	return nil
}

// LinkByExternalID returns the link of an identity, or ErrNotFound.
func (s *Store) LinkByExternalID(ctx context.Context, provider, externalID string) (directory.Link, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("%s identity %q", provider, externalID), directory.ErrNotFound, scanLink,
		`SELECT `+linkColumns+` FROM directory_links WHERE provider = ? AND external_id = ?`, provider, externalID)
}

// LinkByUser returns the account's link for provider, or ErrNotFound.
func (s *Store) LinkByUser(ctx context.Context, provider, userID string) (directory.Link, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("%s link of user %q", provider, userID), directory.ErrNotFound, scanLink,
		`SELECT `+linkColumns+` FROM directory_links WHERE provider = ? AND user_id = ?`, provider, userID)
}

// UpdateLink replaces the link's mutable fields in one statement.
func (s *Store) UpdateLink(ctx context.Context, l directory.Link) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE directory_links SET dn = ?, username = ?, groups = ?, disabled = ?, synced_at = ?
		WHERE provider = ? AND external_id = ?`, l.DN, l.Username, sqldb.Strings(l.Groups), l.Disabled,
		storecodec.Time(l.SyncedAt), l.Provider, l.ExternalID)
	if err := sqldb.ChangedOne(res, err, directory.ErrNotFound); err != nil {
		return fmt.Errorf("updating %s identity %s: %w", l.Provider, l.ExternalID, err)
	}
	return nil
}

// Links returns a page of provider's links ordered by user ID.
func (s *Store) Links(ctx context.Context, provider, afterUserID string, limit int) ([]directory.Link, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanLink, `SELECT `+linkColumns+` FROM directory_links
		WHERE provider = ? AND user_id > ? ORDER BY user_id LIMIT ?`, provider, afterUserID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing %s links: %w", provider, err)
	}
	return out, nil
}

// DeleteLink removes the account's link for provider.
func (s *Store) DeleteLink(ctx context.Context, provider, userID string) error {
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM directory_links WHERE provider = ? AND user_id = ?`, provider, userID)
	if err := sqldb.ChangedOne(res, err, directory.ErrNotFound); err != nil {
		return fmt.Errorf("unlinking user %s from %s: %w", userID, provider, err)
	}
	return nil
}

func scanLink(sc sqldb.Scanner) (directory.Link, error) {
	var (
		l               directory.Link
		groups          string
		created, synced int64
	)
	if err := sc.Scan(&l.Provider, &l.ExternalID, &l.UserID, &l.DN, &l.Username, &groups, &l.Disabled, &created, &synced); err != nil {
		return directory.Link{}, err
	}
	var err error
	if l.Groups, err = sqldb.ParseStrings(groups); err != nil {
		return directory.Link{}, fmt.Errorf("groups of %s identity %s: %w", l.Provider, l.ExternalID, err)
	}
	l.Groups = storecodec.NilIfEmpty(l.Groups)
	l.CreatedAt, l.SyncedAt = storecodec.ParseTime(created), storecodec.ParseTime(synced)
	return l, nil
}

// PutMapping inserts m; the same (provider, group, org, team) yields
// ErrDuplicateMapping.
func (s *Store) PutMapping(ctx context.Context, m directory.Mapping) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO directory_mappings (id, provider, grp, org, team, role) VALUES (?, ?, ?, ?, ?, ?)`,
		m.ID, m.Provider, m.Group, m.Org, m.Team, m.Role)
	if column, dup := sqldb.UniqueViolation(err); dup && column != "directory_mappings.id" {
		return fmt.Errorf("mapping %s to %s/%s: %w", m.Group, m.Org, m.Team, directory.ErrDuplicateMapping)
	} else if err != nil {
		return fmt.Errorf("mapping %s to %s/%s: %w", m.Group, m.Org, m.Team, err)
	}
	return nil
}

// Mappings returns provider's mappings ordered by group, org, team.
func (s *Store) Mappings(ctx context.Context, provider string) ([]directory.Mapping, error) {
	out, err := sqldb.QueryAll(ctx, s.db, func(sc sqldb.Scanner) (directory.Mapping, error) {
		var m directory.Mapping
		err := sc.Scan(&m.ID, &m.Provider, &m.Group, &m.Org, &m.Team, &m.Role)
		return m, err
	}, `SELECT id, provider, grp, org, team, role FROM directory_mappings WHERE provider = ? ORDER BY grp, org, team`, provider)
	if err != nil {
		return nil, fmt.Errorf("listing %s mappings: %w", provider, err)
	}
	return out, nil
}

// DeleteMapping removes the mapping with id.
func (s *Store) DeleteMapping(ctx context.Context, id string) error {
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM directory_mappings WHERE id = ?`, id)
	if err := sqldb.ChangedOne(res, err, directory.ErrNotFound); err != nil {
		return fmt.Errorf("deleting mapping %s: %w", id, err)
	}
	return nil
}
