package account

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/berth/berth/internal/secret"
)

// TokenPrefix starts every personal access token, so that secret scanners
// recognise a leaked one and the token server tells it from a password.
const TokenPrefix = "berth_pat_"

// maxTokens bounds how many tokens one user may hold.
const maxTokens = 100

// MaxTokenYears bounds how far ahead a token's expiry may be. A token
// meant to live longer should not expire at all; a date decades ahead is
// more likely a typing slip than a wish. The settings form offers at most
// 3650 days, which is within it.
const MaxTokenYears = 10

// LatestExpiry is the last instant a store can keep exactly: both stores
// encode times as int64 Unix nanoseconds (internal/storecodec), whose range
// ends on 2262-04-11. A later expiry would wrap round to 1677 and the token
// would be dead on arrival, so expiries are refused past it whatever the
// clock says.
var LatestExpiry = time.Unix(0, math.MaxInt64).UTC()

// NewToken is a request for a personal access token.
type NewToken struct {
	Name      string
	Access    TokenAccess
	Resources []string
	ExpiresAt time.Time
}

// CreateToken makes a personal access token. The secret is returned here
// only; it is stored as a hash.
func (s *Service) CreateToken(ctx context.Context, userID string, in NewToken) (AccessToken, string, error) {
	if err := s.validToken(&in); err != nil {
		return AccessToken{}, "", err
	}
	t := AccessToken{UserID: userID, Name: in.Name, Access: in.Access, Resources: in.Resources, ExpiresAt: in.ExpiresAt.UTC()}
	if in.ExpiresAt.IsZero() {
		t.ExpiresAt = time.Time{}
	}
	return s.issueToken(ctx, t)
}

// issueToken gives t an ID and a new secret and stores it, within the
// number of tokens one account may hold. The secret is returned here only;
// it is stored as a hash.
func (s *Service) issueToken(ctx context.Context, t AccessToken) (AccessToken, string, error) {
	existing, err := s.st.Tokens.TokensByUser(ctx, t.UserID)
	if err != nil {
		return AccessToken{}, "", err
	}
	if len(existing) >= maxTokens {
		return AccessToken{}, "", &InvalidError{Field: "name", Message: fmt.Sprintf("you have %d tokens, the most one account may hold; revoke some first", maxTokens)}
	}
	token := secret.Token(TokenPrefix)
	t.ID, t.TokenHash, t.Hint, t.CreatedAt = secret.ID(), secret.Hash(token), secret.Hint(token), s.now().UTC()
	if err := s.st.Tokens.CreateToken(ctx, t); err != nil {
		return AccessToken{}, "", fmt.Errorf("storing token: %w", err)
	}
	return t, token, nil
}

func (s *Service) validToken(in *NewToken) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 64 {
		return &InvalidError{Field: "name", Message: "give the token a name of 1 to 64 characters, such as \"CI pipeline\""}
	}
	if err := plainText("name", in.Name, true); err != nil {
		return err
	}
	if in.Access == "" {
		in.Access = TokenRead
	}
	if in.Access != TokenRead && in.Access != TokenReadWrite {
		return &InvalidError{Field: "access", Message: "access must be read or read-write"}
	}
	for i, r := range in.Resources {
		r = strings.ToLower(strings.TrimSpace(r))
		ns, repo, _ := strings.Cut(r, "/")
		if !namePattern.MatchString(ns) || (repo != "" && !repoNamePattern.MatchString(repo)) {
			return &InvalidError{Field: "resources", Message: fmt.Sprintf("%q is not a namespace (acme) or repository (acme/db)", in.Resources[i])}
		}
		in.Resources[i] = r
	}
	return s.validExpiry(in.ExpiresAt)
}

// validExpiry accepts no expiry (zero), or one in the future no later than
// MaxTokenYears ahead and LatestExpiry.
func (s *Service) validExpiry(at time.Time) error {
	if at.IsZero() {
		return nil
	}
	now := s.now()
	if !at.After(now) {
		return &InvalidError{Field: "expires_at", Message: "the expiry must be in the future"}
	}
	latest := now.AddDate(MaxTokenYears, 0, 0)
	if latest.After(LatestExpiry) {
		latest = LatestExpiry
	}
	if at.After(latest) {
		return &InvalidError{Field: "expires_at", Message: fmt.Sprintf(
			"the expiry may be at most %d years ahead, no later than %s; choose an earlier date, or leave it empty for a token that never expires",
			MaxTokenYears, latest.UTC().Format(time.RFC3339))}
	}
	return nil
}

// AuthenticateToken returns the enabled user a personal access token
// belongs to, and the token. An unknown, expired or disabled user's token
// is ErrBadCredentials.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (User, AccessToken, error) {
	t, err := s.st.Tokens.TokenByHash(ctx, secret.Hash(token))
	if errors.Is(err, ErrNotFound) {
		return User{}, AccessToken{}, ErrBadCredentials
	} else if err != nil {
		return User{}, AccessToken{}, fmt.Errorf("looking up token: %w", err)
	}
	now := s.now()
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return User{}, AccessToken{}, ErrBadCredentials
	}
	u, err := s.st.Users.UserByID(ctx, t.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Disabled) {
		return User{}, AccessToken{}, ErrBadCredentials
	} else if err != nil {
		return User{}, AccessToken{}, err
	}
	if now.Sub(t.LastUsedAt) > touchEvery {
		if err := s.st.Tokens.TouchToken(ctx, t.ID, now.UTC()); err != nil {
			return User{}, AccessToken{}, fmt.Errorf("recording token use: %w", err)
		}
		t.LastUsedAt = now.UTC()
	}
	return u, t, nil
}

// Tokens lists the user's tokens.
func (s *Service) Tokens(ctx context.Context, userID string) ([]AccessToken, error) {
	return s.st.Tokens.TokensByUser(ctx, userID)
}

// RevokeToken deletes one of the user's tokens.
func (s *Service) RevokeToken(ctx context.Context, userID, id string) error {
	return s.st.Tokens.DeleteToken(ctx, userID, id)
}

// Resume returns the enabled user behind a credential issued earlier, if
// that credential still lives: with tokenID empty, a password sign-in made
// at since, which dies when the password changes; otherwise the personal
// access token tokenID, which dies when revoked or expired. It is what
// long-lived registry refresh tokens are checked against.
func (s *Service) Resume(ctx context.Context, userID, tokenID string, since time.Time) (User, *AccessToken, error) {
	u, err := s.st.Users.UserByID(ctx, userID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Disabled) {
		return User{}, nil, ErrBadCredentials
	} else if err != nil {
		return User{}, nil, err
	}
	if tokenID == "" {
		if u.PasswordChangedAt.After(since) {
			return User{}, nil, ErrBadCredentials
		}
		return u, nil, nil
	}
	tokens, err := s.st.Tokens.TokensByUser(ctx, userID)
	if err != nil {
		return User{}, nil, err
	}
	for _, t := range tokens {
		if t.ID == tokenID && (t.ExpiresAt.IsZero() || s.now().Before(t.ExpiresAt)) {
			return u, &t, nil
		}
	}
	return User{}, nil, ErrBadCredentials
}
