package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"runtime"
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

// reservedPrefix starts every key and token Berth issues (license keys are
// berth_lk_…); a password that looked like one could never be used.
const reservedPrefix = "berth_"

// Service is the account domain's behaviour over a Store.
type Service struct {
	store  Store
	params PasswordParams
	now    func() time.Time
	// dummyHash is verified when a username is unknown so that sign-in takes
	// as long as for a real account and does not reveal which usernames exist.
	dummyHash string
	// slots bounds the password hashes computed at once: each takes
	// params.Memory, and a burst of logins must not exhaust the machine.
	slots chan struct{}
}

// New returns a Service over store hashing passwords with params.
func New(store Store, params PasswordParams) *Service {
	return &Service{
		store:     store,
		params:    params,
		now:       time.Now,
		dummyHash: HashPassword(secret.ID(), params),
		slots:     make(chan struct{}, 2*runtime.NumCPU()),
	}
}

// hashing runs f while holding one of the hashing slots, or gives up when
// ctx ends first.
func (s *Service) hashing(ctx context.Context, f func()) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting to check a password: %w", ctx.Err())
	}
	defer func() { <-s.slots }()
	f()
	return nil
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
	if err := s.hashing(ctx, func() { u.PasswordHash = HashPassword(in.Password, s.params) }); err != nil {
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
	if strings.HasPrefix(in.Password, reservedPrefix) {
		return User{}, &InvalidError{Field: "password", Message: "must not start with " + reservedPrefix + ", which marks Berth's own keys and tokens"}
	}
	return User{
		ID:        secret.ID(),
		Username:  username,
		Email:     strings.ToLower(addr.Address),
		Admin:     in.Admin,
		CreatedAt: s.now().UTC(),
	}, nil
}

// Authenticate returns the enabled user whose username and password match,
// or ErrBadCredentials. Unknown users cost as much time as known ones.
func (s *Service) Authenticate(ctx context.Context, username, password string) (User, error) {
	if len(password) > maxPassword {
		return User{}, ErrBadCredentials
	}
	u, err := s.store.UserByUsername(ctx, username)
	known := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("looking up user: %w", err)
	}
	hash := s.dummyHash
	if known {
		hash = u.PasswordHash
	}
	var ok bool
	var checkErr error
	if err := s.hashing(ctx, func() { ok, checkErr = CheckPassword(hash, password) }); err != nil {
		return User{}, err
	}
	if !known {
		return User{}, ErrBadCredentials
	}
	if checkErr != nil {
		return User{}, fmt.Errorf("checking password of %s: %w", u.Username, checkErr)
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
