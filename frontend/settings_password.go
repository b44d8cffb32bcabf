package frontend

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// errPasswordGuesses refuses a password confirmation once the account has
// used up its allowance of wrong passwords.
var errPasswordGuesses = &apiError{Status: http.StatusTooManyRequests, Code: "too_many_requests",
	Message: "too many wrong passwords for this account; wait a minute and try again"}

// checkingPassword runs check, which confirms the viewer's password, on the
// account's allowance of failed sign-ins: a stolen session must not become
// a way to guess the password without limit.
func (h *handlers) checkingPassword(username string, check func() error) error {
	key := strings.ToLower(username)
	if ok, _ := h.accountLimit.take(key); !ok {
		return errPasswordGuesses
	}
	err := check()
	if !wrongPassword(err) {
		h.accountLimit.refund(key)
	}
	return err
}

// wrongPassword reports whether err says the password given to confirm a
// change was not the account's.
func wrongPassword(err error) bool {
	var invalid *account.InvalidError
	return errors.As(err, &invalid) && (invalid.Field == "current_password" || invalid.Field == "password")
}

// changePassword sets a new password and ends every session but keep.
func (h *handlers) changePassword(c *fiber.Ctx, u account.User, current, next, keep string) error {
	return h.checkingPassword(u.Username, func() error {
		return h.Accounts.ChangePassword(c.UserContext(), u.ID, current, next, keep)
	})
}

// deleteAccount deletes the account once its password is confirmed.
func (h *handlers) deleteAccount(c *fiber.Ctx, u account.User, password string) error {
	return h.checkingPassword(u.Username, func() error {
		return h.Accounts.DeleteAccount(c.UserContext(), u.ID, password)
	})
}

func (h *handlers) passwordForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	if err := h.changePassword(c, v.User, c.FormValue("current_password"), c.FormValue("new_password"), v.Session.ID); err != nil {
		return h.settingsRefused(c, v, err, "password", nil)
	}
	return settingsDone(c, "Password changed; every other session has been signed out", "password")
}

// deleteAccountForm deletes the viewer's account once the password is
// confirmed, then forgets the session cookie.
func (h *handlers) deleteAccountForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	if err := h.deleteAccount(c, v.User, c.FormValue("password")); err != nil {
		return h.settingsRefused(c, v, err, "delete", nil)
	}
	h.clearSession(c)
	return c.Redirect("/?done="+url.QueryEscape("Your account "+v.User.Username+" has been deleted"), http.StatusSeeOther)
}

// changePasswordAPI changes the password. Every other session ends; with
// basic credentials, which have no session, every session ends.
func (h *handlers) changePasswordAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := h.changePassword(c, v.User, in.CurrentPassword, in.NewPassword, v.Session.ID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// deleteAccountAPI deletes the account after confirming its password, and
// clears the session cookie of a browser that asked.
func (h *handlers) deleteAccountAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := h.deleteAccount(c, v.User, in.Password); err != nil {
		return err
	}
	if v.token != "" {
		h.clearSession(c)
	}
	return c.SendStatus(http.StatusNoContent)
}
