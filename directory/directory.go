// Package directory signs people in through their company directory (LDAP
// or Active Directory today, OpenID Connect later), creates their Berth
// account just in time, and keeps their organisation and team memberships in
// step with the directory's groups. The directory stays the truth: a person
// removed from a group loses the team at the next sign-in or sync, and a
// person disabled or deleted there loses Berth at the next token.
package directory

import (
	"context"
	"errors"
	"time"
)

// Identity is a person as a directory reports them. ID is stable across
// renames (entryUUID, objectGUID, or the DN when the directory has neither),
// and is what links the person to a Berth account.
type Identity struct {
	Provider    string
	ID          string
	DN          string
	Username    string
	Email       string
	DisplayName string
	// Groups are the names of the directory groups the person is in.
	Groups []string
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrBadCredentials means the directory refused the username and
	// password, or the account is disabled there; it matches
	// account.ErrBadCredentials's wording on purpose.
	ErrBadCredentials = errors.New("incorrect username or password")
	// ErrNotFound means no link or mapping matched.
	ErrNotFound = errors.New("not found")
	// ErrGone means the directory no longer has the person, or has
	// disabled them.
	ErrGone = errors.New("the directory no longer has that account, or has disabled it")
	// ErrAmbiguous means the user filter matched more than one entry: the
	// configuration is wrong, and guessing which person signs in is not
	// safe.
	ErrAmbiguous = errors.New("the directory has several accounts for that username; fix the user filter")
	// ErrLinked means the directory identity, or the Berth account, is
	// already linked.
	ErrLinked = errors.New("already linked to a directory account")
	// ErrUnavailable means the directory could not be reached or did not
	// answer in time.
	ErrUnavailable = errors.New("the directory is unavailable")
	// ErrLocalDisabled means local passwords are switched off and the
	// account is not an admin's.
	ErrLocalDisabled = errors.New("sign in with your directory account: local passwords are switched off")
)

// ClashError refuses a first directory sign-in whose username already
// belongs to a local Berth account: linking them silently would let
// whoever controls that directory name take the local account over.
type ClashError struct{ Username string }

func (e *ClashError) Error() string {
	return "a Berth account called " + e.Username + " already exists and is not linked to the directory; " +
		"an admin must link it before you can sign in with the directory"
}

// InvalidError reports input (a mapping, a configuration) that fails
// validation; Field names the offending field.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

// Link ties one Berth account to one directory identity of a provider.
// Disabled is set when the directory no longer has the person or has
// disabled them; the Berth account is disabled with it.
type Link struct {
	Provider   string
	ExternalID string
	UserID     string
	DN         string
	Username   string // the directory's username, which may differ from Berth's
	Groups     []string
	Disabled   bool
	CreatedAt  time.Time
	SyncedAt   time.Time
}

// Mapping says that members of a directory group belong to an organisation
// with a role and, when Team is set, to one of its teams.
type Mapping struct {
	ID       string
	Provider string
	Group    string
	Org      string
	Team     string // "" for organisation membership only
	Role     string // account.Role: owner, admin or member
}

// Store persists links and group mappings. Implementations live in
// sqlitestore and mongostore and pass the shared suite in storetest.
type Store interface {
	// CreateLink inserts l; an identity (provider, external ID) or an
	// account (provider, user ID) already linked yields ErrLinked.
	CreateLink(ctx context.Context, l Link) error
	// LinkByExternalID returns the link of an identity, or ErrNotFound.
	LinkByExternalID(ctx context.Context, provider, externalID string) (Link, error)
	// LinkByUser returns the account's link for provider, or ErrNotFound.
	LinkByUser(ctx context.Context, provider, userID string) (Link, error)
	// UpdateLink replaces DN, username, groups, disabled and synced time of
	// the link of (l.Provider, l.ExternalID), or returns ErrNotFound.
	UpdateLink(ctx context.Context, l Link) error
	// Links returns up to limit links of provider with a user ID after
	// afterUserID, ordered by user ID: the paging of a periodic sync.
	Links(ctx context.Context, provider, afterUserID string, limit int) ([]Link, error)
	// DeleteLink removes the account's link for provider, or returns ErrNotFound.
	DeleteLink(ctx context.Context, provider, userID string) error

	// PutMapping inserts m; a mapping with the same (provider, group, org,
	// team) yields ErrDuplicateMapping.
	PutMapping(ctx context.Context, m Mapping) error
	// Mappings returns provider's mappings ordered by group, org, team.
	Mappings(ctx context.Context, provider string) ([]Mapping, error)
	// DeleteMapping removes the mapping with id, or returns ErrNotFound.
	DeleteMapping(ctx context.Context, id string) error
}

// ErrDuplicateMapping means the same group already maps to that
// organisation and team.
var ErrDuplicateMapping = errors.New("that group already maps to that organisation and team")
