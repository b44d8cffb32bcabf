package frontend

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
	"github.com/berth/berth/directory"
)

// oidcCookie keeps the pending OIDC sign-in between the redirect to the
// provider and its callback: sealed (so the browser can neither read the
// PKCE verifier nor forge a state), HttpOnly, SameSite=Lax (the callback
// is a top-level GET from the provider's site), for ten minutes.
const (
	oidcCookie    = "berth_oidc"
	oidcCookieFor = 10 * time.Minute
)

// oidcPending is what the cookie holds.
type oidcPending struct {
	Provider string            `json:"provider"`
	Pending  directory.Pending `json:"pending"`
	Next     string            `json:"next"`
	// LinkUser is set when a signed-in person started linking their own
	// account from the settings page: the callback links instead of
	// signing in, and only for that same account.
	LinkUser string `json:"link_user,omitempty"`
}

// signInProvider is a "Sign in with" button or a "Link" action.
type signInProvider struct {
	Name        string
	DisplayName string
	Linked      bool
}

// directoryRoutes registers the OIDC sign-in and link flow and the
// directory's admin pages and API. They are registered whether or not a
// directory is configured, and answer 404 when none is.
func (h *handlers) directoryRoutes(app, api routes) {
	app.Get("/signin/oidc/:name", access.Anyone, h.oidcBegin)
	app.Get("/signin/oidc/:name/callback", access.Anyone, h.oidcCallback)
	app.Post("/settings/oidc/:name/link", access.OwnCredentials, h.oidcLinkStart)
	h.directoryAdminRoutes(app, api)
}

// signInProviders lists the configured OIDC providers for buttons.
func (h *handlers) signInProviders() []signInProvider {
	if h.Directory == nil {
		return nil
	}
	out := make([]signInProvider, 0, len(h.Directory.Providers))
	for _, p := range h.Directory.Providers {
		out = append(out, signInProvider{Name: p.Name, DisplayName: p.DisplayName})
	}
	return out
}

// oidcBegin sends the browser to the provider.
func (h *handlers) oidcBegin(c *fiber.Ctx) error {
	return h.oidcStart(c, oidcPending{Next: safeNext(c.Query("next"))})
}

// oidcLinkStart starts linking the signed-in account: the same flow, and
// the callback links the identity it brings back to this account.
func (h *handlers) oidcLinkStart(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	return h.oidcStart(c, oidcPending{Next: "/settings#directory", LinkUser: u.ID})
}

func (h *handlers) oidcStart(c *fiber.Ctx, st oidcPending) error {
	p, err := h.Directory.provider(c.Params("name"))
	if err != nil {
		return err
	}
	authURL, pending := p.Flow.Begin()
	st.Provider, st.Pending = p.Name, pending
	sealed, err := h.sealPending(st)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: oidcCookie, Value: sealed, Path: "/signin/oidc/", Expires: time.Now().Add(oidcCookieFor),
		HTTPOnly: true, Secure: strings.HasPrefix(h.PublicURL, "https://"), SameSite: fiber.CookieSameSiteLaxMode})
	return c.Redirect(authURL, http.StatusSeeOther)
}

// oidcCallback finishes the flow the cookie names: a sign-in (the account
// is found, or created just in time, and a session starts) or a link of
// the signed-in account.
func (h *handlers) oidcCallback(c *fiber.Ctx) error {
	p, err := h.Directory.provider(c.Params("name"))
	if err != nil {
		return err
	}
	st, err := h.openPending(c.Cookies(oidcCookie), p.Name)
	c.Cookie(&fiber.Cookie{Name: oidcCookie, Value: "", Path: "/signin/oidc/", Expires: time.Unix(1, 0),
		HTTPOnly: true, Secure: strings.HasPrefix(h.PublicURL, "https://"), SameSite: fiber.CookieSameSiteLaxMode})
	if err != nil {
		return h.oidcRefused(c, err)
	}
	if c.Query("error") != "" {
		return h.oidcRefused(c, directory.ErrBadCredentials)
	}
	ctx := c.UserContext()
	id, err := p.Flow.Finish(ctx, st.Pending, c.Query("state"), c.Query("code"))
	if err != nil {
		return h.oidcRefused(c, err)
	}
	if st.LinkUser != "" {
		v := viewerOf(c)
		if !v.SignedIn() || v.User.ID != st.LinkUser {
			return h.oidcRefused(c, directory.ErrBadState)
		}
		if err := p.Service.LinkIdentity(ctx, v.User, id); err != nil {
			return err
		}
		return h.done(c, st.Next, "Your account is linked to "+p.DisplayName+".")
	}
	u, err := p.Service.SignInIdentity(ctx, id)
	if err == nil {
		err = h.identitySession(c, u)
	}
	h.recordOIDCSignIn(c, p, u, id.Username, err)
	if err != nil {
		return h.oidcRefused(c, err)
	}
	return c.Redirect(safeNext(st.Next), http.StatusSeeOther)
}

// oidcRefused shows the sign-in page with why, for a refusal the visitor
// can act on; anything else is an error page.
func (h *handlers) oidcRefused(c *fiber.Ctx, err error) error {
	ae, ok := clientError(err)
	if !ok {
		return err
	}
	return h.render(c, ae.Status, "signin", "Sign in", form{Error: ae.Message, Next: "/", Providers: h.signInProviders()})
}

// identitySession opens a session for u, whom a provider vouched for,
// ending any session the browser had.
func (h *handlers) identitySession(c *fiber.Ctx, u account.User) error {
	if old := c.Cookies(sessionCookie); old != "" {
		if err := h.Accounts.SignOut(c.UserContext(), old); err != nil {
			return err
		}
	}
	sess, token, err := h.Accounts.StartSession(c.UserContext(), u, account.Client{UserAgent: c.Get(fiber.HeaderUserAgent), Address: c.IP()})
	if err != nil {
		return err
	}
	h.setCookie(c, sessionCookie, token, sess.ExpiresAt)
	return nil
}

// recordOIDCSignIn writes an OIDC sign-in, or its failure, to the
// security log, as the password sign-in routes do.
func (h *handlers) recordOIDCSignIn(c *fiber.Ctx, p OIDCProvider, u account.User, providerName string, err error) {
	if h.Security == nil {
		return
	}
	e := audit.Event{Action: audit.SignIn, ActorID: u.ID, ActorName: u.Username, Credential: audit.CredentialDirectory,
		Address: h.clientIP(c), Outcome: audit.Success, Detail: "OIDC " + p.Name + " as " + providerName}
	if err != nil {
		e.Action, e.Outcome, e.ActorName = audit.SignInFailed, audit.Failure, providerName
	}
	if rerr := h.Security.Record(context.WithoutCancel(c.UserContext()), e); rerr != nil {
		h.Logger.Error("recording a security event failed", "action", e.Action, "err", rerr)
	}
}

// pendingAAD binds a sealed pending sign-in to its purpose and provider.
func pendingAAD(provider string) []byte { return []byte("berth oidc pending " + provider) }

func (h *handlers) sealPending(st oidcPending) (string, error) {
	plain, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	sealed, err := h.Directory.Sealer.Seal(plain, pendingAAD(st.Provider))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// openPending opens the cookie; a missing, forged or other provider's
// cookie is ErrBadState.
func (h *handlers) openPending(cookie, provider string) (oidcPending, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || cookie == "" {
		return oidcPending{}, directory.ErrBadState
	}
	plain, _, err := h.Directory.Sealer.Open(raw, pendingAAD(provider))
	if err != nil {
		return oidcPending{}, directory.ErrBadState
	}
	var st oidcPending
	if err := json.Unmarshal(plain, &st); err != nil || st.Provider != provider {
		return oidcPending{}, directory.ErrBadState
	}
	return st, nil
}

// linkableProviders lists the OIDC providers for the settings page, each
// saying whether the account is linked to it already. A provider whose
// links cannot be read is shown as not linked: linking again is refused
// with a clear conflict, so nothing is lost.
func (h *handlers) linkableProviders(ctx context.Context, userID string) []signInProvider {
	if h.Directory == nil {
		return nil
	}
	out := make([]signInProvider, 0, len(h.Directory.Providers))
	for _, p := range h.Directory.Providers {
		linked, _ := p.Service.Linked(ctx, userID)
		out = append(out, signInProvider{Name: p.Name, DisplayName: p.DisplayName, Linked: linked})
	}
	return out
}
