package licensing

import (
	"context"
	"time"
)

// CredentialKind names what a refresh token was exchanged for.
type CredentialKind string

// Credential kinds a refresh token can come from.
const (
	CredentialPassword CredentialKind = "password"
	CredentialToken    CredentialKind = "access-token" // a personal access token
	CredentialLicense  CredentialKind = "license"
)

// RefreshToken is a long-lived registry credential handed out for
// offline access (docker login keeps one instead of the password). It is
// reusable until revoked and dies with the credential it came from: a
// password changed after CreatedAt, a revoked access token, an inactive
// license. Only its hash is stored.
type RefreshToken struct {
	ID         string
	TokenHash  string
	Hint       string
	Kind       CredentialKind
	UserID     string // the account, for password and access-token kinds
	Credential string // the access token's or the license's ID
	ClientID   string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// RefreshStore persists refresh tokens. Implementations live in
// sqlitestore and mongostore and pass the shared suite in storetest.
type RefreshStore interface {
	// CreateRefreshToken inserts t; a duplicate ID or hash yields ErrConflict.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenByHash returns the token whose secret hashes to h, or ErrNotFound.
	RefreshTokenByHash(ctx context.Context, h string) (RefreshToken, error)
	// RefreshTokensByUser returns the user's refresh tokens, newest first.
	RefreshTokensByUser(ctx context.Context, userID string) ([]RefreshToken, error)
	// TouchRefreshToken records a use, never moving the time backwards, or returns ErrNotFound.
	TouchRefreshToken(ctx context.Context, id string, at time.Time) error
	// DeleteRefreshToken removes one of the user's refresh tokens, or returns ErrNotFound.
	DeleteRefreshToken(ctx context.Context, userID, id string) error
	// DeleteRefreshTokensByCredential removes every refresh token that came
	// from a credential (an access token's or license's ID) and returns how many.
	DeleteRefreshTokensByCredential(ctx context.Context, credential string) (int, error)
	// DeleteUserRefreshTokens removes every refresh token of the user.
	DeleteUserRefreshTokens(ctx context.Context, userID string) error
}
