// Package account owns the people who use Berth and what they act through:
// users, sessions, personal access tokens, organisations with their members
// and teams, and the registry namespaces users and organisations own.
package account

import (
	"context"
	"errors"
	"time"
)

// User is a person with a Berth account. PasswordHash is a PHC-encoded argon2id
// hash; the password itself is never stored. Usernames are lower-case and
// are also the user's registry namespace.
type User struct {
	ID           string
	Username     string
	Email        string
	PasswordHash string
	Admin        bool
	Disabled     bool
	// DefaultPrivate makes new repositories private; public unless changed,
	// as on Docker Hub.
	DefaultPrivate bool
	CreatedAt      time.Time
	// PasswordChangedAt is when the password last changed (zero: never).
	PasswordChangedAt time.Time
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrNotFound means no user, session, token or organisation matched.
	ErrNotFound = errors.New("not found")
	// ErrUsernameTaken means another account already uses that username.
	ErrUsernameTaken = errors.New("username is already taken")
	// ErrNamespaceTaken means a user, organisation or publisher already owns
	// the name.
	ErrNamespaceTaken = errors.New("that name is already taken")
	// ErrNameReserved means the name is Berth's own (a path, a registry
	// convention such as "library"): nobody may have it.
	ErrNameReserved = errors.New("that name is reserved by Berth; choose another")
	// ErrBadCredentials means the username or password is wrong, or the account
	// is disabled; the message deliberately does not say which.
	ErrBadCredentials = errors.New("incorrect username or password")
	// ErrStale means a record changed since it was read; read it again.
	ErrStale = errors.New("changed by someone else; try again")
	// ErrForbidden means the caller may not do that.
	ErrForbidden = errors.New("you do not have permission to do that")
	// ErrLastOwner means the change would leave an organisation without an owner.
	ErrLastOwner = errors.New("an organisation must keep at least one owner: make another member an owner first, or delete the organisation")
)

// InvalidError reports input that fails validation; Field names the offending field.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

// Page selects a slice of a listing.
type Page struct {
	Limit  int // 0: no limit
	Offset int
}

// Store persists users. Implementations live in sqlitestore and mongostore and
// pass the shared suite in storetest. Email addresses are not unique: a
// unique email would let anyone find out who has an account.
type Store interface {
	// CreateUser inserts u; a duplicate username yields ErrUsernameTaken.
	CreateUser(ctx context.Context, u User) error
	// UserByID returns the user with that ID or ErrNotFound.
	UserByID(ctx context.Context, id string) (User, error)
	// UserByUsername returns the user with that (lower-case) username or ErrNotFound.
	UserByUsername(ctx context.Context, username string) (User, error)
	// UpdateUser replaces the mutable fields of the user with u.ID (email,
	// password hash and its time, admin, disabled, default visibility), or
	// returns ErrNotFound.
	UpdateUser(ctx context.Context, u User) error
	// ListUsers returns users ordered by username.
	ListUsers(ctx context.Context, p Page) ([]User, error)
	// DeleteUser removes the user, or returns ErrNotFound.
	DeleteUser(ctx context.Context, id string) error
}

// NamespaceKind says who owns a registry namespace.
type NamespaceKind string

// Namespace owners.
const (
	NamespaceUser NamespaceKind = "user"
	NamespaceOrg  NamespaceKind = "org"
)

// Namespace is a claimed registry namespace: the first path component of a
// repository name. Users and organisations share one space of names.
type Namespace struct {
	Name    string
	Kind    NamespaceKind
	OwnerID string
}

// NamespaceStore records who owns each namespace. A claim is a single
// insert on a unique name, the unit of consistency that keeps two accounts
// from ever owning one namespace.
type NamespaceStore interface {
	// ClaimNamespace records n, or returns ErrNamespaceTaken.
	ClaimNamespace(ctx context.Context, n Namespace) error
	// Namespace returns the claim on name, or ErrNotFound.
	Namespace(ctx context.Context, name string) (Namespace, error)
	// ReleaseNamespace removes the claim on name; releasing an absent claim is not an error.
	ReleaseNamespace(ctx context.Context, name string) error
}
