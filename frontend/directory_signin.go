package frontend

import (
	"context"

	"github.com/berth/berth/account"
	"github.com/berth/berth/directory"
	"github.com/berth/berth/licensing"
)

// Directory is the company directory as the web side uses it: the LDAP
// service that checks passwords typed on the sign-in page and sent as
// Basic credentials, and the OIDC providers behind "Sign in with"
// buttons. A nil *Directory in Deps leaves sign-in local.
type Directory struct {
	// Password is the LDAP directory's service; nil without LDAP.
	Password *directory.Service
	// Providers are the OpenID Connect providers, in configured order.
	Providers []OIDCProvider
	// Sealer seals the pending OIDC sign-in kept in the browser's cookie.
	Sealer licensing.Sealer
}

// OIDCProvider is one OpenID Connect provider: the flow that goes to the
// provider and back, and the service that signs its people in.
type OIDCProvider struct {
	Name        string
	DisplayName string
	Flow        *directory.OIDC
	Service     *directory.Service
}

// provider returns the provider called name, or directory.ErrNotFound.
func (d *Directory) provider(name string) (OIDCProvider, error) {
	if d != nil {
		for _, p := range d.Providers {
			if p.Name == name {
				return p, nil
			}
		}
	}
	return OIDCProvider{}, directory.ErrNotFound
}

// authenticatePassword is the one username-and-password check of the web
// side: the directory's when one is configured (which also keeps local
// accounts' passwords working), else the account domain's.
func (h *handlers) authenticatePassword(ctx context.Context, username, password string) (account.User, error) {
	if h.Directory != nil && h.Directory.Password != nil {
		return h.Directory.Password.Authenticate(ctx, username, password)
	}
	return h.Accounts.Authenticate(ctx, username, password)
}

// passwordSession opens a session for a username and password: through
// the directory when one is configured, else the account domain's SignIn.
func (h *handlers) passwordSession(ctx context.Context, username, password string, c account.Client) (account.Session, string, error) {
	if h.Directory == nil || h.Directory.Password == nil {
		return h.Accounts.SignIn(ctx, username, password, c)
	}
	u, err := h.Directory.Password.Authenticate(ctx, username, password)
	if err != nil {
		return account.Session{}, "", err
	}
	return h.Accounts.StartSession(ctx, u, c)
}
