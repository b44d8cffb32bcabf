package frontend

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/registry"
)

// manifestTypes are the media types whose pulls count as image pulls.
var manifestTypes = map[string]bool{
	"application/vnd.oci.image.manifest.v1+json":                true,
	"application/vnd.oci.image.index.v1+json":                   true,
	"application/vnd.docker.distribution.manifest.v2+json":      true,
	"application/vnd.docker.distribution.manifest.list.v2+json": true,
}

// registryEvents takes the registry's notifications. The registry retries
// anything but a 2xx, so an event Berth cannot record is answered 500.
func (h *handlers) registryEvents(c *fiber.Ctx) error {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || !secret.Equal(token, h.NotifyToken) {
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "notifications need the registry's bearer secret"}
	}
	events, err := registry.ParseEvents(c.Body())
	if err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: "not a registry event envelope"}
	}
	for _, e := range events {
		h.metrics.events.WithLabelValues(e.Action).Inc()
		if e.Action != "pull" || !manifestTypes[e.Target.MediaType] {
			continue
		}
		_, err := h.Products.RecordPull(c.UserContext(), catalog.PullEvent{
			ID: e.ID, Repository: e.Target.Repository, Reference: e.Target.Tag, Digest: e.Target.Digest, At: e.Timestamp,
		})
		if err != nil {
			return err
		}
	}
	return c.SendStatus(http.StatusOK)
}
