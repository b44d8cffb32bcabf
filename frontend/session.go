package frontend

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/secret"
)

// Cookie names. The session cookie holds the session token; the CSRF
// cookie holds the token anonymous forms (sign-in, sign-up) must echo.
const (
	sessionCookie = "berth_session"
	csrfCookie    = "berth_csrf"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// viewer is who is making a request. A zero viewer is anonymous.
type viewer struct {
	User    account.User
	Session account.Session
	token   string // the session cookie's value
	// viaHeader is set when the credentials came in the Authorization
	// header (basic password or personal access token), which a browser
	// never sends cross-site on its own: such requests need no CSRF token.
	viaHeader bool
	Token     *account.AccessToken // the personal access token used, if any
}

// SignedIn reports whether the viewer is a user.
func (v viewer) SignedIn() bool { return v.User.ID != "" }

func viewerOf(c *fiber.Ctx) viewer {
	v, _ := c.Locals("viewer").(viewer)
	return v
}

// identify is middleware: it resolves the session cookie into a viewer.
// Header credentials are resolved only where an endpoint asks for a user,
// so that every failed guess passes the rate limiter.
func (h *handlers) identify(c *fiber.Ctx) error {
	if token := c.Cookies(sessionCookie); token != "" {
		sess, u, err := h.Accounts.Session(c.UserContext(), token)
		switch {
		case err == nil:
			c.Locals("viewer", viewer{User: u, Session: sess, token: token})
		case errors.Is(err, account.ErrNotFound):
			// Expired or ended: the pages say so (see expiredNotice).
			c.Locals(expiredKey, true)
			h.clearSession(c)
		default:
			return err
		}
	}
	return c.Next()
}

// csrfToken is the token the viewer's forms carry: derived from the session
// token for a signed-in viewer, so it changes with every sign-in; for an
// anonymous visitor, the random value of the CSRF cookie (set here when
// missing), which the form must echo.
func (h *handlers) csrfToken(c *fiber.Ctx) string {
	if v := viewerOf(c); v.token != "" {
		mac := hmac.New(sha256.New, []byte(v.token))
		mac.Write([]byte("berth csrf"))
		return hex.EncodeToString(mac.Sum(nil))
	}
	if t := c.Cookies(csrfCookie); len(t) >= 32 {
		return t
	}
	t := secret.Token("")
	h.setCookie(c, csrfCookie, t, time.Time{})
	c.Locals(csrfCookie, t)
	return t
}

// checkCSRF is middleware refusing a state-changing request that relies on
// cookies and does not echo the viewer's CSRF token. A browser never sends
// an Authorization header cross-site on its own, and on the API such a
// header alone decides who the caller is (see principal), so API requests
// carrying one need no token; pages take the session only, so they always
// do. A request a browser marks as cross-site changes nothing whatever it
// carries.
func (h *handlers) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return errCSRF
	}
	api := strings.HasPrefix(c.Path(), "/api/")
	// Signing in over an existing session starts a new one and needs only
	// the JSON body a cross-site page cannot send.
	if api && (c.Get(fiber.HeaderAuthorization) != "" || (c.Method() == fiber.MethodPost && c.Path() == "/api/v1/session")) {
		return c.Next()
	}
	signedIn := viewerOf(c).token != ""
	if api && !signedIn {
		// An anonymous JSON request carries no ambient credential to abuse,
		// and a browser cannot send JSON cross-site without asking.
		return c.Next()
	}
	got := c.Get(csrfHeader)
	if got == "" {
		got = c.FormValue(csrfField)
	}
	want := c.Cookies(csrfCookie)
	if signedIn {
		want = h.csrfToken(c)
	}
	if want == "" || !secret.Equal(got, want) {
		if !api && sessionExpired(c) {
			return h.expiredForm(c)
		}
		return errCSRF
	}
	return c.Next()
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure when Berth is
// served over https. A zero expiry makes a browser-session cookie.
func (h *handlers) setCookie(c *fiber.Ctx, name, value string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name: name, Value: value, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: strings.HasPrefix(h.PublicURL, "https://"), SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (h *handlers) clearSession(c *fiber.Ctx) {
	h.setCookie(c, sessionCookie, "", time.Unix(1, 0))
}

// startSession signs the viewer in: any session the browser had is ended
// first and a new token is issued, so a planted session cookie is useless.
func (h *handlers) startSession(c *fiber.Ctx, username, password string) (account.Session, error) {
	if old := c.Cookies(sessionCookie); old != "" {
		if err := h.Accounts.SignOut(c.UserContext(), old); err != nil {
			return account.Session{}, err
		}
	}
	sess, token, err := h.passwordSession(c.UserContext(), username, password, account.Client{UserAgent: c.Get(fiber.HeaderUserAgent), Address: c.IP()})
	if err != nil {
		return account.Session{}, err
	}
	h.setCookie(c, sessionCookie, token, sess.ExpiresAt)
	c.Locals("viewer", viewer{User: account.User{ID: sess.UserID}, Session: sess, token: token})
	return sess, nil
}
