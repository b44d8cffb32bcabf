package licensing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth/berth/access"
	"github.com/berth/berth/internal/secret"
)

// principal is a resolved credential: who it is, what it grants, and what
// kind of credential it was (empty for anonymous), for refresh tokens.
// Grants are unconditional (ownership, publishers' namespaces); Licensed
// are the licenses that may entitle a pull of each repository, subject to
// seats and quotas when a token is issued and to tag ranges at pull time.
type principal struct {
	Subject  access.Principal
	Grants   Grants
	Licensed map[string][]License
	// Inactive are the account's licenses that no longer grant anything
	// (expired, suspended, revoked), per repository: the reason given
	// when a pull they name is refused.
	Inactive   map[string][]License
	Kind       CredentialKind
	UserID     string
	Credential string // the access token's or license's ID
}

// addLicense records that l may entitle pulls of its repositories.
func (p *principal) addLicense(l License) {
	if p.Licensed == nil {
		p.Licensed = map[string][]License{}
	}
	for _, repo := range l.Repositories {
		p.Licensed[repo] = append(p.Licensed[repo], l)
	}
}

// addInactive records that l, which grants nothing now, names its
// repositories.
func (p *principal) addInactive(l License) {
	if p.Inactive == nil {
		p.Inactive = map[string][]License{}
	}
	for _, repo := range l.Repositories {
		p.Inactive[repo] = append(p.Inactive[repo], l)
	}
}

// seatHolder names the credential for seat counting: the license key
// itself, a personal access token, or the member.
func (p principal) seatHolder() string {
	switch p.Kind {
	case CredentialLicense:
		return "key"
	case CredentialToken:
		return "pat:" + p.Credential
	}
	return "user:" + p.UserID
}

// resolve turns a credential into a principal. A license key is a subject
// of its own, "license:<id>", with no account behind it.
func (s *TokenServer) resolve(ctx context.Context, username, password string) (principal, error) {
	switch {
	case username == "" && password == "":
		return principal{}, nil
	case strings.HasPrefix(password, KeyPrefix):
		v, err := s.versions.get(ctx)
		if err != nil {
			return principal{}, fmt.Errorf("looking up license key: %w", err)
		}
		l, err := s.keyLicense(ctx, v, secret.Hash(password))
		if err != nil {
			return principal{}, err
		}
		return s.licensePrincipal(l)
	default:
		subj, err := s.accounts.Authenticate(ctx, username, password)
		if err != nil {
			return principal{}, err
		}
		return s.userPrincipal(ctx, subj)
	}
}

// licensePrincipal lets a usable license's key pull its repositories.
func (s *TokenServer) licensePrincipal(l License) (principal, error) {
	now := s.now()
	if !l.Usable(now) {
		return principal{}, &InactiveLicenseError{Hint: l.KeyHint, Status: effectiveStatus(l, now), LicenseID: l.ID, Owner: l.Owner}
	}
	p := principal{Subject: access.Principal{Kind: access.LicenseKey, Name: "license:" + l.ID, CredentialID: l.ID},
		Kind: CredentialLicense, UserID: l.Owner, Credential: l.ID}
	p.addLicense(l)
	return p, nil
}

// userPrincipal gives an account the pulls of its own licenses and of its
// organisations'; what it may do with repositories outside its licenses
// is added per scope in Issue. A push token pulls no licensed content.
func (s *TokenServer) userPrincipal(ctx context.Context, subj access.Principal) (principal, error) {
	p := principal{Subject: subj, Kind: CredentialPassword, UserID: subj.UserID}
	if subj.CredentialID != "" {
		p.Kind, p.Credential = CredentialToken, subj.CredentialID
	}
	if subj.Kind == access.PushToken {
		return p, nil
	}
	owners := []string{subj.UserID}
	orgs, err := s.orgs.OrgIDs(ctx, subj.UserID)
	if err != nil {
		return principal{}, fmt.Errorf("listing organisations of %s: %w", subj.Name, err)
	}
	owners = append(owners, orgs...)
	now := s.now()
	for _, owner := range owners {
		licenses, err := s.store.LicensesByOwner(ctx, owner)
		if err != nil {
			return principal{}, fmt.Errorf("listing licenses of %s: %w", owner, err)
		}
		for _, l := range licenses {
			if l.Usable(now) {
				p.addLicense(l)
			} else {
				p.addInactive(l)
			}
		}
	}
	return p, nil
}

// RefreshPrefix starts every refresh token.
const RefreshPrefix = "berth_rt_"

// touchRefreshEvery limits how often a refresh token's last use is written.
const touchRefreshEvery = time.Minute

// newRefreshToken stores a refresh token for the principal and returns its secret.
func (s *TokenServer) newRefreshToken(ctx context.Context, p principal, clientID string) (string, error) {
	token := secret.Token(RefreshPrefix)
	now := s.now().UTC()
	rt := RefreshToken{ID: secret.ID(), TokenHash: secret.Hash(token), Hint: secret.Hint(token), Kind: p.Kind,
		UserID: p.UserID, Credential: p.Credential, ClientID: truncate(clientID, 100), CreatedAt: now, LastUsedAt: now}
	if err := s.refresh.CreateRefreshToken(ctx, rt); err != nil {
		return "", fmt.Errorf("storing refresh token: %w", err)
	}
	return token, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// resolveRefresh turns a refresh token into the principal of the credential
// it came from, if that credential still lives.
func (s *TokenServer) resolveRefresh(ctx context.Context, token string) (principal, error) {
	rt, err := s.refresh.RefreshTokenByHash(ctx, secret.Hash(token))
	if errors.Is(err, ErrNotFound) {
		return principal{}, ErrBadCredentials
	} else if err != nil {
		return principal{}, fmt.Errorf("looking up refresh token: %w", err)
	}
	var p principal
	switch rt.Kind {
	case CredentialLicense:
		l, err := s.store.LicenseByID(ctx, rt.Credential)
		if errors.Is(err, ErrNotFound) {
			return principal{}, ErrBadCredentials
		} else if err != nil {
			return principal{}, err
		}
		p, err = s.licensePrincipal(l)
		if err != nil {
			return principal{}, err
		}
	default:
		subj, err := s.accounts.Resume(ctx, rt.UserID, rt.Credential, rt.CreatedAt)
		if err != nil {
			return principal{}, err
		}
		if p, err = s.userPrincipal(ctx, subj); err != nil {
			return principal{}, err
		}
	}
	if now := s.now(); now.Sub(rt.LastUsedAt) > touchRefreshEvery {
		if err := s.refresh.TouchRefreshToken(ctx, rt.ID, now.UTC()); err != nil {
			return principal{}, fmt.Errorf("recording refresh token use: %w", err)
		}
	}
	return p, nil
}

// RefreshTokens lists a user's refresh tokens: the registry clients signed
// in with offline access.
func (s *TokenServer) RefreshTokens(ctx context.Context, userID string) ([]RefreshToken, error) {
	return s.refresh.RefreshTokensByUser(ctx, userID)
}

// RevokeRefreshToken signs one of a user's registry clients out.
func (s *TokenServer) RevokeRefreshToken(ctx context.Context, userID, id string) error {
	return s.refresh.DeleteRefreshToken(ctx, userID, id)
}
