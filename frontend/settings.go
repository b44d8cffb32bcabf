package frontend

import (
	"errors"
	"github.com/berth/berth/access"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// settingsRoutes registers the settings pages on app and their JSON API on api.
func (h *handlers) settingsRoutes(app, api routes) {
	app.Get("/settings", access.Self(access.Read), h.settingsPage)
	app.Post("/settings/password", access.OwnCredentials, h.passwordForm)
	app.Post("/settings/email", access.OwnCredentials, h.emailForm)
	app.Post("/settings/visibility", access.Self(access.Write), h.visibilityForm)
	app.Post("/settings/tokens", access.OwnCredentials, h.createTokenForm)
	app.Post("/settings/tokens/:id/revoke", access.OwnCredentials, h.revokeTokenForm)
	app.Post("/settings/sessions/end-others", access.OwnCredentials, h.endOtherSessionsForm)
	app.Post("/settings/sessions/:id/end", access.OwnCredentials, h.endSessionForm)
	app.Post("/settings/delete", access.OwnCredentials, h.deleteAccountForm)

	api.Get("/user", access.Self(access.Read), h.accountAPI)
	api.Patch("/user", access.OwnCredentials, h.updateAccountAPI)
	api.Delete("/user", access.OwnCredentials, h.deleteAccountAPI)
	api.Post("/user/password", access.OwnCredentials, h.changePasswordAPI)
	api.Get("/user/tokens", access.OwnCredentials, h.listTokensAPI)
	api.Post("/user/tokens", access.OwnCredentials, h.createTokenAPI)
	api.Delete("/user/tokens/:id", access.OwnCredentials, h.revokeTokenAPI)
	api.Get("/user/sessions", access.OwnCredentials, h.listSessionsAPI)
	api.Delete("/user/sessions", access.OwnCredentials, h.endOtherSessionsAPI)
	api.Delete("/user/sessions/:id", access.OwnCredentials, h.endSessionAPI)
	h.clientRoutes(app, api)
}

// settingsView is what the settings page shows. Section names the form a
// refused submission came from, so that its error shows beside it.
type settingsView struct {
	User           account.User
	Tokens         []account.AccessToken
	Sessions       []account.Session
	Clients        []licensing.RefreshToken // registry clients signed in with offline access
	CurrentSession string
	NewToken       *account.AccessToken // set only on the page answering its creation
	Secret         string               // the new token's secret, shown this once
	Section        string
	Form           form
	SoleOwnerOf    []string // organisations blocking the account's deletion
	Now            time.Time
	// Providers are the OIDC providers the account may link to.
	Providers []signInProvider
}

// ErrorFor is the error to show beside the form of section, if any.
func (d settingsView) ErrorFor(section string) string {
	if d.Section != section {
		return ""
	}
	return d.Form.Error
}

// FormFor is the refused form of section, its field-error ids prefixed
// with the section, or an empty form: each form of the page ties only its
// own fields to its own errors.
func (d settingsView) FormFor(section string) form {
	if d.Section != section {
		return form{}
	}
	f := d.Form
	f.IDPrefix = section + "-"
	return f
}

// Value is what the field key of the form of section shows: what was typed
// when that form was refused, otherwise current.
func (d settingsView) Value(section, key, current string) string {
	if d.Section != section {
		return current
	}
	return d.Form.Values[key]
}

// Expired reports whether a listed token has passed its expiry.
func (d settingsView) Expired(t account.AccessToken) bool {
	return !t.ExpiresAt.IsZero() && !d.Now.Before(t.ExpiresAt)
}

// settingsUser returns the signed-in viewer of a settings page or form. An
// anonymous visitor is sent to sign in and then to the settings page (a
// form's own path only answers POST).
func (h *handlers) settingsUser(c *fiber.Ctx) (viewer, bool, error) {
	v := viewerOf(c)
	if !v.SignedIn() {
		return viewer{}, false, c.Redirect("/signin?next="+url.QueryEscape("/settings"), http.StatusSeeOther)
	}
	return v, true, nil
}

// loadSettings reads what the settings page lists for the viewer.
func (h *handlers) loadSettings(c *fiber.Ctx, v viewer) (settingsView, error) {
	tokens, err := h.Accounts.Tokens(c.UserContext(), v.User.ID)
	if err != nil {
		return settingsView{}, err
	}
	sessions, err := h.Accounts.Sessions(c.UserContext(), v.User.ID)
	if err != nil {
		return settingsView{}, err
	}
	var clients []licensing.RefreshToken
	if h.Tokens != nil {
		if clients, err = h.Tokens.RefreshTokens(c.UserContext(), v.User.ID); err != nil {
			return settingsView{}, err
		}
	}
	return settingsView{User: v.User, Tokens: tokens, Sessions: sessions, Clients: clients, CurrentSession: v.Session.ID, Now: time.Now()}, nil
}

// renderSettings shows the settings page after edit has filled in what
// this answer adds to the listing.
func (h *handlers) renderSettings(c *fiber.Ctx, v viewer, status int, edit func(*settingsView)) error {
	data, err := h.loadSettings(c, v)
	if err != nil {
		return err
	}
	data.Providers = h.linkableProviders(c.UserContext(), v.User.ID)
	if edit != nil {
		edit(&data)
	}
	return h.render(c, status, "settings", "Settings", data)
}

func (h *handlers) settingsPage(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	return h.renderSettings(c, v, http.StatusOK, nil)
}

// settingsRefused shows the settings page again with err beside the form
// of section, or passes on an error that is not the viewer's to fix.
func (h *handlers) settingsRefused(c *fiber.Ctx, v viewer, err error, section string, values map[string]string) error {
	f, ferr := formError(err, values)
	if ferr != nil {
		return ferr
	}
	var sole *account.SoleOwnerError
	errors.As(err, &sole)
	return h.renderSettings(c, v, classify(err).Status, func(d *settingsView) {
		d.Section, d.Form = section, f
		if sole != nil {
			d.SoleOwnerOf = sole.Orgs
		}
	})
}

// settingsDone sends the viewer back to the settings page with a message.
func (h *handlers) settingsDone(c *fiber.Ctx, message, anchor string) error {
	return h.done(c, "/settings#"+anchor, message)
}

func (h *handlers) emailForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	email := c.FormValue("email")
	if _, err := h.Accounts.UpdateProfile(c.UserContext(), v.User.ID, account.Profile{Email: &email}); err != nil {
		return h.settingsRefused(c, v, err, "email", map[string]string{"email": email})
	}
	return h.settingsDone(c, "Email address saved", "email")
}

func (h *handlers) visibilityForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	var private bool
	switch c.FormValue("visibility") {
	case "public":
	case "private":
		private = true
	default:
		return h.settingsRefused(c, v, badInput("visibility", "choose public or private"), "visibility", nil)
	}
	if _, err := h.Accounts.UpdateProfile(c.UserContext(), v.User.ID, account.Profile{DefaultPrivate: &private}); err != nil {
		return h.settingsRefused(c, v, err, "visibility", nil)
	}
	return h.settingsDone(c, "New repositories will be "+c.FormValue("visibility")+" unless you choose otherwise", "visibility")
}
