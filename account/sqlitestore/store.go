// Package sqlitestore keeps accounts in the embedded SQLite database.
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
}

// Store implements account.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ account.Store = (*Store)(nil)

// New creates the account tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "account", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// CreateUser inserts u with its username lower-cased.
func (s *Store) CreateUser(ctx context.Context, u account.User) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO users
		(id, username, email, password_hash, admin, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, strings.ToLower(u.Username), u.Email, u.PasswordHash,
		u.Admin, u.Disabled, storecodec.Time(u.CreatedAt))
	if column, ok := sqldb.UniqueViolation(err); ok {
		return s.conflict(ctx, u.Username, column, err)
	}
	if err != nil {
		return fmt.Errorf("inserting user: %w", err)
	}
	return nil
}

// conflict names what a unique violation was about. SQLite reports the first
// index it checked; when both the username and the email are taken the
// username is reported, as in the MongoDB store.
func (s *Store) conflict(ctx context.Context, username, column string, violation error) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM users WHERE username = ?`, strings.ToLower(username)).Scan(&one)
	switch {
	case err == nil:
		return account.ErrUsernameTaken
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("checking username after a unique violation: %w", err)
	case column == "users.email":
		return account.ErrEmailTaken
	}
	return fmt.Errorf("duplicate %s: %w", column, violation)
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
	var (
		u       account.User
		created int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, username, email, password_hash,
		admin, disabled, created_at FROM users WHERE `+column+` = ?`, value).
		Scan(&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.Admin, &u.Disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return account.User{}, fmt.Errorf("user %s %q: %w", column, value, account.ErrNotFound)
	}
	if err != nil {
		return account.User{}, fmt.Errorf("reading user %s %q: %w", column, value, err)
	}
	u.CreatedAt = storecodec.ParseTime(created)
	return u, nil
}
