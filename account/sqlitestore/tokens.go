package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// tokenColumns lists the access_tokens columns in scanToken's order.
const tokenColumns = `id, user_id, name, token_hash, hint, access, resources,
	created_at, expires_at, last_used_at`

// CreateToken inserts t; a duplicate ID or token hash is an error.
func (s *Store) CreateToken(ctx context.Context, t account.AccessToken) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO access_tokens (`+tokenColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, t.Name, t.TokenHash, t.Hint, t.Access, sqldb.Strings(t.Resources),
		storecodec.Time(t.CreatedAt), storecodec.Time(t.ExpiresAt), storecodec.Time(t.LastUsedAt))
	if err != nil {
		return fmt.Errorf("creating token %s: %w", t.ID, sqldb.NameDuplicate(err))
	}
	return nil
}

// TokenByHash returns the token whose secret hashes to h, or
// account.ErrNotFound. The hash stays out of error messages.
func (s *Store) TokenByHash(ctx context.Context, h string) (account.AccessToken, error) {
	return sqldb.QueryOne(ctx, s.db, "token by hash", account.ErrNotFound, scanToken,
		`SELECT `+tokenColumns+` FROM access_tokens WHERE token_hash = ?`, h)
}

// TokensByUser returns the user's tokens, newest first (ties by ID, descending).
func (s *Store) TokensByUser(ctx context.Context, userID string) ([]account.AccessToken, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanToken, `SELECT `+tokenColumns+` FROM access_tokens
		WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing tokens of %s: %w", userID, err)
	}
	return out, nil
}

// TouchToken sets the token's LastUsedAt to at unless it is later already.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE access_tokens SET last_used_at = MAX(last_used_at, ?) WHERE id = ?`,
		storecodec.Time(at), id)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("touching token %s: %w", id, err)
	}
	return nil
}

// DeleteToken removes the token id if it belongs to userID, or returns
// account.ErrNotFound.
func (s *Store) DeleteToken(ctx context.Context, userID, id string) error {
	res, err := sqldb.Exec(ctx, s.db, `DELETE FROM access_tokens WHERE id = ? AND user_id = ?`, id, userID)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("deleting token %s of %s: %w", id, userID, err)
	}
	return nil
}

// DeleteUserTokens removes every token of the user.
func (s *Store) DeleteUserTokens(ctx context.Context, userID string) error {
	if _, err := sqldb.Exec(ctx, s.db, `DELETE FROM access_tokens WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("deleting tokens of %s: %w", userID, err)
	}
	return nil
}

// DeleteExpiredTokens removes the tokens that expire before before (0
// encodes "never") and returns how many it removed. The condition repeats
// the access_tokens_expires index's, so that SQLite uses that index.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	n, err := sqldb.ExecCount(ctx, s.db, `DELETE FROM access_tokens WHERE expires_at != 0 AND expires_at < ?`,
		storecodec.Time(before))
	if err != nil {
		return 0, fmt.Errorf("deleting expired tokens: %w", err)
	}
	return n, nil
}

// scanToken reads one row of tokenColumns.
func scanToken(sc sqldb.Scanner) (account.AccessToken, error) {
	var (
		t                          account.AccessToken
		resources                  string
		created, expiresAt, usedAt int64
	)
	err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Hint, &t.Access, &resources,
		&created, &expiresAt, &usedAt)
	if err != nil {
		return account.AccessToken{}, err
	}
	if t.Resources, err = sqldb.ParseStrings(resources); err != nil {
		return account.AccessToken{}, fmt.Errorf("resources of token %s: %w", t.ID, err)
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = storecodec.ParseTime(created), storecodec.ParseTime(expiresAt), storecodec.ParseTime(usedAt)
	return t, nil
}
