package frontend

import (
	"context"
	"github.com/berth/berth/access"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// starRoutes registers starring: a button on product pages, the Starred
// page, and their API.
func (h *handlers) starRoutes(app, api routes) {
	app.Post("/products/:slug/star", access.Self(access.Write), h.starForm(true))
	app.Post("/products/:slug/unstar", access.Self(access.Write), h.starForm(false))
	app.Get("/starred", access.Self(access.Read), h.starredPage)
	api.Put("/products/:slug/star", access.Self(access.Write), h.starAPI(true))
	api.Delete("/products/:slug/star", access.Self(access.Write), h.starAPI(false))
	api.Get("/user/starred", access.Self(access.Read), h.starredAPI)
}

func (h *handlers) setStar(ctx context.Context, userID, slug string, on bool) error {
	var err error
	if on {
		_, err = h.Stars.Star(ctx, userID, slug)
	} else {
		_, err = h.Stars.Unstar(ctx, userID, slug)
	}
	return err
}

func (h *handlers) starForm(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, ok, err := h.requirePageUser(c)
		if !ok {
			return err
		}
		if err := h.setStar(c.UserContext(), u.ID, c.Params("slug"), on); err != nil {
			return err
		}
		return c.Redirect("/products/"+c.Params("slug"), http.StatusSeeOther)
	}
}

func (h *handlers) starAPI(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := h.requireUser(c)
		if err != nil {
			return err
		}
		if err := h.setStar(c.UserContext(), u.ID, c.Params("slug"), on); err != nil {
			return err
		}
		return c.SendStatus(http.StatusNoContent)
	}
}

// starredProducts returns the products userID starred, most recent first.
func (h *handlers) starredProducts(ctx context.Context, userID string) ([]catalog.Product, error) {
	slugs, err := h.Stars.Starred(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Product, 0, len(slugs))
	for _, s := range slugs {
		p, err := h.Products.ProductBySlug(ctx, s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (h *handlers) starredPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	ps, err := h.starredProducts(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "starred", "Starred", ps)
}

func (h *handlers) starredAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	ps, err := h.starredProducts(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	out := make([]productJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, productOf(p, false))
	}
	return c.JSON(fiber.Map{"products": out})
}
