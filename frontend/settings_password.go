package frontend

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// changePassword sets a new password and ends every session but keep. The
// account domain holds the confirmation to the password-guessing limits,
// so a stolen session is no way to guess without limit.
func (h *handlers) changePassword(c *fiber.Ctx, u account.User, current, next, keep string) error {
	return h.Accounts.ChangePassword(c.UserContext(), u.ID, current, next, keep)
}

// deleteAccount deletes the account once its password is confirmed.
func (h *handlers) deleteAccount(c *fiber.Ctx, u account.User, password string) error {
	return h.Accounts.DeleteAccount(c.UserContext(), u.ID, password)
}

func (h *handlers) passwordForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	if err := h.changePassword(c, v.User, c.FormValue("current_password"), c.FormValue("new_password"), v.Session.ID); err != nil {
		return h.settingsRefused(c, v, err, "password", nil)
	}
	return h.settingsDone(c, "Password changed; every other session has been signed out", "password")
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
	return h.done(c, "/", "Your account "+v.User.Username+" has been deleted")
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
