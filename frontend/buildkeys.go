package frontend

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/publisher"
)

// buildKeyRoutes registers a publisher's Berth-held build key: enabling it
// (owners, in person: it lets Berth sign as the publisher), reading it, and
// revoking it (whoever may revoke any of its keys); API and page forms.
func (h *handlers) buildKeyRoutes(app, api routes) {
	enable := access.OnPublisher(access.Manage, "slug").Personally()
	api.Post("/publishers/:slug/build-key", enable, h.enableBuildKeyAPI)
	api.Get("/publishers/:slug/build-key", access.OnPublisher(access.Read, "slug"), h.buildKeyAPI)
	api.Delete("/publishers/:slug/build-key", access.OnPublisher(access.Write, "slug"), h.revokeBuildKeyAPI)
	app.Post("/publishers/:slug/build-key", enable, h.enableBuildKeyForm)
	app.Post("/publishers/:slug/build-key/revoke", access.OnPublisher(access.Write, "slug"), h.revokeBuildKeyForm)
}

// buildKeyJSON is a build key as the API shows it: one of the publisher's
// keys, marked Berth-held.
type buildKeyJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	PublicKey string    `json:"public_key"`
	BerthHeld bool      `json:"berth_held"`
	CreatedAt time.Time `json:"created_at"`
}

func buildKeyOf(k publisher.Key) buildKeyJSON {
	return buildKeyJSON{ID: k.ID, Name: k.Name, PublicKey: k.PEM, BerthHeld: k.BerthHeld, CreatedAt: k.CreatedAt}
}

// buildKeys returns the service, or 503 where this process has no
// registry to sign in.
func (h *handlers) buildKeys() (*publisher.BuildKeys, error) {
	if h.Publishers == nil || h.Publishers.BuildKeys == nil {
		return nil, fiber.ErrServiceUnavailable
	}
	return h.Publishers.BuildKeys, nil
}

func (h *handlers) enableBuildKeyAPI(c *fiber.Ctx) error {
	bk, err := h.buildKeys()
	if err != nil {
		return err
	}
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	k, err := bk.Enable(c.UserContext(), u.ID, c.Params("slug"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(buildKeyOf(k))
}

func (h *handlers) buildKeyAPI(c *fiber.Ctx) error {
	bk, err := h.buildKeys()
	if err != nil {
		return err
	}
	k, err := bk.BuildKey(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	return c.JSON(buildKeyOf(k))
}

func (h *handlers) revokeBuildKeyAPI(c *fiber.Ctx) error {
	bk, err := h.buildKeys()
	if err != nil {
		return err
	}
	if err := bk.Revoke(c.UserContext(), c.Params("slug")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) enableBuildKeyForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	bk, err := h.buildKeys()
	if err != nil {
		return err
	}
	slug := c.Params("slug")
	if _, err := bk.Enable(c.UserContext(), u.ID, slug); err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.done(c, "/publishers/"+slug+"#build-key", "Berth build key enabled")
}

func (h *handlers) revokeBuildKeyForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	bk, err := h.buildKeys()
	if err != nil {
		return err
	}
	slug := c.Params("slug")
	if err := bk.Revoke(c.UserContext(), slug); err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.done(c, "/publishers/"+slug+"#build-key", "Berth build key revoked")
}
