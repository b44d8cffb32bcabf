package licensing

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/berth/berth/internal/secret"
)

// KeyPrefix starts every license key, so that a leaked key is recognisable
// and the token server can tell a key from a password.
const KeyPrefix = "berth_lk_"

// Sentinel errors of the token server.
var (
	// ErrBadCredentials means the credential names no enabled account or
	// active license.
	ErrBadCredentials = errors.New("incorrect username, password or license key")
	// ErrUnknownService means the token was asked for a registry this store
	// does not serve.
	ErrUnknownService = errors.New("unknown registry service")
)

// InactiveLicenseError says a license key was presented whose license no
// longer entitles anything; the message tells the buyer why.
type InactiveLicenseError struct {
	Hint   string
	Status Status
}

func (e *InactiveLicenseError) Error() string {
	return fmt.Sprintf("license key ending %s is %s", e.Hint, e.Status)
}

// Subject is an authenticated account as the token server sees it. A
// personal access token is an account with limits: ReadOnly drops push,
// and a non-empty Within keeps only those namespaces ("acme") and
// repositories ("acme/db").
type Subject struct {
	ID       string
	Name     string
	ReadOnly bool
	Within   []string
}

// permits reports whether the subject's limits allow action on repo.
func (s Subject) permits(repo, action string) bool {
	if s.ReadOnly && action != "pull" {
		return false
	}
	if len(s.Within) == 0 {
		return true
	}
	for _, w := range s.Within {
		if repo == w || strings.HasPrefix(repo, w+"/") {
			return true
		}
	}
	return false
}

// Authenticator checks a username and password (or personal access token).
// It returns an error matching ErrBadCredentials when they do not name an
// enabled account.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (Subject, error)
}

// Repositories answers what a subject may do with users' and
// organisations' own repositories: pull on public ones for everyone, and
// what ownership, roles and teams give. An anonymous subject has an empty ID.
type Repositories interface {
	Actions(ctx context.Context, subject Subject, repo string) ([]string, error)
}

// Namespaces answers which registry namespaces a user may push to.
type Namespaces interface {
	PushNamespaces(ctx context.Context, userID string) ([]string, error)
}

// TokenConfig sets what every token says about itself.
type TokenConfig struct {
	Issuer  string
	Service string
	TTL     time.Duration
}

// TokenRequest is a parsed request to the token endpoint. An empty Username
// and Password ask anonymously.
type TokenRequest struct {
	Service  string
	Scopes   []Access
	Username string
	Password string
}

// Token is a signed registry bearer token.
type Token struct {
	Token     string
	Subject   string
	Access    []Access
	IssuedAt  time.Time
	ExpiresIn time.Duration
}

type claims struct {
	jwt.RegisteredClaims
	Access []Access `json:"access"`
}

// TokenServer authenticates registry clients and signs tokens granting the
// intersection of what they ask and what their credential entitles.
type TokenServer struct {
	cfg        TokenConfig
	keys       *KeyRing
	store      Store
	accounts   Authenticator
	namespaces Namespaces
	repos      Repositories
	now        func() time.Time
}

// NewTokenServer returns a TokenServer.
func NewTokenServer(cfg TokenConfig, keys *KeyRing, store Store, accounts Authenticator, namespaces Namespaces, repos Repositories) *TokenServer {
	return &TokenServer{cfg: cfg, keys: keys, store: store, accounts: accounts, namespaces: namespaces, repos: repos, now: time.Now}
}

// TTL returns how long issued tokens live: the lag after which a revoked
// credential's last token dies.
func (s *TokenServer) TTL() time.Duration { return s.cfg.TTL }

// Service returns the registry service name tokens are issued for.
func (s *TokenServer) Service() string { return s.cfg.Service }

// Issue authenticates req and signs a token. A denied scope is not an
// error: it is simply absent from the token's access.
func (s *TokenServer) Issue(ctx context.Context, req TokenRequest) (Token, error) {
	if req.Service != "" && req.Service != s.cfg.Service {
		return Token{}, fmt.Errorf("%w %q", ErrUnknownService, req.Service)
	}
	subject, grants, err := s.resolve(ctx, req.Username, req.Password)
	if err != nil {
		return Token{}, err
	}
	if err := s.addRepositoryGrants(ctx, subject, &grants, req.Scopes); err != nil {
		return Token{}, err
	}
	access := grants.Intersect(req.Scopes)
	if subject.ID != "" {
		access = restrict(access, subject)
	}
	tok, err := s.Sign(subject.Name, access)
	if err != nil {
		return Token{}, err
	}
	return tok, nil
}

// addRepositoryGrants adds what the subject may do with each requested
// user or organisation repository.
func (s *TokenServer) addRepositoryGrants(ctx context.Context, subject Subject, g *Grants, scopes []Access) error {
	for _, a := range scopes {
		if a.Type != "repository" {
			continue
		}
		actions, err := s.repos.Actions(ctx, subject, a.Name)
		if err != nil {
			return fmt.Errorf("deciding access to %s: %w", a.Name, err)
		}
		if len(actions) > 0 {
			g.addRepository(a.Name, actions...)
		}
	}
	return nil
}

// restrict applies a personal access token's limits to granted access.
func restrict(access []Access, subject Subject) []Access {
	out := access[:0]
	for _, a := range access {
		var kept []string
		for _, act := range a.Actions {
			if subject.permits(a.Name, act) {
				kept = append(kept, act)
			}
		}
		if len(kept) > 0 {
			a.Actions = kept
			out = append(out, a)
		}
	}
	return out
}

// resolve turns a credential into a subject and its grants. A license key
// is a subject of its own, "license:<id>", with no account behind it.
func (s *TokenServer) resolve(ctx context.Context, username, password string) (Subject, Grants, error) {
	now := s.now()
	switch {
	case username == "" && password == "":
		return Subject{}, Grants{}, nil
	case strings.HasPrefix(password, KeyPrefix):
		l, err := s.store.LicenseByKeyHash(ctx, secret.Hash(password))
		if errors.Is(err, ErrNotFound) {
			return Subject{}, Grants{}, ErrBadCredentials
		} else if err != nil {
			return Subject{}, Grants{}, fmt.Errorf("looking up license key: %w", err)
		}
		if !l.Entitles(now) {
			return Subject{}, Grants{}, &InactiveLicenseError{Hint: l.KeyHint, Status: effectiveStatus(l, now)}
		}
		var g Grants
		for _, repo := range l.Repositories {
			g.addRepository(repo, "pull")
		}
		return Subject{Name: "license:" + l.ID}, g, nil
	default:
		return s.resolveUser(ctx, username, password, now)
	}
}

func (s *TokenServer) resolveUser(ctx context.Context, username, password string, now time.Time) (Subject, Grants, error) {
	subj, err := s.accounts.Authenticate(ctx, username, password)
	if err != nil {
		return Subject{}, Grants{}, err
	}
	var g Grants
	licenses, err := s.store.LicensesByOwner(ctx, subj.ID)
	if err != nil {
		return Subject{}, Grants{}, fmt.Errorf("listing licenses of %s: %w", subj.Name, err)
	}
	for _, l := range licenses {
		if l.Entitles(now) {
			for _, repo := range l.Repositories {
				g.addRepository(repo, "pull")
			}
		}
	}
	namespaces, err := s.namespaces.PushNamespaces(ctx, subj.ID)
	if err != nil {
		return Subject{}, Grants{}, fmt.Errorf("listing namespaces of %s: %w", subj.Name, err)
	}
	for _, ns := range namespaces {
		g.addNamespace(ns, "pull", "push")
	}
	return subj, g, nil
}

func effectiveStatus(l License, now time.Time) Status {
	if l.Status == StatusActive && !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt) {
		return StatusExpired
	}
	return l.Status
}

// Sign signs a token for subject granting access, with the newest signing
// key. Berth uses it directly for its own registry work (seeding, copying).
func (s *TokenServer) Sign(subject string, access []Access) (Token, error) {
	key, err := s.keys.current()
	if err != nil {
		return Token{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	if access == nil {
		access = []Access{}
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{s.cfg.Service},
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.TTL)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        secret.ID(),
		},
		Access: slices.Clip(access),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = key.id
	t.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(key.cert.Raw)}
	signed, err := t.SignedString(key.private)
	if err != nil {
		return Token{}, fmt.Errorf("signing token: %w", err)
	}
	return Token{Token: signed, Subject: subject, Access: access, IssuedAt: now, ExpiresIn: s.cfg.TTL}, nil
}
