// Package mongostore keeps accounts in MongoDB, using only what MongoDB 7 and
// FerretDB v1 both accept.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// userDoc is a user as stored in the users collection.
type userDoc struct {
	ID           string `bson:"_id"`
	Username     string `bson:"username"`
	Email        string `bson:"email"`
	PasswordHash string `bson:"password_hash"`
	Admin        bool   `bson:"admin"`
	Disabled     bool   `bson:"disabled"`
	CreatedAt    int64  `bson:"created_at"`
}

// Store implements account.Store on MongoDB.
type Store struct {
	users *mongo.Collection
}

var _ account.Store = (*Store)(nil)

// New creates the users collection's unique indexes if needed and returns a
// Store using db.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	users := db.Collection("users")
	err := mongodb.CreateIndexes(ctx, users,
		mongo.IndexModel{Keys: bson.D{{Key: "username", Value: 1}}, Options: options.Index().SetName("username_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetName("email_unique").SetUnique(true)},
	)
	if err != nil {
		return nil, err
	}
	return &Store{users: users}, nil
}

// CreateUser inserts u with its username lower-cased.
func (s *Store) CreateUser(ctx context.Context, u account.User) error {
	doc := userDoc{
		ID:           u.ID,
		Username:     strings.ToLower(u.Username),
		Email:        u.Email,
		PasswordHash: u.PasswordHash,
		Admin:        u.Admin,
		Disabled:     u.Disabled,
		CreatedAt:    storecodec.Time(u.CreatedAt),
	}
	_, err := s.users.InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return s.conflict(ctx, doc, err)
	}
	if err != nil {
		return fmt.Errorf("inserting user: %w", err)
	}
	return nil
}

// conflict names the field a duplicate-key error on doc was about. FerretDB's
// error does not name the index, so the store asks which value is taken.
func (s *Store) conflict(ctx context.Context, doc userDoc, dupErr error) error {
	for _, c := range []struct {
		field, value string
		err          error
	}{
		{"username", doc.Username, account.ErrUsernameTaken},
		{"email", doc.Email, account.ErrEmailTaken},
	} {
		n, err := s.users.CountDocuments(ctx, bson.D{{Key: c.field, Value: c.value}})
		if err != nil {
			return fmt.Errorf("checking %s after duplicate key: %w", c.field, err)
		}
		if n > 0 {
			return c.err
		}
	}
	return fmt.Errorf("duplicate user id: %w", dupErr)
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
	var d userDoc
	err := s.users.FindOne(ctx, bson.D{{Key: field, Value: value}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return account.User{}, fmt.Errorf("user %s %q: %w", field, value, account.ErrNotFound)
	}
	if err != nil {
		return account.User{}, fmt.Errorf("reading user %s %q: %w", field, value, err)
	}
	return account.User{
		ID:           d.ID,
		Username:     d.Username,
		Email:        d.Email,
		PasswordHash: d.PasswordHash,
		Admin:        d.Admin,
		Disabled:     d.Disabled,
		CreatedAt:    storecodec.ParseTime(d.CreatedAt),
	}, nil
}
