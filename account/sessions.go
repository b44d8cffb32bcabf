package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/secret"
)

// SessionPrefix starts every session cookie value.
const SessionPrefix = "berth_sess_"

// touchEvery limits how often a session's last-seen time is written.
const touchEvery = time.Minute

// Client describes where a sign-in comes from, for the sessions list.
type Client struct {
	UserAgent string
	Address   string
}

// SignIn checks the credentials and opens a new session. The token exists
// only in the returned value (the cookie); a new one is made at every
// sign-in, so a session identifier planted before sign-in is worthless.
func (s *Service) SignIn(ctx context.Context, username, password string, c Client) (Session, string, error) {
	u, err := s.Authenticate(ctx, username, password)
	if err != nil {
		return Session{}, "", err
	}
	return s.StartSession(ctx, u, c)
}

// StartSession opens a new session for u, whom another authority (the
// company directory, an OpenID Connect provider) has just authenticated.
// The account is read again, and a disabled one gets none.
func (s *Service) StartSession(ctx context.Context, u User, c Client) (Session, string, error) {
	u, err := s.st.Users.UserByID(ctx, u.ID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Disabled) {
		return Session{}, "", ErrBadCredentials
	} else if err != nil {
		return Session{}, "", err
	}
	token := secret.Token(SessionPrefix)
	now := s.now().UTC()
	sess := Session{
		ID: secret.ID(), TokenHash: secret.Hash(token), UserID: u.ID, Context: u.Username,
		UserAgent: truncate(c.UserAgent, 200), Address: truncate(c.Address, 64),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.opts.SessionMaximum),
	}
	if err := s.st.Sessions.CreateSession(ctx, sess); err != nil {
		return Session{}, "", fmt.Errorf("opening session: %w", err)
	}
	return sess, token, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Session returns the live session a cookie token names and its user. An
// unknown, expired or idle session, or a disabled user, is ErrNotFound.
func (s *Service) Session(ctx context.Context, token string) (Session, User, error) {
	sess, err := s.st.Sessions.SessionByTokenHash(ctx, secret.Hash(token))
	if err != nil {
		return Session{}, User{}, err
	}
	now := s.now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.opts.SessionIdle {
		_ = s.st.Sessions.DeleteSession(ctx, sess.UserID, sess.ID)
		return Session{}, User{}, ErrNotFound
	}
	u, err := s.st.Users.UserByID(ctx, sess.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Disabled) {
		return Session{}, User{}, ErrNotFound
	} else if err != nil {
		return Session{}, User{}, err
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		if err := s.st.Sessions.TouchSession(ctx, sess.ID, now.UTC()); err != nil {
			return Session{}, User{}, fmt.Errorf("touching session: %w", err)
		}
		sess.LastSeenAt = now.UTC()
	}
	return sess, u, nil
}

// SignOut ends the session a cookie token names.
func (s *Service) SignOut(ctx context.Context, token string) error {
	sess, err := s.st.Sessions.SessionByTokenHash(ctx, secret.Hash(token))
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return s.st.Sessions.DeleteSession(ctx, sess.UserID, sess.ID)
}

// Sessions lists the user's sessions.
func (s *Service) Sessions(ctx context.Context, userID string) ([]Session, error) {
	return s.st.Sessions.SessionsByUser(ctx, userID)
}

// EndSession signs out one of the user's sessions.
func (s *Service) EndSession(ctx context.Context, userID, id string) error {
	return s.st.Sessions.DeleteSession(ctx, userID, id)
}

// EndOtherSessions signs the user out everywhere but keep ("" for everywhere).
func (s *Service) EndOtherSessions(ctx context.Context, userID, keep string) (int, error) {
	return s.st.Sessions.DeleteUserSessions(ctx, userID, keep)
}

// SwitchContext makes the session act for the user's own account or for one
// of their organisations.
func (s *Service) SwitchContext(ctx context.Context, sess Session, u User, name string) error {
	if name != u.Username {
		o, err := s.st.Orgs.OrgByName(ctx, name)
		if errors.Is(err, ErrNotFound) || (err == nil && o.Role(u.ID) == "") {
			return ErrForbidden
		} else if err != nil {
			return err
		}
	}
	return s.st.Sessions.SetSessionContext(ctx, sess.ID, name)
}
