package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// userColumns lists the users columns in scanUser's order.
const userColumns = `id, username, email, password_hash, admin, disabled, default_private,
	created_at, password_changed_at`

// CreateUser inserts u with its username lower-cased. Only the username and
// the ID are unique; a taken username yields account.ErrUsernameTaken.
func (s *Store) CreateUser(ctx context.Context, u account.User) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, strings.ToLower(u.Username), u.Email, u.PasswordHash, u.Admin, u.Disabled,
		u.DefaultPrivate, storecodec.Time(u.CreatedAt), storecodec.Time(u.PasswordChangedAt))
	if _, ok := sqldb.UniqueViolation(err); ok {
		return s.conflict(ctx, u.Username, err)
	}
	if err != nil {
		return fmt.Errorf("inserting user: %w", err)
	}
	return nil
}

// conflict names what a unique violation was about. SQLite reports the first
// index it checked; when both the ID and the username are taken the username
// is reported, as in the MongoDB store.
func (s *Store) conflict(ctx context.Context, username string, violation error) error {
	var one int
	err := sqldb.QueryRow(ctx, s.db, `SELECT 1 FROM users WHERE username = ?`, strings.ToLower(username)).Scan(&one)
	switch {
	case err == nil:
		return account.ErrUsernameTaken
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("checking username after a unique violation: %w", err)
	}
	return fmt.Errorf("inserting user: %w", sqldb.NameDuplicate(violation))
}

// UserByID returns the user with that ID or account.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (account.User, error) {
	return s.user(ctx, "id", id)
}

// UserByUsername returns the user with that username, compared lower-cased,
// or account.ErrNotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (account.User, error) {
	return s.user(ctx, "username", strings.ToLower(username))
}

// user returns the user whose column (a trusted name) equals value.
func (s *Store) user(ctx context.Context, column, value string) (account.User, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("user %s %q", column, value), account.ErrNotFound, scanUser,
		`SELECT `+userColumns+` FROM users WHERE `+column+` = ?`, value)
}

// UpdateUser replaces the mutable fields of the user with u.ID; the
// username and CreatedAt stay as they are.
func (s *Store) UpdateUser(ctx context.Context, u account.User) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE users SET email = ?, password_hash = ?,
		password_changed_at = ?, admin = ?, disabled = ?, default_private = ? WHERE id = ?`,
		u.Email, u.PasswordHash, storecodec.Time(u.PasswordChangedAt), u.Admin, u.Disabled,
		u.DefaultPrivate, u.ID)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("updating user %s: %w", u.ID, err)
	}
	return nil
}

// ListUsers returns users ordered by username.
func (s *Store) ListUsers(ctx context.Context, p account.Page) ([]account.User, error) {
	out, err := queryPage(ctx, s.db, scanUser, `SELECT `+userColumns+` FROM users ORDER BY username`, p)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return out, nil
}

// DeleteUser removes the user, or returns account.ErrNotFound. Its sessions,
// tokens, namespace and memberships are the caller's to remove.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM users WHERE id = ?`, id)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("deleting user %s: %w", id, err)
	}
	return nil
}

// scanUser reads one row of userColumns.
func scanUser(sc sqldb.Scanner) (account.User, error) {
	var (
		u                account.User
		created, changed int64
	)
	err := sc.Scan(&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.Admin, &u.Disabled,
		&u.DefaultPrivate, &created, &changed)
	if err != nil {
		return account.User{}, err
	}
	u.CreatedAt, u.PasswordChangedAt = storecodec.ParseTime(created), storecodec.ParseTime(changed)
	return u, nil
}
