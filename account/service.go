package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/berth/berth/internal/secret"
)

// namePattern is the rule for usernames and organisation names, Docker
// Hub's relaxed slightly: lower-case letters, digits, '-' and '_', starting
// and ending alphanumeric, 2 to 39 characters. Every such name is a valid
// registry namespace component.
var namePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_-]{0,37}[a-z0-9])$`)

// reservedNames can never be a user's or an organisation's namespace:
// registry conventions (library), Berth's own paths, and staging namespaces.
var reservedNames = map[string]bool{
	"library": true, "admin": true, "api": true, "berth": true, "root": true, "static": true,
	"settings": true, "orgs": true, "u": true, "r": true, "products": true, "token": true,
	"v2": true, "staging": true, "new": true, "signin": true, "signup": true, "signout": true, "official": true, "certified": true, "plugins": true, "explore": true,
}

// Password length bounds. The upper bound stops hashing from becoming a
// denial-of-service lever.
const (
	minPassword = 8
	maxPassword = 256
)

// reservedPrefix starts every key and token Berth issues (license keys are
// berth_lk_…); a password that looked like one could never be used.
const reservedPrefix = "berth_"

// Stores are the account domain's storage interfaces; one implementation
// usually provides them all.
type Stores struct {
	Users      Store
	Namespaces NamespaceStore
	Sessions   SessionStore
	Tokens     TokenStore
	Orgs       OrgStore
}

// Reserved answers whether another domain holds a namespace, and how.
type Reserved interface {
	NamespaceReserved(ctx context.Context, name string) (Hold, error)
}

// Hold is how another domain holds a namespace.
type Hold int

// Holds: nobody; a publisher owns the name; a pending publisher
// application has claimed it (until it is decided or expires).
const (
	HoldNone Hold = iota
	HoldPublisher
	HoldApplication
)

// PendingNameError means a pending publisher application holds the name.
// It matches ErrNamespaceTaken, but says why: the name may come free.
type PendingNameError struct{ Name string }

func (e *PendingNameError) Error() string {
	return "the name " + e.Name + " is reserved by a pending publisher application; choose another"
}

// Is makes a PendingNameError match ErrNamespaceTaken.
func (e *PendingNameError) Is(target error) bool { return target == ErrNamespaceTaken }

// Options tune a Service; zero fields take defaults.
type Options struct {
	Password       PasswordParams
	SessionIdle    time.Duration // default 7 days
	SessionMaximum time.Duration // default 30 days
	// OnDelete runs, in order, when a user or organisation is deleted, so
	// that other domains remove or revoke what the namespace owned.
	OnDelete []func(ctx context.Context, namespace, ownerID string) error
}

// Service is the account domain's behaviour over its stores.
type Service struct {
	st       Stores
	reserved Reserved
	opts     Options
	now      func() time.Time
	// dummyHash is verified when a username is unknown so that sign-in takes
	// as long as for a real account and does not reveal which usernames exist.
	dummyHash string
	// slots bounds the password hashes computed at once: each takes
	// opts.Password.Memory, and a burst of logins must not exhaust the machine.
	slots chan struct{}
	// recent remembers successful password checks for a minute.
	recent *verified
	// guard limits password guessing.
	guard *guard
	// hashes counts the password hashes computed, so that tests can tell a
	// check the cache answered from one that paid for a hash.
	hashes atomic.Int64
}

// New returns a Service.
func New(st Stores, reserved Reserved, opts Options) *Service {
	if opts.Password == (PasswordParams{}) {
		opts.Password = DefaultPasswordParams
	}
	if opts.SessionIdle == 0 {
		opts.SessionIdle = 7 * 24 * time.Hour
	}
	if opts.SessionMaximum == 0 {
		opts.SessionMaximum = 30 * 24 * time.Hour
	}
	s := &Service{
		st:        st,
		reserved:  reserved,
		opts:      opts,
		now:       time.Now,
		dummyHash: HashPassword(secret.ID(), opts.Password),
		slots:     make(chan struct{}, 2*runtime.NumCPU()),
		recent:    newVerified(time.Minute, 10000),
	}
	s.guard = newGuard(func() time.Time { return s.now() })
	return s
}

// hashing runs f, which computes one password hash, while holding one of
// the hashing slots, and counts it; it gives up when ctx ends first.
func (s *Service) hashing(ctx context.Context, f func()) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting to check a password: %w", ctx.Err())
	}
	defer func() { <-s.slots }()
	s.hashes.Add(1)
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

// Register validates in, claims the username as a namespace and creates
// the account.
func (s *Service) Register(ctx context.Context, in SignUp) (User, error) {
	u, err := s.validate(in)
	if err != nil {
		return User{}, err
	}
	if err := s.hashing(ctx, func() { u.PasswordHash = HashPassword(in.Password, s.opts.Password) }); err != nil {
		return User{}, err
	}
	return s.createUser(ctx, u)
}

// claim takes a namespace unless it is reserved or another domain owns it.
func (s *Service) claim(ctx context.Context, n Namespace) error {
	if reservedNames[n.Name] {
		return fmt.Errorf("%s: %w", n.Name, ErrNameReserved)
	}
	if s.reserved != nil {
		hold, err := s.reserved.NamespaceReserved(ctx, n.Name)
		if err != nil {
			return fmt.Errorf("checking namespace %s: %w", n.Name, err)
		}
		switch hold {
		case HoldApplication:
			return &PendingNameError{Name: n.Name}
		case HoldPublisher:
			return ErrNamespaceTaken
		}
	}
	return s.st.Namespaces.ClaimNamespace(ctx, n)
}

func validName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if err := plainText(field, name, false); err != nil {
		return "", err
	}
	name = strings.ToLower(name)
	if !namePattern.MatchString(name) {
		return "", &InvalidError{Field: field, Message: "use 2 to 39 lower-case letters, digits, '-' or '_', starting and ending with a letter or digit"}
	}
	return name, nil
}

func validEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if err := plainText("email", email, false); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || len(addr.Address) > 254 {
		return "", &InvalidError{Field: "email", Message: "enter a valid email address such as name@example.com"}
	}
	return strings.ToLower(addr.Address), nil
}

func validPassword(field, password string) error {
	if n := len(password); n < minPassword || n > maxPassword {
		return &InvalidError{Field: field, Message: fmt.Sprintf("use between %d and %d characters", minPassword, maxPassword)}
	}
	if strings.HasPrefix(password, reservedPrefix) {
		return &InvalidError{Field: field, Message: "must not start with " + reservedPrefix + ", which marks Berth's own keys and tokens"}
	}
	return nil
}

func (s *Service) validate(in SignUp) (User, error) {
	// Every field is checked, so that a form shows all that is wrong.
	username, nameErr := validName("username", in.Username)
	email, emailErr := validEmail(in.Email)
	if err := errors.Join(nameErr, emailErr, validPassword("password", in.Password)); err != nil {
		return User{}, err
	}
	return User{ID: secret.ID(), Username: username, Email: email, Admin: in.Admin, CreatedAt: s.now().UTC()}, nil
}

// authenticate returns the enabled user whose username and password match,
// or ErrBadCredentials. Unknown users cost as much time as known ones.
func (s *Service) authenticate(ctx context.Context, username, password string) (User, error) {
	if len(password) > maxPassword {
		return User{}, ErrBadCredentials
	}
	u, err := s.st.Users.UserByUsername(ctx, username)
	known := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("looking up user: %w", err)
	}
	if known && !u.Disabled && s.recent.has(u, password, s.now()) {
		return u, nil
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
	s.recent.add(u, password, s.now())
	return u, nil
}

// User returns the user with id.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	return s.st.Users.UserByID(ctx, id)
}

// UserByUsername returns the user with that username.
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	return s.st.Users.UserByUsername(ctx, username)
}

// Namespace returns who owns a namespace.
func (s *Service) Namespace(ctx context.Context, name string) (Namespace, error) {
	return s.st.Namespaces.Namespace(ctx, strings.ToLower(name))
}

// createUser claims u's username as its namespace and stores u, giving the
// namespace back when the user cannot be stored: sign-up and directory
// accounts alike.
func (s *Service) createUser(ctx context.Context, u User) (User, error) {
	if err := s.claim(ctx, Namespace{Name: u.Username, Kind: NamespaceUser, OwnerID: u.ID}); err != nil {
		var pending *PendingNameError
		if errors.Is(err, ErrNamespaceTaken) && !errors.As(err, &pending) {
			return User{}, ErrUsernameTaken
		}
		return User{}, err
	}
	if err := s.st.Users.CreateUser(ctx, u); err != nil {
		_ = s.st.Namespaces.ReleaseNamespace(context.WithoutCancel(ctx), u.Username)
		return User{}, fmt.Errorf("creating user %s: %w", u.Username, err)
	}
	return u, nil
}
