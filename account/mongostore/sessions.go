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

// sessionDoc is a session as stored in the sessions collection.
type sessionDoc struct {
	ID         string `bson:"_id"`
	TokenHash  string `bson:"token_hash"`
	UserID     string `bson:"user_id"`
	Context    string `bson:"context"`
	UserAgent  string `bson:"user_agent"`
	Address    string `bson:"address"`
	CreatedAt  int64  `bson:"created_at"`
	LastSeenAt int64  `bson:"last_seen_at"`
	ExpiresAt  int64  `bson:"expires_at"`
}

// CreateSession inserts sess; a duplicate ID or token hash is an error.
func (s *Store) CreateSession(ctx context.Context, sess account.Session) error {
	_, err := s.sessions.InsertOne(ctx, sessionDoc{
		ID: sess.ID, TokenHash: sess.TokenHash, UserID: sess.UserID, Context: sess.Context,
		UserAgent: sess.UserAgent, Address: sess.Address, CreatedAt: storecodec.Time(sess.CreatedAt),
		LastSeenAt: storecodec.Time(sess.LastSeenAt), ExpiresAt: storecodec.Time(sess.ExpiresAt),
	})
	if err != nil {
		return fmt.Errorf("creating session %s: %w", sess.ID, err)
	}
	return nil
}

// SessionByTokenHash returns the session whose token hashes to h, or
// account.ErrNotFound. The hash stays out of error messages.
func (s *Store) SessionByTokenHash(ctx context.Context, h string) (account.Session, error) {
	return mongodb.FindOne(ctx, s.sessions, "session by token", account.ErrNotFound,
		bson.D{{Key: "token_hash", Value: h}}, decodeSession)
}

// TouchSession sets the session's LastSeenAt to at unless it is later
// already.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	res, err := s.sessions.UpdateOne(ctx, byID(id), bson.D{{Key: "$max", Value: bson.D{
		{Key: "last_seen_at", Value: storecodec.Time(at)},
	}}})
	if err := matchedOne(res, err); err != nil {
		return fmt.Errorf("touching session %s: %w", id, err)
	}
	return nil
}

// SetSessionContext sets the account the session acts for.
func (s *Store) SetSessionContext(ctx context.Context, id, acting string) error {
	res, err := s.sessions.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{
		{Key: "context", Value: acting},
	}}})
	if err := matchedOne(res, err); err != nil {
		return fmt.Errorf("setting context of session %s: %w", id, err)
	}
	return nil
}

// SessionsByUser returns the user's sessions, most recently seen first
// (ties by ID, descending).
func (s *Store) SessionsByUser(ctx context.Context, userID string) ([]account.Session, error) {
	out, err := mongodb.FindAll(ctx, s.sessions, bson.D{{Key: "user_id", Value: userID}}, decodeSession,
		options.Find().SetSort(bson.D{{Key: "last_seen_at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("listing sessions of %s: %w", userID, err)
	}
	return out, nil
}

// DeleteSession removes the session id if it belongs to userID, or returns
// account.ErrNotFound.
func (s *Store) DeleteSession(ctx context.Context, userID, id string) error {
	res, err := s.sessions.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}})
	if err := deletedOne(res, err); err != nil {
		return fmt.Errorf("deleting session %s of %s: %w", id, userID, err)
	}
	return nil
}

// DeleteUserSessions removes every session of the user but exceptID and
// returns how many it removed.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, exceptID string) (int, error) {
	filter := bson.D{{Key: "user_id", Value: userID}}
	if exceptID != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: exceptID}}})
	}
	res, err := s.sessions.DeleteMany(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("deleting sessions of %s: %w", userID, err)
	}
	return int(res.DeletedCount), nil
}

// DeleteExpiredSessions removes the sessions that expire before
// expiredBefore or were last seen before idleBefore, and returns how many it
// removed. Each $or branch has its own index (expires, last_seen).
func (s *Store) DeleteExpiredSessions(ctx context.Context, expiredBefore, idleBefore time.Time) (int, error) {
	res, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: storecodec.Time(expiredBefore)}}}},
		bson.D{{Key: "last_seen_at", Value: bson.D{{Key: "$lt", Value: storecodec.Time(idleBefore)}}}},
	}}})
	if err != nil {
		return 0, fmt.Errorf("deleting expired sessions: %w", err)
	}
	return int(res.DeletedCount), nil
}

// decodeSession converts a stored session to the domain type.
func decodeSession(d sessionDoc) account.Session {
	return account.Session{
		ID: d.ID, TokenHash: d.TokenHash, UserID: d.UserID, Context: d.Context,
		UserAgent: d.UserAgent, Address: d.Address, CreatedAt: storecodec.ParseTime(d.CreatedAt),
		LastSeenAt: storecodec.ParseTime(d.LastSeenAt), ExpiresAt: storecodec.ParseTime(d.ExpiresAt),
	}
}
