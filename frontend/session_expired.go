package frontend

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// expiredKey marks a request whose session cookie named a session that
// has expired or ended.
const expiredKey = "sessionExpired"

// expiredNotice is what a page says to a visitor whose session expired.
const expiredNotice = "Your session expired; sign in again."

// sessionExpired reports whether the request came with a session that has
// expired or ended.
func sessionExpired(c *fiber.Ctx) bool {
	v, _ := c.Locals(expiredKey).(bool)
	return v
}

// signInRedirect sends the visitor to sign in and back to where they were,
// saying so when their session expired.
func signInRedirect(c *fiber.Ctx) error {
	to := "/signin?next=" + url.QueryEscape(safeNext(c.OriginalURL()))
	if sessionExpired(c) {
		to += "&expired=1"
	}
	return c.Redirect(to, http.StatusSeeOther)
}

// secretField reports whether a form field holds a secret, which is never
// carried through sign-in or shown again.
func secretField(name string) bool {
	name = strings.ToLower(name)
	return name == csrfField || strings.Contains(name, "password") || strings.Contains(name, "secret") || strings.Contains(name, "token")
}

// expiredForm answers a form posted with an expired session: the sign-in
// page, saying why, which carries what was typed (never a secret) so that
// after signing in it can be sent again as it was.
func (h *handlers) expiredForm(c *fiber.Ctx) error {
	f := form{Notice: expiredNotice + " What you typed is kept: sign in, then send it again.", Resume: safeNext(c.Path())}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if name := string(k); !secretField(name) {
			f.Carried = append(f.Carried, [2]string{name, string(v)})
		}
	})
	f.Next = f.Resume
	return h.render(c, http.StatusUnauthorized, "signin", "Sign in", f)
}

// carriedFields reads back what expiredForm carried ("carry.<name>"), in
// order of name.
func carriedFields(c *fiber.Ctx) [][2]string {
	var out [][2]string
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if name, ok := strings.CutPrefix(string(k), "carry."); ok && !secretField(name) {
			out = append(out, [2]string{name, string(v)})
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
