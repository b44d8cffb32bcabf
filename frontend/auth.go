package frontend

import (
	"encoding/base64"
	"net/url"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// basicCredentials returns the HTTP basic credentials of the request, or
// empty strings when it has none. Another scheme is an error.
func basicCredentials(c *fiber.Ctx) (string, string, error) {
	header := c.Get(fiber.HeaderAuthorization)
	if header == "" {
		return "", "", nil
	}
	scheme, payload, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return "", "", unauthenticated("use HTTP basic authentication")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", unauthenticated("malformed basic credentials")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", unauthenticated("malformed basic credentials")
	}
	return user, pass, nil
}

// principal resolves the caller's credential, once per request. Pages
// take the browser session only. The API takes the Authorization header
// when there is one, and then the header alone decides who the caller is
// (never the session cookie beside it); without a header, the session.
func (h *handlers) principal(c *fiber.Ctx, page bool) (access.Principal, error) {
	if p, ok := c.Locals("principal").(access.Principal); ok {
		return p, nil
	}
	p := access.Principal{Kind: access.Anonymous}
	if !page && c.Get(fiber.HeaderAuthorization) != "" {
		var err error
		if p, err = h.headerPrincipal(c); err != nil {
			return p, err
		}
	} else if v := viewerOf(c); v.SignedIn() {
		p = access.Principal{Kind: access.Session, UserID: v.User.ID, Name: v.User.Username, Admin: v.User.Admin,
			CredentialID: v.Session.ID}
	}
	c.Locals("principal", p)
	return p, nil
}

// headerPrincipal resolves HTTP basic credentials: a password, or as the
// password a personal access token, push token, license key or refresh
// token (each recognised by its prefix; the last two reach nothing here,
// so they are not even looked up).
func (h *handlers) headerPrincipal(c *fiber.Ctx) (access.Principal, error) {
	username, password, err := basicCredentials(c)
	if err != nil {
		return access.Principal{}, err
	}
	ctx := c.UserContext()
	switch {
	case strings.HasPrefix(password, licensing.KeyPrefix):
		return access.Principal{Kind: access.LicenseKey}, nil
	case strings.HasPrefix(password, licensing.RefreshPrefix):
		return access.Principal{Kind: access.Refresh}, nil
	case strings.HasPrefix(password, account.TokenPrefix):
		u, t, err := h.Accounts.AuthenticateToken(ctx, password)
		if err != nil {
			return access.Principal{}, err
		}
		p := access.Principal{Kind: access.Token, UserID: u.ID, Name: u.Username, ReadOnly: t.Access == account.TokenRead,
			Within: t.Resources, CredentialID: t.ID}
		if t.Access == account.TokenBuild {
			// A build's registry credential reaches nothing on the API.
			return access.Principal{}, account.ErrBadCredentials
		}
		if t.Access == account.TokenPush {
			return access.Principal{Kind: access.PushToken, UserID: u.ID, Name: u.Username, Within: t.Resources, CredentialID: t.ID}, nil
		}
		c.Locals("viewer", viewer{User: u, Token: &t, viaHeader: true})
		return p, nil
	}
	u, err := h.authenticatePassword(ctx, username, password)
	if err != nil {
		return access.Principal{}, err
	}
	c.Locals("viewer", viewer{User: u, viaHeader: true})
	return access.Principal{Kind: access.Password, UserID: u.ID, Name: u.Username, Admin: u.Admin}, nil
}

// currentViewer returns the caller as the route's authorization resolved it.
func (h *handlers) currentViewer(c *fiber.Ctx) (viewer, error) { return viewerOf(c), nil }

// requireUser returns the caller's account. The route's declared
// permission decided whether the caller may be here; this only reads who
// it is.
func (h *handlers) requireUser(c *fiber.Ctx) (account.User, error) {
	v := viewerOf(c)
	if !v.SignedIn() {
		return account.User{}, errUnauthorized
	}
	return v.User, nil
}

// userInput returns the caller, as requireUser does, and decodes the
// request body into in.
func (h *handlers) userInput(c *fiber.Ctx, in any) (account.User, error) {
	u, err := h.requireUser(c)
	if err != nil {
		return account.User{}, err
	}
	return u, decode(c, in)
}

// requirePageUser is requireUser for pages: an anonymous visitor is sent
// to sign in and then brought back.
func (h *handlers) requirePageUser(c *fiber.Ctx) (account.User, bool, error) {
	v := viewerOf(c)
	if !v.SignedIn() {
		return account.User{}, false, signInRedirect(c)
	}
	return v.User, true, nil
}

// safeNext keeps a post-sign-in redirect on this site: a path of its own,
// never another origin. Browsers drop tabs and newlines from URLs and read
// a backslash as a slash, so "/\t/evil.com" would take them to
// //evil.com: any control character, space or backslash refuses.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for _, r := range next {
		if r <= ' ' || r == 0x7f || r == '\\' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
