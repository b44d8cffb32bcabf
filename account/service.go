package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/berth/berth/internal/secret"
)

// usernamePattern is Docker Hub's rule relaxed slightly: lower-case letters,
// digits, '-' and '_', starting and ending alphanumeric, 2 to 39 characters.
// It also keeps usernames valid as registry namespace components.
var usernamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_-]{0,37}[a-z0-9])$`)

// Password length bounds. The upper bound stops hashing from becoming a
// denial-of-service lever.
const (
	minPassword = 8
	maxPassword = 256
)

// Service is the account domain's behaviour over a Store.
type Service struct {
	store  Store
	params PasswordParams
	now    func() time.Time
	// dummyHash is verified when a username is unknown so that sign-in takes
	// as long as for a real account and does not reveal which usernames exist.
	dummyHash string
}

// New returns a Service over store hashing passwords with params.
func New(store Store, params PasswordParams) *Service {
	return &Service{
		store:     store,
		params:    params,
		now:       time.Now,
		dummyHash: HashPassword(secret.ID(), params),
	}
}

// SignUp is what a new account needs.
type SignUp struct {
	Username string
	Email    string
	Password string
	Admin    bool
}

// Register validates in and creates the account.
func (s *Service) Register(ctx context.Context, in SignUp) (User, error) {
	u, err := s.validate(in)
	if err != nil {
		return User{}, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("creating user %s: %w", u.Username, err)
	}
	return u, nil
}

func (s *Service) validate(in SignUp) (User, error) {
	username := strings.ToLower(strings.TrimSpace(in.Username))
	if !usernamePattern.MatchString(username) {
		return User{}, &InvalidError{Field: "username", Message: "use 2 to 39 lower-case letters, digits, '-' or '_', starting and ending with a letter or digit"}
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(in.Email))
	if err != nil || addr.Name != "" || len(addr.Address) > 254 {
		return User{}, &InvalidError{Field: "email", Message: "enter a valid email address such as name@example.com"}
	}
	if n := len(in.Password); n < minPassword || n > maxPassword {
		return User{}, &InvalidError{Field: "password", Message: fmt.Sprintf("use between %d and %d characters", minPassword, maxPassword)}
	}
	return User{
		ID:           secret.ID(),
		Username:     username,
		Email:        strings.ToLower(addr.Address),
		PasswordHash: HashPassword(in.Password, s.params),
		Admin:        in.Admin,
		CreatedAt:    s.now().UTC(),
	}, nil
}

// Authenticate returns the enabled user whose username and password match,
// or ErrBadCredentials. Unknown users cost as much time as known ones.
func (s *Service) Authenticate(ctx context.Context, username, password string) (User, error) {
	if len(password) > maxPassword {
		return User{}, ErrBadCredentials
	}
	u, err := s.store.UserByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		_, _ = CheckPassword(s.dummyHash, password)
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("looking up user: %w", err)
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil {
		return User{}, fmt.Errorf("checking password of %s: %w", u.Username, err)
	}
	if !ok || u.Disabled {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

// User returns the user with id.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	return s.store.UserByID(ctx, id)
}

// UserByUsername returns the user with that username.
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	return s.store.UserByUsername(ctx, username)
}
