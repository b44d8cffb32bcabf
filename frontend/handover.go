package frontend

import (
	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/licensing"
)

// holdKey keeps key for the next page of this session that shows license
// licenseID (post-redirect-get): the key never travels in a URL or a
// cookie; licensing.Handovers keeps it sealed in the database, bound to
// the session and the license, until that page takes it.
func (h *handlers) holdKey(c *fiber.Ctx, issued licensing.Issued) error {
	return h.Handovers.Hold(c.UserContext(), viewerOf(c).Session.ID, issued)
}

// takeKey returns the key held for license licenseID and forgets it, or
// licensing.ErrNoHandover when none waits (already shown, expired, or
// made in another session).
func (h *handlers) takeKey(c *fiber.Ctx, licenseID string) (string, error) {
	return h.Handovers.Take(c.UserContext(), viewerOf(c).Session.ID, licenseID)
}
