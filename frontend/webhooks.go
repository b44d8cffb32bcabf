package frontend

import (
	"context"
	"errors"
	"github.com/berth/berth/access"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/webhooks"
)

// webhookRoutes registers a publisher's outbound webhooks: endpoints and
// their deliveries.
func (h *handlers) webhookRoutes(app, api routes) {
	api.Get("/publishers/:slug/webhooks", access.OnPublisher(access.Read, "slug"), h.webhooksAPI)
	api.Post("/publishers/:slug/webhooks", access.OnPublisher(access.Write, "slug"), h.addWebhookAPI)
	api.Delete("/publishers/:slug/webhooks/:id", access.OnPublisher(access.Write, "slug"), h.deleteWebhookAPI)
	api.Get("/publishers/:slug/webhooks/:id/deliveries", access.OnPublisher(access.Read, "slug"), h.deliveriesAPI)
	app.Post("/publishers/:slug/webhooks", access.OnPublisher(access.Write, "slug"), h.addWebhookForm)
	app.Post("/publishers/:slug/webhooks/:id/delete", access.OnPublisher(access.Write, "slug"), h.deleteWebhookForm)
}

type endpointJSON struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"`
}

type deliveryJSON struct {
	ID         string    `json:"id"`
	Event      string    `json:"event"`
	Status     string    `json:"status"`
	Attempts   int       `json:"attempts"`
	LastStatus int       `json:"last_status"`
	LastError  string    `json:"last_error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// editablePublisher returns the ID of the publisher the route names (its
// declared permission allowed the change).
func (h *handlers) editablePublisher(ctx context.Context, u account.User, slug string) (string, error) {
	p, err := h.editor(ctx, u, slug)
	return p.ID, err
}

func (h *handlers) addWebhook(ctx context.Context, u account.User, slug, url string, events []string) (endpointJSON, error) {
	id, err := h.editablePublisher(ctx, u, slug)
	if err != nil {
		return endpointJSON{}, err
	}
	e, secret, err := h.Webhooks.AddEndpoint(ctx, id, strings.TrimSpace(url), events)
	if err != nil {
		return endpointJSON{}, err
	}
	return endpointJSON{ID: e.ID, URL: e.URL, Events: e.Events, CreatedAt: e.CreatedAt, Secret: secret}, nil
}

func (h *handlers) addWebhookAPI(c *fiber.Ctx) error {
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	e, err := h.addWebhook(c.UserContext(), u, c.Params("slug"), in.URL, in.Events)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(http.StatusCreated).JSON(e)
}

func (h *handlers) webhooksAPI(c *fiber.Ctx) error {
	p, err := h.callerPublisher(c)
	if err != nil {
		return err
	}
	eps, err := h.Webhooks.Endpoints(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	out := make([]endpointJSON, 0, len(eps))
	for _, e := range eps {
		out = append(out, endpointJSON{ID: e.ID, URL: e.URL, Events: e.Events, CreatedAt: e.CreatedAt})
	}
	return c.JSON(fiber.Map{"webhooks": out})
}

func (h *handlers) deleteWebhook(ctx context.Context, u account.User, slug, id string) error {
	pid, err := h.editablePublisher(ctx, u, slug)
	if err != nil {
		return err
	}
	if err := h.Webhooks.DeleteEndpoint(ctx, pid, id); errors.Is(err, webhooks.ErrNotFound) {
		return describe(err, "", "no webhook "+id)
	} else if err != nil {
		return err
	}
	return nil
}

func (h *handlers) deleteWebhookAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	if err := h.deleteWebhook(c.UserContext(), u, c.Params("slug"), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) deliveriesAPI(c *fiber.Ctx) error {
	p, err := h.callerPublisher(c)
	if err != nil {
		return err
	}
	ds, err := h.Webhooks.Deliveries(c.UserContext(), p.ID, c.Params("id"), 100)
	if errors.Is(err, webhooks.ErrNotFound) {
		return describe(err, "", "no webhook "+c.Params("id"))
	} else if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryJSON{ID: d.ID, Event: d.Event, Status: string(d.Status), Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt})
	}
	return c.JSON(fiber.Map{"deliveries": out})
}

func (h *handlers) addWebhookForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	args := c.Request().PostArgs()
	var events []string
	for _, v := range args.PeekMulti("events") {
		events = append(events, string(v))
	}
	e, err := h.addWebhook(c.UserContext(), u, c.Params("slug"), c.FormValue("url"), events)
	if err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.renderPortal(c, u, http.StatusCreated, "", "", e.Secret)
}

func (h *handlers) deleteWebhookForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	if err := h.deleteWebhook(c.UserContext(), u, c.Params("slug"), c.Params("id")); err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.done(c, "/publishers/"+c.Params("slug"), "Webhook deleted")
}
