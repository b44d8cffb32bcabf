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
	TokenID  string // the personal access token authenticated with, if any
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
	// Resume returns the subject a refresh token stands for, if the
	// credential it came from still lives: the user enabled and their
	// password unchanged since since (tokenID empty), or the access token
	// tokenID unrevoked and unexpired. Otherwise an error matching
	// ErrBadCredentials.
	Resume(ctx context.Context, userID, tokenID string, since time.Time) (Subject, error)
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
// and Password ask anonymously. RefreshToken, when set, is the credential
// instead of Username and Password. Offline asks for a refresh token.
type TokenRequest struct {
	Service      string
	Scopes       []Access
	Username     string
	Password     string
	RefreshToken string
	Offline      bool
	ClientID     string
}

// Token is a signed registry bearer token, and the refresh token when one
// was asked for.
type Token struct {
	Token        string
	Subject      string
	Access       []Access
	IssuedAt     time.Time
	ExpiresIn    time.Duration
	RefreshToken string
}

type claims struct {
	jwt.RegisteredClaims
	Access []Access `json:"access"`
}

// TokenDeps are what the token server works with.
type TokenDeps struct {
	Keys         *KeyRing
	Licenses     Store
	Refresh      RefreshStore
	Accounts     Authenticator
	Namespaces   Namespaces
	Repositories Repositories
}

// TokenServer authenticates registry clients and signs tokens granting the
// intersection of what they ask and what their credential entitles.
type TokenServer struct {
	cfg        TokenConfig
	keys       *KeyRing
	store      Store
	refresh    RefreshStore
	accounts   Authenticator
	namespaces Namespaces
	repos      Repositories
	now        func() time.Time
}

// NewTokenServer returns a TokenServer.
func NewTokenServer(cfg TokenConfig, d TokenDeps) *TokenServer {
	return &TokenServer{cfg: cfg, keys: d.Keys, store: d.Licenses, refresh: d.Refresh, accounts: d.Accounts,
		namespaces: d.Namespaces, repos: d.Repositories, now: time.Now}
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
	var p principal
	var err error
	if req.RefreshToken != "" {
		p, err = s.resolveRefresh(ctx, req.RefreshToken)
	} else {
		p, err = s.resolve(ctx, req.Username, req.Password)
	}
	if err != nil {
		return Token{}, err
	}
	if err := s.addRepositoryGrants(ctx, p.Subject, &p.Grants, req.Scopes); err != nil {
		return Token{}, err
	}
	access := p.Grants.Intersect(req.Scopes)
	if p.Subject.ID != "" {
		access = restrict(access, p.Subject)
	}
	tok, err := s.Sign(p.Subject.Name, access)
	if err != nil {
		return Token{}, err
	}
	if req.Offline && req.RefreshToken == "" && p.Kind != "" {
		if tok.RefreshToken, err = s.newRefreshToken(ctx, p, req.ClientID); err != nil {
			return Token{}, err
		}
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
