package frontend

import (
	"errors"
	"github.com/berth/berth/access"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// form is what a page with a form shows again after a refused submission:
// the message and the values typed (never a password).
type form struct {
	Error  string
	Field  string
	Values map[string]string
	Next   string
	// Errors holds each field at fault and its problem, shown beside it.
	Errors map[string]string
	// IDPrefix starts the ids of the field errors, so that pages with
	// several forms keep each form's ids its own ("password-").
	IDPrefix string
	// Notice is a word about the visit itself ("your session expired").
	Notice string
	// Carried are the non-secret values of a form an expired session
	// refused, and Resume where they were sent: sign-in brings them back.
	Carried [][2]string
	Resume  string
	// Providers are the OIDC providers offered beside the sign-in form.
	Providers []signInProvider
}

// formError turns a domain error into what a form shows, or returns it
// unchanged when it is not the visitor's to fix.
func formError(err error, values map[string]string) (form, error) {
	ae := classify(err)
	if !isFormError(ae) {
		return form{}, err
	}
	f := form{Error: ae.Message, Field: ae.Field, Values: values, Errors: ae.Fields}
	if len(f.Errors) == 0 && ae.Field != "" {
		f.Errors = map[string]string{ae.Field: strings.TrimPrefix(ae.Message, ae.Field+": ")}
	}
	if len(f.Errors) > 0 {
		f.Error = summary(f.Errors)
	}
	return f, nil
}

func (h *handlers) sessionRoutes(app, api routes) {
	app.Get("/signin", access.Anyone, h.signInPage)
	app.Post("/signin", access.OwnAuth, h.signInForm)
	app.Get("/signup", access.Anyone, h.signUpPage)
	app.Post("/signup", access.Anyone, h.signupLimit, h.signUpForm)
	app.Post("/signout", access.Anyone, h.signOutForm)
	app.Post("/session/context", access.ActFor("context"), h.switchContext)

	api.Post("/users", access.Anyone, h.signupLimit, h.signUp)
	api.Post("/session", access.OwnAuth, h.signInAPI)
	api.Get("/session", access.Self(access.Read), h.sessionAPI)
	api.Delete("/session", access.Anyone, h.signOutAPI)
}

// signIn opens a session; the account domain holds password checks to its
// guessing limits.
func (h *handlers) signIn(c *fiber.Ctx, username, password string) (account.Session, error) {
	return h.startSession(c, username, password)
}

func (h *handlers) signInPage(c *fiber.Ctx) error {
	if viewerOf(c).SignedIn() {
		return c.Redirect(safeNext(c.Query("next")), http.StatusSeeOther)
	}
	f := form{Next: safeNext(c.Query("next")), Providers: h.signInProviders()}
	if c.Query("expired") != "" || sessionExpired(c) {
		f.Notice = expiredNotice
	}
	return h.render(c, http.StatusOK, "signin", "Sign in", f)
}

func (h *handlers) signInForm(c *fiber.Ctx) error {
	username := c.FormValue("username")
	next := safeNext(c.FormValue("next"))
	carried, resume := carriedFields(c), safeNext(c.FormValue("resume"))
	if _, err := h.signIn(c, username, c.FormValue("password")); err != nil {
		f, ferr := formError(err, map[string]string{"username": username})
		if ferr != nil {
			return ferr
		}
		f.Next, f.Carried, f.Providers = next, carried, h.signInProviders()
		if len(carried) > 0 {
			f.Resume = resume
		}
		return h.render(c, classify(err).Status, "signin", "Sign in", f)
	}
	if len(carried) > 0 && resume != "/" {
		// Signed in again: offer to send the expired form as typed.
		return h.render(c, http.StatusOK, "signin", "Send it again", form{Carried: carried, Resume: resume, Next: next})
	}
	return c.Redirect(next, http.StatusSeeOther)
}

// refused shows a form page again with what was wrong, or passes on an
// error that is not the visitor's to fix.
func (h *handlers) refused(c *fiber.Ctx, err error, page, title string, values map[string]string, next string) error {
	f, ferr := formError(err, values)
	if ferr != nil {
		return ferr
	}
	f.Next = next
	return h.render(c, classify(err).Status, page, title, f)
}

func (h *handlers) signUpPage(c *fiber.Ctx) error {
	return h.render(c, http.StatusOK, "signup", "Sign up", form{})
}

func (h *handlers) signUpForm(c *fiber.Ctx) error {
	in := account.SignUp{Username: c.FormValue("username"), Email: c.FormValue("email"), Password: c.FormValue("password")}
	values := map[string]string{"username": in.Username, "email": in.Email}
	if _, err := h.Accounts.Register(c.UserContext(), in); err != nil {
		return h.refused(c, err, "signup", "Sign up", values, "")
	}
	if _, err := h.startSession(c, in.Username, in.Password); err != nil {
		return err
	}
	return h.done(c, "/u/"+strings.ToLower(in.Username), "Welcome to Berth")
}

func (h *handlers) signOutForm(c *fiber.Ctx) error {
	if err := h.Accounts.SignOut(c.UserContext(), c.Cookies(sessionCookie)); err != nil {
		return err
	}
	h.clearSession(c)
	return c.Redirect("/", http.StatusSeeOther)
}

func (h *handlers) switchContext(c *fiber.Ctx) error {
	v := viewerOf(c)
	if v.token == "" {
		return errUnauthorized
	}
	name := c.FormValue("context")
	if err := h.Accounts.SwitchContext(c.UserContext(), v.Session, v.User, name); err != nil {
		return err
	}
	if name == v.User.Username {
		return c.Redirect("/u/"+name, http.StatusSeeOther)
	}
	return c.Redirect("/orgs/"+name, http.StatusSeeOther)
}

type sessionJSON struct {
	User      userJSON  `json:"user"`
	Context   string    `json:"context"`
	ExpiresAt time.Time `json:"expires_at"`
}

// signInAPI opens a session for scripts and single-page use: the answer
// sets the session cookie. Scripts can instead send basic credentials or a
// personal access token with every request.
func (h *handlers) signInAPI(c *fiber.Ctx) error {
	var in struct{ Username, Password string }
	if err := decode(c, &in); err != nil {
		return err
	}
	sess, err := h.signIn(c, in.Username, in.Password)
	if err != nil {
		return err
	}
	u, err := h.Accounts.User(c.UserContext(), sess.UserID)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(sessionJSON{User: userOf(u), Context: sess.Context, ExpiresAt: sess.ExpiresAt})
}

func (h *handlers) sessionAPI(c *fiber.Ctx) error {
	v := viewerOf(c)
	if !v.SignedIn() {
		return errUnauthorized
	}
	return c.JSON(fiber.Map{"user": userOf(v.User), "context": v.Session.Context, "expires_at": v.Session.ExpiresAt,
		"csrf_token": h.csrfToken(c)})
}

func (h *handlers) signOutAPI(c *fiber.Ctx) error {
	if err := h.Accounts.SignOut(c.UserContext(), c.Cookies(sessionCookie)); err != nil && !errors.Is(err, account.ErrNotFound) {
		return err
	}
	h.clearSession(c)
	return c.SendStatus(http.StatusNoContent)
}
