package frontend

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/licensing"
)

// revealKey gives a license the viewer manages a new key and returns it.
func (h *handlers) revealKey(ctx context.Context, u account.User, id string) (heldLicense, licensing.Issued, error) {
	l, err := h.licenseAccess(ctx, u, id)
	if err != nil {
		return l, licensing.Issued{}, err
	}
	issued, err := h.Licenses.RevealKey(ctx, l.ID)
	return l, issued, err
}

func (h *handlers) revealKeyAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	l, issued, err := h.revealKey(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	l.License = issued.License
	return c.Status(http.StatusCreated).JSON(fiber.Map{"license": h.licenseOf(l, issued.Key)})
}

// newKeyView is the page that asks before a license's key is replaced.
type newKeyView struct {
	License namedLicense
	Error   string
}

// newKeyPage asks the holder to confirm that the current key stops
// working; nothing changes until the form is sent with the box ticked.
func (h *handlers) newKeyPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	l, err := h.licenseAccess(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "license_key", "New license key", newKeyView{License: h.nameLicense(c.UserContext(), l)})
}

// revealKeyForm replaces the key once the holder confirmed, and sends the
// browser to the page that shows the new key once (post-redirect-get).
// Without the confirmation it asks again, and the old key keeps working.
func (h *handlers) revealKeyForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	ctx := c.UserContext()
	if c.FormValue("confirm") != "yes" {
		l, err := h.licenseAccess(ctx, u, c.Params("id"))
		if err != nil {
			return err
		}
		return h.render(c, http.StatusUnprocessableEntity, "license_key", "New license key",
			newKeyView{License: h.nameLicense(ctx, l), Error: "Tick the box to confirm that the current key stops working."})
	}
	_, issued, err := h.revealKey(ctx, u, c.Params("id"))
	if err != nil {
		return err
	}
	if err := h.holdKey(c, issued); err != nil {
		return err
	}
	return c.Redirect("/licenses/"+issued.License.ID+"/issued", http.StatusSeeOther)
}
