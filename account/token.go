package account

import (
	"context"
	"strings"
	"time"
)

// TokenAccess is what a personal access token may do in the registry.
type TokenAccess string

// Token access levels.
const (
	TokenRead      TokenAccess = "read"       // pull
	TokenReadWrite TokenAccess = "read-write" // pull and push
	// TokenPush is a publisher's push token: pull and push on its
	// publisher's staging namespaces, and nothing on the API or pages.
	TokenPush TokenAccess = "push"
	// TokenBuild is an automated build's credential (see
	// CreateBuildToken): in the registry, pull what the user pulls and
	// push to its one repository; nothing on the API or pages.
	TokenBuild TokenAccess = "build"
)

// AccessToken is a personal access token: a password for scripts and
// registry clients that can be limited, expired and revoked on its own.
// Only its hash is stored; Hint is its last four characters.
type AccessToken struct {
	ID        string
	UserID    string
	Name      string
	TokenHash string
	Hint      string
	Access    TokenAccess
	// Resources limits the token to these namespaces ("acme") or
	// repositories ("acme/db"); empty means all the user's.
	Resources  []string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never used
}

// TokenStore persists personal access tokens.
type TokenStore interface {
	// CreateToken inserts t.
	CreateToken(ctx context.Context, t AccessToken) error
	// TokenByHash returns the token whose secret hashes to h, or ErrNotFound.
	TokenByHash(ctx context.Context, h string) (AccessToken, error)
	// TokensByUser returns the user's tokens, newest first.
	TokensByUser(ctx context.Context, userID string) ([]AccessToken, error)
	// TouchToken records a use at a time, or returns ErrNotFound. It keeps
	// the later of the stored LastUsedAt and at, so that a use recorded late
	// never moves LastUsedAt backwards.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// DeleteToken removes one of the user's tokens, or returns ErrNotFound.
	DeleteToken(ctx context.Context, userID, id string) error
	// DeleteUserTokens removes every token of the user.
	DeleteUserTokens(ctx context.Context, userID string) error
	// DeleteExpiredTokens removes every token with an ExpiresAt before
	// before (a zero ExpiresAt never expires) and returns how many it
	// removed.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)
}

// Covers reports whether the token's resource limits (none: all the
// user's) include repo.
func (t AccessToken) Covers(repo string) bool {
	if len(t.Resources) == 0 {
		return true
	}
	repo = strings.ToLower(repo)
	for _, r := range t.Resources {
		if repo == r || strings.HasPrefix(repo, r+"/") {
			return true
		}
	}
	return false
}
