package mongostore

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// userDoc is a user as stored in the users collection. Users stored before
// DefaultPrivate and PasswordChangedAt existed lack those fields, which read
// back as zero.
type userDoc struct {
	ID                string `bson:"_id"`
	Username          string `bson:"username"`
	Email             string `bson:"email"`
	PasswordHash      string `bson:"password_hash"`
	Admin             bool   `bson:"admin"`
	Disabled          bool   `bson:"disabled"`
	DefaultPrivate    bool   `bson:"default_private"`
	CreatedAt         int64  `bson:"created_at"`
	PasswordChangedAt int64  `bson:"password_changed_at"`
}

// CreateUser inserts u with its username lower-cased. Only the username and
// the ID are unique; a taken username yields account.ErrUsernameTaken.
func (s *Store) CreateUser(ctx context.Context, u account.User) error {
	doc := userDoc{
		ID:                u.ID,
		Username:          strings.ToLower(u.Username),
		Email:             u.Email,
		PasswordHash:      u.PasswordHash,
		Admin:             u.Admin,
		Disabled:          u.Disabled,
		DefaultPrivate:    u.DefaultPrivate,
		CreatedAt:         storecodec.Time(u.CreatedAt),
		PasswordChangedAt: storecodec.Time(u.PasswordChangedAt),
	}
	_, err := s.users.InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return s.conflict(ctx, doc.Username, err)
	}
	if err != nil {
		return fmt.Errorf("inserting user: %w", err)
	}
	return nil
}

// conflict names what a duplicate-key error inserting username was about.
// FerretDB's error does not name the index, so the store asks whether the
// username is taken; if not, the ID was.
func (s *Store) conflict(ctx context.Context, username string, dupErr error) error {
	n, err := s.users.CountDocuments(ctx, bson.D{{Key: "username", Value: username}})
	if err != nil {
		return fmt.Errorf("checking username after duplicate key: %w", err)
	}
	if n > 0 {
		return account.ErrUsernameTaken
	}
	return fmt.Errorf("inserting user: duplicate id: %w", dupErr)
}

// UserByID returns the user with that ID or account.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (account.User, error) {
	return s.user(ctx, "_id", id)
}

// UserByUsername returns the user with that username, compared lower-cased,
// or account.ErrNotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (account.User, error) {
	return s.user(ctx, "username", strings.ToLower(username))
}

// user returns the user whose field equals value.
func (s *Store) user(ctx context.Context, field, value string) (account.User, error) {
	return mongodb.FindOne(ctx, s.users, fmt.Sprintf("user %s %q", field, value), account.ErrNotFound,
		bson.D{{Key: field, Value: value}}, decodeUser)
}

// UpdateUser replaces the mutable fields of the user with u.ID; the
// username and CreatedAt stay as they are.
func (s *Store) UpdateUser(ctx context.Context, u account.User) error {
	res, err := s.users.UpdateOne(ctx, byID(u.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "email", Value: u.Email},
		{Key: "password_hash", Value: u.PasswordHash},
		{Key: "password_changed_at", Value: storecodec.Time(u.PasswordChangedAt)},
		{Key: "admin", Value: u.Admin},
		{Key: "disabled", Value: u.Disabled},
		{Key: "default_private", Value: u.DefaultPrivate},
	}}})
	if err := matchedOne(res, err); err != nil {
		return fmt.Errorf("updating user %s: %w", u.ID, err)
	}
	return nil
}

// ListUsers returns users ordered by username.
func (s *Store) ListUsers(ctx context.Context, p account.Page) ([]account.User, error) {
	out, err := mongodb.FindAll(ctx, s.users, bson.D{}, decodeUser,
		pageOptions(bson.D{{Key: "username", Value: 1}}, p))
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return out, nil
}

// DeleteUser removes the user, or returns account.ErrNotFound. Its sessions,
// tokens, namespace and memberships are the caller's to remove.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	res, err := s.users.DeleteOne(ctx, byID(id))
	if err := deletedOne(res, err); err != nil {
		return fmt.Errorf("deleting user %s: %w", id, err)
	}
	return nil
}

// decodeUser converts a stored user to the domain type.
func decodeUser(d userDoc) account.User {
	return account.User{
		ID:                d.ID,
		Username:          d.Username,
		Email:             d.Email,
		PasswordHash:      d.PasswordHash,
		Admin:             d.Admin,
		Disabled:          d.Disabled,
		DefaultPrivate:    d.DefaultPrivate,
		CreatedAt:         storecodec.ParseTime(d.CreatedAt),
		PasswordChangedAt: storecodec.ParseTime(d.PasswordChangedAt),
	}
}
