package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.RefreshStore = (*Store)(nil)

// refreshColumns lists the refresh_tokens columns in scanRefresh's order.
const refreshColumns = `id, token_hash, hint, kind, user_id, credential, client_id,
	created_at, last_used_at`

// CreateRefreshToken inserts t; a duplicate ID or token hash yields
// licensing.ErrConflict.
func (s *Store) CreateRefreshToken(ctx context.Context, t licensing.RefreshToken) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO refresh_tokens (`+refreshColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.TokenHash, t.Hint, t.Kind, t.UserID, t.Credential, t.ClientID,
		storecodec.Time(t.CreatedAt), storecodec.Time(t.LastUsedAt))
	if column, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("creating refresh token %s: duplicate %s: %w", t.ID, column, licensing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("creating refresh token %s: %w", t.ID, err)
	}
	return nil
}

// RefreshTokenByHash returns the refresh token whose secret hashes to h, or
// licensing.ErrNotFound. The hash stays out of error messages.
func (s *Store) RefreshTokenByHash(ctx context.Context, h string) (licensing.RefreshToken, error) {
	return sqldb.QueryOne(ctx, s.db, "refresh token by hash", licensing.ErrNotFound, scanRefresh,
		`SELECT `+refreshColumns+` FROM refresh_tokens WHERE token_hash = ?`, h)
}

// RefreshTokensByUser returns the user's refresh tokens, newest first (ties
// by ID, descending). An empty userID names no user: license tokens may have
// none, and they are not its tokens.
func (s *Store) RefreshTokensByUser(ctx context.Context, userID string) ([]licensing.RefreshToken, error) {
	if userID == "" {
		return nil, nil
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanRefresh, `SELECT `+refreshColumns+` FROM refresh_tokens
		WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing refresh tokens of %s: %w", userID, err)
	}
	return out, nil
}

// TouchRefreshToken sets the token's LastUsedAt to at unless it is later
// already.
func (s *Store) TouchRefreshToken(ctx context.Context, id string, at time.Time) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE refresh_tokens SET last_used_at = MAX(last_used_at, ?) WHERE id = ?`,
		storecodec.Time(at), id)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("touching refresh token %s: %w", id, err)
	}
	return nil
}

// DeleteRefreshToken removes the refresh token id if it belongs to userID,
// or returns licensing.ErrNotFound; an empty userID owns nothing.
func (s *Store) DeleteRefreshToken(ctx context.Context, userID, id string) error {
	if userID == "" {
		return fmt.Errorf("deleting refresh token %s: no user: %w", id, licensing.ErrNotFound)
	}
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM refresh_tokens WHERE id = ? AND user_id = ?`, id, userID)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("deleting refresh token %s of %s: %w", id, userID, err)
	}
	return nil
}

// DeleteRefreshTokensByCredential removes every refresh token that came from
// credential and returns how many it removed. An empty credential names
// none: password tokens have no credential, and a caller passing "" must not
// sweep every one of them.
func (s *Store) DeleteRefreshTokensByCredential(ctx context.Context, credential string) (int, error) {
	if credential == "" {
		return 0, nil
	}
	n, err := sqldb.ExecCount(ctx, s.db, `DELETE FROM refresh_tokens WHERE credential = ?`, credential)
	if err != nil {
		return 0, fmt.Errorf("deleting refresh tokens of credential %s: %w", credential, err)
	}
	return n, nil
}

// DeleteUserRefreshTokens removes every refresh token of the user; an empty
// userID names no user.
func (s *Store) DeleteUserRefreshTokens(ctx context.Context, userID string) error {
	if userID == "" {
		return nil
	}
	if _, err := sqldb.Exec(ctx, s.db, `DELETE FROM refresh_tokens WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("deleting refresh tokens of %s: %w", userID, err)
	}
	return nil
}

// scanRefresh reads one row of refreshColumns.
func scanRefresh(sc sqldb.Scanner) (licensing.RefreshToken, error) {
	var (
		t             licensing.RefreshToken
		created, used int64
	)
	err := sc.Scan(&t.ID, &t.TokenHash, &t.Hint, &t.Kind, &t.UserID, &t.Credential, &t.ClientID,
		&created, &used)
	if err != nil {
		return licensing.RefreshToken{}, err
	}
	t.CreatedAt, t.LastUsedAt = storecodec.ParseTime(created), storecodec.ParseTime(used)
	return t, nil
}

// changedOne is sqldb.ChangedOne with this domain's not-found error.
func changedOne(res sql.Result, err error) error {
	return sqldb.ChangedOne(res, err, licensing.ErrNotFound)
}
