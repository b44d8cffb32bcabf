package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.RefreshStore = (*Store)(nil)

// refreshDoc is a refresh token as stored in the refresh_tokens collection.
type refreshDoc struct {
	ID         string `bson:"_id"`
	TokenHash  string `bson:"token_hash"`
	Hint       string `bson:"hint"`
	Kind       string `bson:"kind"`
	UserID     string `bson:"user_id"`
	Credential string `bson:"credential"`
	ClientID   string `bson:"client_id"`
	CreatedAt  int64  `bson:"created_at"`
	LastUsedAt int64  `bson:"last_used_at"`
}

// createRefreshIndexes creates c's indexes: the unique token hash, the
// user's listing newest first, and the credential the tokens die with.
func createRefreshIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c,
		mongo.IndexModel{Keys: bson.D{{Key: "token_hash", Value: 1}},
			Options: options.Index().SetName("token_hash_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "created_at", Value: -1}},
			Options: options.Index().SetName("user_created")},
		mongo.IndexModel{Keys: bson.D{{Key: "credential", Value: 1}},
			Options: options.Index().SetName("credential")},
	)
}

// CreateRefreshToken inserts t; a duplicate ID or token hash yields
// licensing.ErrConflict.
func (s *Store) CreateRefreshToken(ctx context.Context, t licensing.RefreshToken) error {
	_, err := s.refresh.InsertOne(ctx, refreshDoc{
		ID: t.ID, TokenHash: t.TokenHash, Hint: t.Hint, Kind: string(t.Kind), UserID: t.UserID,
		Credential: t.Credential, ClientID: t.ClientID,
		CreatedAt: storecodec.Time(t.CreatedAt), LastUsedAt: storecodec.Time(t.LastUsedAt),
	})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("creating refresh token %s: %w", t.ID, licensing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("creating refresh token %s: %w", t.ID, err)
	}
	return nil
}

// RefreshTokenByHash returns the refresh token whose secret hashes to h, or
// licensing.ErrNotFound. The hash stays out of error messages.
func (s *Store) RefreshTokenByHash(ctx context.Context, h string) (licensing.RefreshToken, error) {
	return mongodb.FindOne(ctx, s.refresh, "refresh token by hash", licensing.ErrNotFound,
		bson.D{{Key: "token_hash", Value: h}}, decodeRefresh)
}

// RefreshTokensByUser returns the user's refresh tokens, newest first (ties
// by ID, descending). An empty userID names no user: license tokens may have
// none, and they are not its tokens.
func (s *Store) RefreshTokensByUser(ctx context.Context, userID string) ([]licensing.RefreshToken, error) {
	if userID == "" {
		return nil, nil
	}
	out, err := mongodb.FindAll(ctx, s.refresh, bson.D{{Key: "user_id", Value: userID}}, decodeRefresh,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("listing refresh tokens of %s: %w", userID, err)
	}
	return out, nil
}

// TouchRefreshToken sets the token's LastUsedAt to at unless it is later
// already.
func (s *Store) TouchRefreshToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.refresh.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$max", Value: bson.D{
		{Key: "last_used_at", Value: storecodec.Time(at)},
	}}})
	if err == nil && res.MatchedCount == 0 {
		err = licensing.ErrNotFound
	}
	if err != nil {
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
	res, err := s.refresh.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}})
	if err == nil && res.DeletedCount == 0 {
		err = licensing.ErrNotFound
	}
	if err != nil {
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
	res, err := s.refresh.DeleteMany(ctx, bson.D{{Key: "credential", Value: credential}})
	if err != nil {
		return 0, fmt.Errorf("deleting refresh tokens of credential %s: %w", credential, err)
	}
	return int(res.DeletedCount), nil
}

// DeleteUserRefreshTokens removes every refresh token of the user; an empty
// userID names no user.
func (s *Store) DeleteUserRefreshTokens(ctx context.Context, userID string) error {
	if userID == "" {
		return nil
	}
	if _, err := s.refresh.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}}); err != nil {
		return fmt.Errorf("deleting refresh tokens of %s: %w", userID, err)
	}
	return nil
}

// decodeRefresh converts a stored refresh token to the domain type.
func decodeRefresh(d refreshDoc) licensing.RefreshToken {
	return licensing.RefreshToken{
		ID: d.ID, TokenHash: d.TokenHash, Hint: d.Hint, Kind: licensing.CredentialKind(d.Kind),
		UserID: d.UserID, Credential: d.Credential, ClientID: d.ClientID,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), LastUsedAt: storecodec.ParseTime(d.LastUsedAt),
	}
}
