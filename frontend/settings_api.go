package frontend

import (
	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// accountJSON is the signed-in user as they see themselves: userJSON and
// their settings. No hash of any kind is ever in it.
type accountJSON struct {
	userJSON
	DefaultPrivate bool `json:"default_private"`
}

func accountOf(u account.User) accountJSON {
	return accountJSON{userJSON: userOf(u), DefaultPrivate: u.DefaultPrivate}
}

// accountViewer returns the viewer of an account-management endpoint;
// its route declares access.OwnCredentials, so access has already refused
// personal access tokens.
func (h *handlers) accountViewer(c *fiber.Ctx) (viewer, error) {
	if _, err := h.requireUser(c); err != nil {
		return viewer{}, err
	}
	return viewerOf(c), nil
}

// accountAPI answers who the credentials belong to; any credential,
// personal access tokens included, may ask.
func (h *handlers) accountAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(accountOf(u))
}

// updateAccountAPI changes the email address and the default visibility of
// new repositories; absent fields stay as they are.
func (h *handlers) updateAccountAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	var in struct {
		Email          *string `json:"email"`
		DefaultPrivate *bool   `json:"default_private"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := h.Accounts.UpdateProfile(c.UserContext(), v.User.ID, account.Profile{Email: in.Email, DefaultPrivate: in.DefaultPrivate})
	if err != nil {
		return err
	}
	return c.JSON(accountOf(u))
}
