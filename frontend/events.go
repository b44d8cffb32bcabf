package frontend

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/registry"
)

// RegistryEvents stores the registry's notifications for processing.
type RegistryEvents interface {
	Accept(ctx context.Context, events []registry.Event) error
}

// registryEvents takes the registry's notifications. Each wanted event is
// stored as a job before the answer, so the registry hears 202 at once and
// Berth applies the event from its job queue. The registry retries
// anything but a 2xx: 500 means an event could not be stored.
func (h *handlers) registryEvents(c *fiber.Ctx) error {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || !secret.Equal(token, h.NotifyToken) {
		return unauthenticated("notifications need the registry's bearer secret")
	}
	events, err := registry.ParseEvents(c.Body())
	if err != nil {
		return badRequest("", "not a registry event envelope")
	}
	for _, e := range events {
		h.metrics.events.WithLabelValues(e.Action).Inc()
	}
	if err := h.Events.Accept(c.UserContext(), events); err != nil {
		return err
	}
	return c.SendStatus(http.StatusAccepted)
}
