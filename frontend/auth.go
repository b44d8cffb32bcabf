package frontend

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
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
		return "", "", &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "use HTTP basic authentication"}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "malformed basic credentials"}
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "malformed basic credentials"}
	}
	return user, pass, nil
}

// currentViewer returns the viewer: the session's user, or the user named by
// basic credentials (a password, or a personal access token as the
// password with any username). Without either the viewer is anonymous.
func (h *handlers) currentViewer(c *fiber.Ctx) (viewer, error) {
	if v := viewerOf(c); v.SignedIn() {
		return v, nil
	}
	username, password, err := basicCredentials(c)
	if err != nil || username == "" && password == "" {
		return viewer{}, err
	}
	v := viewer{viaHeader: true}
	if strings.HasPrefix(password, account.TokenPrefix) {
		u, t, err := h.Accounts.AuthenticateToken(c.UserContext(), password)
		if err != nil {
			return viewer{}, err
		}
		v.User, v.Token = u, &t
	} else if v.User, err = h.Accounts.Authenticate(c.UserContext(), username, password); err != nil {
		return viewer{}, err
	}
	c.Locals("viewer", v)
	return v, nil
}

// requireUser returns the signed-in user, or errUnauthorized. A personal
// access token with read access only may read: it may not change anything.
func (h *handlers) requireUser(c *fiber.Ctx) (account.User, error) {
	v, err := h.currentViewer(c)
	if err != nil {
		return account.User{}, err
	}
	if !v.SignedIn() {
		return account.User{}, errUnauthorized
	}
	if v.Token != nil && v.Token.Access == account.TokenRead && c.Method() != fiber.MethodGet {
		return account.User{}, &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "this access token is read-only"}
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
		return account.User{}, false, c.Redirect("/signin?next="+url.QueryEscape(safeNext(c.OriginalURL())), http.StatusSeeOther)
	}
	return v.User, true, nil
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}
