package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// sessionColumns lists the sessions columns in scanSession's order.
const sessionColumns = `id, token_hash, user_id, context, user_agent, address,
	created_at, last_seen_at, expires_at`

// CreateSession inserts sess; a duplicate ID or token hash is an error.
func (s *Store) CreateSession(ctx context.Context, sess account.Session) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.TokenHash, sess.UserID, sess.Context, sess.UserAgent, sess.Address,
		storecodec.Time(sess.CreatedAt), storecodec.Time(sess.LastSeenAt), storecodec.Time(sess.ExpiresAt))
	if err != nil {
		return fmt.Errorf("creating session %s: %w", sess.ID, sqldb.NameDuplicate(err))
	}
	return nil
}

// SessionByTokenHash returns the session whose token hashes to h, or
// account.ErrNotFound. The hash stays out of error messages.
func (s *Store) SessionByTokenHash(ctx context.Context, h string) (account.Session, error) {
	return sqldb.QueryOne(ctx, s.db, "session by token", account.ErrNotFound, scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, h)
}

// TouchSession sets the session's LastSeenAt to at unless it is later
// already.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?`,
		storecodec.Time(at), id)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("touching session %s: %w", id, err)
	}
	return nil
}

// SetSessionContext sets the account the session acts for.
func (s *Store) SetSessionContext(ctx context.Context, id, acting string) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE sessions SET context = ? WHERE id = ?`, acting, id)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("setting context of session %s: %w", id, err)
	}
	return nil
}

// SessionsByUser returns the user's sessions, most recently seen first
// (ties by ID, descending).
func (s *Store) SessionsByUser(ctx context.Context, userID string) ([]account.Session, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanSession, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = ? ORDER BY last_seen_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing sessions of %s: %w", userID, err)
	}
	return out, nil
}

// DeleteSession removes the session id if it belongs to userID, or returns
// account.ErrNotFound.
func (s *Store) DeleteSession(ctx context.Context, userID, id string) error {
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, id, userID)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("deleting session %s of %s: %w", id, userID, err)
	}
	return nil
}

// DeleteUserSessions removes every session of the user but exceptID and
// returns how many it removed.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, exceptID string) (int, error) {
	n, err := sqldb.ExecCount(ctx, s.db, `DELETE FROM sessions WHERE user_id = ? AND (? = '' OR id != ?)`,
		userID, exceptID, exceptID)
	if err != nil {
		return 0, fmt.Errorf("deleting sessions of %s: %w", userID, err)
	}
	return n, nil
}

// DeleteExpiredSessions removes the sessions that expire before
// expiredBefore or were last seen before idleBefore, and returns how many it
// removed. The indexes on expires_at and last_seen_at serve the two terms.
func (s *Store) DeleteExpiredSessions(ctx context.Context, expiredBefore, idleBefore time.Time) (int, error) {
	n, err := sqldb.ExecCount(ctx, s.db, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`,
		storecodec.Time(expiredBefore), storecodec.Time(idleBefore))
	if err != nil {
		return 0, fmt.Errorf("deleting expired sessions: %w", err)
	}
	return n, nil
}

// scanSession reads one row of sessionColumns.
func scanSession(sc sqldb.Scanner) (account.Session, error) {
	var (
		s                        account.Session
		created, seen, expiresAt int64
	)
	err := sc.Scan(&s.ID, &s.TokenHash, &s.UserID, &s.Context, &s.UserAgent, &s.Address,
		&created, &seen, &expiresAt)
	if err != nil {
		return account.Session{}, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = storecodec.ParseTime(created), storecodec.ParseTime(seen), storecodec.ParseTime(expiresAt)
	return s, nil
}
