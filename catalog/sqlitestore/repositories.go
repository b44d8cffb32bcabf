package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

var _ catalog.RepositoryStore = (*Store)(nil)

// selectRepositories reads every repositories column in scanRepository's
// order.
const selectRepositories = `SELECT ` + repositoryColumns + ` FROM repositories r`

// repositoryColumns are the repositories columns scanRepository reads; the
// table is r.
const repositoryColumns = `r.id, r.name, r.namespace, r.summary, r.description, r.private,
	r.created_at, r.updated_at, r.pulls, r.stars, r.pushed_at`

// insertRepository inserts one repository; the insert trigger indexes it
// for search (see communitySchema).
const insertRepository = `INSERT INTO repositories (id, name, namespace, summary,
	description, private, created_at, updated_at, pulls, stars, pushed_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// repositoryRow returns the arguments of insertRepository for r, with an
// empty ID filled in and the name and namespace lower-cased.
func repositoryRow(r *catalog.Repository) []any {
	if r.ID == "" {
		r.ID = secret.ID()
	}
	r.Name, r.Namespace = strings.ToLower(r.Name), strings.ToLower(r.Namespace)
	return []any{r.ID, r.Name, r.Namespace, r.Summary, r.Description, r.Private,
		storecodec.Time(r.CreatedAt), storecodec.Time(r.UpdatedAt), r.Pulls, r.Stars, storecodec.Time(r.PushedAt)}
}

// CreateRepository inserts r with its name and namespace lower-cased, or
// returns catalog.ErrRepositoryExists. An empty ID is filled in.
func (s *Store) CreateRepository(ctx context.Context, r catalog.Repository) error {
	_, err := sqldb.Exec(ctx, s.db, insertRepository, repositoryRow(&r)...)
	if column, ok := sqldb.UniqueViolation(err); ok {
		return s.repositoryConflict(ctx, r.Name, column, err)
	}
	if err != nil {
		return fmt.Errorf("inserting repository %s: %w", r.Name, err)
	}
	return nil
}

// repositoryConflict names what a unique violation inserting repository name
// was about. SQLite reports the first index it checked, the primary key when
// both the ID and the name are taken, so the name is asked about first, as in
// the MongoDB store.
func (s *Store) repositoryConflict(ctx context.Context, name, column string, violation error) error {
	var one int
	err := sqldb.QueryRow(ctx, s.db, `SELECT 1 FROM repositories WHERE name = ?`, name).Scan(&one)
	switch {
	case err == nil:
		return fmt.Errorf("repository %s: %w", name, catalog.ErrRepositoryExists)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("checking repository %s after a unique violation: %w", name, err)
	}
	return fmt.Errorf("inserting repository %s: duplicate %s: %w", name, column, violation)
}

// RepositoryByName returns the repository with that name, compared
// lower-cased, or catalog.ErrNotFound.
func (s *Store) RepositoryByName(ctx context.Context, name string) (catalog.Repository, error) {
	name = strings.ToLower(name)
	r, err := scanRepository(sqldb.QueryRow(ctx, s.db, selectRepositories+` WHERE r.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Repository{}, fmt.Errorf("repository %s: %w", name, catalog.ErrNotFound)
	}
	if err != nil {
		return catalog.Repository{}, fmt.Errorf("reading repository %s: %w", name, err)
	}
	return r, nil
}

// RepositoriesByNamespace returns the repositories of namespace, compared
// lower-cased, by name; private ones only when includePrivate is set.
func (s *Store) RepositoriesByNamespace(ctx context.Context, namespace string, includePrivate bool) ([]catalog.Repository, error) {
	namespace = strings.ToLower(namespace)
	query := selectRepositories + ` WHERE r.namespace = ?`
	if !includePrivate {
		query += ` AND r.private = 0`
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanRepository, query+` ORDER BY r.name`, namespace)
	if err != nil {
		return nil, fmt.Errorf("listing repositories of %s: %w", namespace, err)
	}
	return out, nil
}

// UpdateRepository replaces the summary, description, visibility and
// UpdatedAt of the repository named r.Name, compared lower-cased, or returns
// catalog.ErrNotFound.
func (s *Store) UpdateRepository(ctx context.Context, r catalog.Repository) error {
	name := strings.ToLower(r.Name)
	res, err := sqldb.Exec(ctx, s.db, `UPDATE repositories SET summary = ?, description = ?,
		private = ?, updated_at = ? WHERE name = ?`,
		r.Summary, r.Description, r.Private, storecodec.Time(r.UpdatedAt), name)
	if err != nil {
		return fmt.Errorf("updating repository %s: %w", name, err)
	}
	return changedOne(res, "updating", name)
}

// DeleteRepository removes the repository with that name, compared
// lower-cased, or returns catalog.ErrNotFound.
func (s *Store) DeleteRepository(ctx context.Context, name string) error {
	name = strings.ToLower(name)
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM repositories WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("deleting repository %s: %w", name, err)
	}
	return changedOne(res, "deleting", name)
}

// DeleteNamespaceRepositories removes every repository of namespace,
// compared lower-cased, and returns how many it removed.
func (s *Store) DeleteNamespaceRepositories(ctx context.Context, namespace string) (int, error) {
	namespace = strings.ToLower(namespace)
	n, err := sqldb.ExecCount(ctx, s.db, `DELETE FROM repositories WHERE namespace = ?`, namespace)
	if err != nil {
		return 0, fmt.Errorf("deleting repositories of %s: %w", namespace, err)
	}
	return n, nil
}

// changedOne returns catalog.ErrNotFound when the statement behind res, doing
// what verb says to repository name, matched no row.
func changedOne(res sql.Result, verb, name string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s repository %s: %w", verb, name, err)
	}
	if n == 0 {
		return fmt.Errorf("repository %s: %w", name, catalog.ErrNotFound)
	}
	return nil
}

// scanRepository reads one row of selectRepositories.
func scanRepository(sc sqldb.Scanner) (catalog.Repository, error) {
	var (
		r                        catalog.Repository
		created, updated, pushed int64
	)
	err := sc.Scan(&r.ID, &r.Name, &r.Namespace, &r.Summary, &r.Description, &r.Private,
		&created, &updated, &r.Pulls, &r.Stars, &pushed)
	if err != nil {
		return catalog.Repository{}, err
	}
	r.CreatedAt = storecodec.ParseTime(created)
	r.UpdatedAt = storecodec.ParseTime(updated)
	r.PushedAt = storecodec.ParseTime(pushed)
	return r, nil
}
