package directory

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/berth/berth/internal/secret"
)

// OIDCConfig is one OpenID Connect provider (Keycloak, Dex, Entra ID,
// Google, GitLab), as an operator configures it.
type OIDCConfig struct {
	// Name identifies the provider in links and mappings ("oidc:<name>")
	// and in the callback path; DisplayName labels its button.
	Name        string
	DisplayName string
	Issuer      string
	ClientID    string
	// ClientSecret is empty for a public client, which relies on PKCE alone.
	ClientSecret Secret
	// RedirectURL is Berth's callback, registered with the provider.
	RedirectURL string
	// GroupsClaim names the ID token claim holding the groups (default
	// "groups"); UsernameClaim the username (default preferred_username).
	GroupsClaim   string
	UsernameClaim string
	// Scopes beyond openid, profile and email (such as "groups").
	Scopes []string
}

var oidcName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,30}$`)

// Validate names every bad setting.
func (c OIDCConfig) Validate() error {
	var errs []error
	bad := func(field, msg string) { errs = append(errs, &InvalidError{Field: field, Message: msg}) }
	if !oidcName.MatchString(c.Name) {
		bad("name", "use 1 to 31 lower-case letters, digits or '-', such as corp")
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		bad("issuer", "give the provider's issuer URL, such as https://login.example.com/realms/corp")
	}
	if c.ClientID == "" {
		bad("client_id", "give the client ID registered with the provider")
	}
	if u, err := url.Parse(c.RedirectURL); err != nil || u.Host == "" {
		bad("redirect_url", "give Berth's callback URL registered with the provider")
	}
	return errors.Join(errs...)
}

// OIDC runs the authorization code flow with PKCE, state and nonce
// against one provider.
type OIDC struct {
	cfg      OIDCConfig
	client   *http.Client
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	now      func() time.Time
}

// NewOIDC validates cfg and reads the provider's discovery document
// through client, which also fetches its signing keys later.
func NewOIDC(ctx context.Context, cfg OIDCConfig, client *http.Client) (*OIDC, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "preferred_username"
	}
	// The provider keeps this context to fetch rotated keys: it must
	// outlive ctx, and carry the client.
	keep := oidc.ClientContext(context.WithoutCancel(ctx), client)
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovering OIDC provider %s: %w", ErrUnavailable, cfg.Name, err)
	}
	o := &OIDC{cfg: cfg, client: client, now: time.Now,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret.Reveal(), RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID, "profile", "email"}, cfg.Scopes...)},
		verifier: p.VerifierContext(keep, &oidc.Config{ClientID: cfg.ClientID}),
	}
	return o, nil
}

// Provider names this provider in links and mappings.
func (o *OIDC) Provider() string { return "oidc:" + o.cfg.Name }

// Pending is a sign-in between Begin and Finish. The browser keeps it in a
// short-lived, sealed, HttpOnly cookie (never in a URL): only State
// travels through the provider.
type Pending struct {
	State    string
	Nonce    string
	Verifier string // the PKCE code verifier
	Started  time.Time
}

// pendingFor bounds how long a sign-in may take at the provider.
const pendingFor = 10 * time.Minute

// ErrBadState means the callback does not belong to the sign-in the
// browser started (a forged or replayed callback, or an expired one).
var ErrBadState = errors.New("this sign-in link is not the one your browser started, or it expired; sign in again")

// Begin starts a sign-in: the URL to send the browser to, and what to keep
// for Finish.
func (o *OIDC) Begin() (string, Pending) {
	p := Pending{State: secret.Token(""), Nonce: secret.Token(""), Verifier: oauth2.GenerateVerifier(), Started: o.now()}
	return o.oauth.AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier)), p
}

// Finish completes the sign-in the provider redirected back with: the
// state must be the pending one, the code is exchanged with the PKCE
// verifier, and the ID token must be signed by the provider, for this
// client, unexpired and carry the pending nonce. The email is kept only
// when the provider says it is verified.
func (o *OIDC) Finish(ctx context.Context, p Pending, state, code string) (Identity, error) {
	if p.State == "" || subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) != 1 || o.now().Sub(p.Started) > pendingFor {
		return Identity{}, ErrBadState
	}
	tok, err := o.oauth.Exchange(oidc.ClientContext(ctx, o.client), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: exchanging the code: %w", ErrBadCredentials, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Identity{}, fmt.Errorf("%w: the provider sent no ID token", ErrBadCredentials)
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: verifying the ID token: %w", ErrBadCredentials, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		return Identity{}, fmt.Errorf("%w: the ID token's nonce is not this sign-in's", ErrBadCredentials)
	}
	return o.identity(idt)
}

// identity reads the claims Berth uses.
func (o *OIDC) identity(idt *oidc.IDToken) (Identity, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("reading the ID token's claims: %w", err)
	}
	str := func(k string) string { s, _ := claims[k].(string); return s }
	id := Identity{Provider: o.Provider(), ID: idt.Subject, Username: str(o.cfg.UsernameClaim), DisplayName: str("name")}
	if verified, _ := claims["email_verified"].(bool); verified {
		id.Email = str("email")
	}
	if id.Username == "" && id.Email != "" {
		id.Username, _, _ = strings.Cut(id.Email, "@")
	}
	if id.Username == "" {
		return Identity{}, fmt.Errorf("the ID token has no %s claim and no verified email", o.cfg.UsernameClaim)
	}
	if groups, ok := claims[o.cfg.GroupsClaim].([]any); ok {
		for _, g := range groups {
			if s, ok := g.(string); ok && s != "" {
				id.Groups = append(id.Groups, s)
			}
		}
	}
	return id, nil
}

// Authenticate refuses: an OIDC provider takes no passwords from Berth.
// Its people use a personal access token for docker login.
func (o *OIDC) Authenticate(context.Context, string, string) (Identity, error) {
	return Identity{}, ErrBadCredentials
}

// Find cannot search an OIDC provider: an admin links an account to an
// OIDC identity by having its holder sign in from the settings page.
func (o *OIDC) Find(context.Context, string) (Identity, error) { return Identity{}, ErrNotFound }

// Lookup cannot re-read a person from an OIDC provider: their groups are
// re-evaluated at each sign-in only, and Sync is for LDAP.
func (o *OIDC) Lookup(context.Context, string) (Identity, error) {
	return Identity{}, fmt.Errorf("%w: an OIDC provider cannot be searched; its people sync at sign-in", ErrUnavailable)
}
