package account

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie holds a random token; only its
// hash is stored. Context is the account the pages act for: the user's own
// name or one of their organisations (the header's account switcher).
type Session struct {
	ID         string // public identifier, for listing and signing out one session
	TokenHash  string
	UserID     string
	Context    string
	UserAgent  string
	Address    string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry
}

// SessionStore persists sessions.
type SessionStore interface {
	// CreateSession inserts s.
	CreateSession(ctx context.Context, s Session) error
	// SessionByTokenHash returns the session whose token hashes to h, or ErrNotFound.
	SessionByTokenHash(ctx context.Context, h string) (Session, error)
	// TouchSession records activity at a time, or returns ErrNotFound. It
	// keeps the later of the stored LastSeenAt and at, so that a request
	// that finishes late never moves LastSeenAt backwards.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// SetSessionContext changes the account a session acts for, or returns ErrNotFound.
	SetSessionContext(ctx context.Context, id, context string) error
	// SessionsByUser returns the user's sessions, most recently seen first.
	SessionsByUser(ctx context.Context, userID string) ([]Session, error)
	// DeleteSession removes one of the user's sessions, or returns ErrNotFound.
	DeleteSession(ctx context.Context, userID, id string) error
	// DeleteUserSessions removes every session of the user but exceptID
	// (empty: all) and returns how many it removed.
	DeleteUserSessions(ctx context.Context, userID, exceptID string) (int, error)
	// DeleteExpiredSessions removes every session whose ExpiresAt is before
	// expiredBefore or whose LastSeenAt is before idleBefore, and returns how
	// many it removed; Berth sweeps with it because FerretDB has no TTL
	// indexes.
	DeleteExpiredSessions(ctx context.Context, expiredBefore, idleBefore time.Time) (int, error)
}
