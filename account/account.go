// Package account owns the people who use Berth: users, their credentials and,
// later, organisations, sessions and personal access tokens.
package account

import (
	"context"
	"errors"
	"time"
)

// User is a person with a Berth account. PasswordHash is a PHC-encoded argon2id
// hash; the password itself is never stored.
type User struct {
	ID           string
	Username     string
	Email        string
	PasswordHash string
	Admin        bool
	Disabled     bool
	CreatedAt    time.Time
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrNotFound means no user matched.
	ErrNotFound = errors.New("user not found")
	// ErrUsernameTaken means another account already uses that username.
	ErrUsernameTaken = errors.New("username is already taken")
	// ErrEmailTaken means another account already uses that email address.
	ErrEmailTaken = errors.New("email address is already registered")
	// ErrBadCredentials means the username or password is wrong, or the account
	// is disabled; the message deliberately does not say which.
	ErrBadCredentials = errors.New("incorrect username or password")
)

// InvalidError reports input that fails validation; Field names the offending field.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

// Store persists users. Implementations live in sqlitestore and mongostore and
// pass the shared suite in accounttest.
type Store interface {
	// CreateUser inserts u; a duplicate username yields ErrUsernameTaken, a
	// duplicate email ErrEmailTaken.
	CreateUser(ctx context.Context, u User) error
	// UserByID returns the user with that ID or ErrNotFound.
	UserByID(ctx context.Context, id string) (User, error)
	// UserByUsername returns the user with that (lower-case) username or ErrNotFound.
	UserByUsername(ctx context.Context, username string) (User, error)
}
