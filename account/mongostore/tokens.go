package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// tokenDoc is a personal access token as stored in the access_tokens
// collection.
type tokenDoc struct {
	ID         string   `bson:"_id"`
	UserID     string   `bson:"user_id"`
	Name       string   `bson:"name"`
	TokenHash  string   `bson:"token_hash"`
	Hint       string   `bson:"hint"`
	Access     string   `bson:"access"`
	Resources  []string `bson:"resources"`
	CreatedAt  int64    `bson:"created_at"`
	ExpiresAt  int64    `bson:"expires_at"`
	LastUsedAt int64    `bson:"last_used_at"`
}

// CreateToken inserts t; a duplicate ID or token hash is an error.
func (s *Store) CreateToken(ctx context.Context, t account.AccessToken) error {
	_, err := s.tokens.InsertOne(ctx, tokenDoc{
		ID: t.ID, UserID: t.UserID, Name: t.Name, TokenHash: t.TokenHash, Hint: t.Hint,
		Access: string(t.Access), Resources: t.Resources, CreatedAt: storecodec.Time(t.CreatedAt),
		ExpiresAt: storecodec.Time(t.ExpiresAt), LastUsedAt: storecodec.Time(t.LastUsedAt),
	})
	if err != nil {
		return fmt.Errorf("creating token %s: %w", t.ID, err)
	}
	return nil
}

// TokenByHash returns the token whose secret hashes to h, or
// account.ErrNotFound. The hash stays out of error messages.
func (s *Store) TokenByHash(ctx context.Context, h string) (account.AccessToken, error) {
	return mongodb.FindOne(ctx, s.tokens, "token by hash", account.ErrNotFound,
		bson.D{{Key: "token_hash", Value: h}}, decodeToken)
}

// TokensByUser returns the user's tokens, newest first (ties by ID, descending).
func (s *Store) TokensByUser(ctx context.Context, userID string) ([]account.AccessToken, error) {
	out, err := mongodb.FindAll(ctx, s.tokens, bson.D{{Key: "user_id", Value: userID}}, decodeToken,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("listing tokens of %s: %w", userID, err)
	}
	return out, nil
}

// TouchToken sets the token's LastUsedAt to at unless it is later already.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.tokens.UpdateOne(ctx, byID(id), bson.D{{Key: "$max", Value: bson.D{
		{Key: "last_used_at", Value: storecodec.Time(at)},
	}}})
	if err := matchedOne(res, err); err != nil {
		return fmt.Errorf("touching token %s: %w", id, err)
	}
	return nil
}

// DeleteToken removes the token id if it belongs to userID, or returns
// account.ErrNotFound.
func (s *Store) DeleteToken(ctx context.Context, userID, id string) error {
	res, err := s.tokens.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}})
	if err := deletedOne(res, err); err != nil {
		return fmt.Errorf("deleting token %s of %s: %w", id, userID, err)
	}
	return nil
}

// DeleteUserTokens removes every token of the user.
func (s *Store) DeleteUserTokens(ctx context.Context, userID string) error {
	if _, err := s.tokens.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}}); err != nil {
		return fmt.Errorf("deleting tokens of %s: %w", userID, err)
	}
	return nil
}

// DeleteExpiredTokens removes the tokens that expire before before (0
// encodes "never") and returns how many it removed.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	res, err := s.tokens.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{
		{Key: "$ne", Value: int64(0)}, {Key: "$lt", Value: storecodec.Time(before)},
	}}})
	if err != nil {
		return 0, fmt.Errorf("deleting expired tokens: %w", err)
	}
	return int(res.DeletedCount), nil
}

// decodeToken converts a stored token to the domain type.
func decodeToken(d tokenDoc) account.AccessToken {
	return account.AccessToken{
		ID: d.ID, UserID: d.UserID, Name: d.Name, TokenHash: d.TokenHash, Hint: d.Hint,
		Access: account.TokenAccess(d.Access), Resources: storecodec.NilIfEmpty(d.Resources),
		CreatedAt: storecodec.ParseTime(d.CreatedAt), ExpiresAt: storecodec.ParseTime(d.ExpiresAt),
		LastUsedAt: storecodec.ParseTime(d.LastUsedAt),
	}
}
