package frontend

import (
	"github.com/berth/berth/access"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/licensing"
)

// Registry clients are the refresh tokens handed to clients that asked for
// offline access (docker login keeps one instead of your password). They
// are listed in settings and can be signed out one by one.

func (h *handlers) clientRoutes(app, api routes) {
	app.Post("/settings/clients/:id/revoke", access.OwnCredentials, h.revokeClientForm)
	api.Get("/user/registry-clients", access.OwnCredentials, h.listClientsAPI)
	api.Delete("/user/registry-clients/:id", access.OwnCredentials, h.revokeClientAPI)
}

// registryClientJSON is a refresh token as its owner sees it: never the
// secret or its hash.
type registryClientJSON struct {
	ID         string    `json:"id"`
	Hint       string    `json:"hint"`
	Credential string    `json:"credential"` // password, access-token or license
	ClientID   string    `json:"client_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
}

func registryClientOf(rt licensing.RefreshToken) registryClientJSON {
	return registryClientJSON{ID: rt.ID, Hint: rt.Hint, Credential: string(rt.Kind), ClientID: rt.ClientID,
		CreatedAt: rt.CreatedAt, LastUsedAt: rt.LastUsedAt}
}

func (h *handlers) revokeClientForm(c *fiber.Ctx) error {
	v, ok, err := h.settingsUser(c)
	if !ok {
		return err
	}
	if err := h.Tokens.RevokeRefreshToken(c.UserContext(), v.User.ID, c.Params("id")); err != nil {
		return err
	}
	return h.settingsDone(c, "Registry client signed out: it must log in again", "clients")
}

func (h *handlers) listClientsAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	rts, err := h.Tokens.RefreshTokens(c.UserContext(), v.User.ID)
	if err != nil {
		return err
	}
	out := make([]registryClientJSON, 0, len(rts))
	for _, rt := range rts {
		out = append(out, registryClientOf(rt))
	}
	return c.JSON(fiber.Map{"registry_clients": out})
}

func (h *handlers) revokeClientAPI(c *fiber.Ctx) error {
	v, err := h.accountViewer(c)
	if err != nil {
		return err
	}
	if err := h.Tokens.RevokeRefreshToken(c.UserContext(), v.User.ID, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
