package frontend

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
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
		if !manifestTypes[e.Target.MediaType] {
			continue
		}
		var err error
		switch e.Action {
		case "pull":
			_, err = h.Products.RecordPull(c.UserContext(), catalog.PullEvent{
				ID: e.ID, Repository: e.Target.Repository, Reference: e.Target.Tag, Digest: e.Target.Digest, At: e.Timestamp,
			})
		case "push":
			err = h.recordPush(c.UserContext(), e.Target.Repository)
		}
		if err != nil {
			return err
		}
	}
	return c.SendStatus(http.StatusOK)
}

// recordPush gives a repository pushed into a user's or organisation's
// namespace its record, as Docker Hub creates a repository on first push:
// private when the user chose private by default.
func (h *handlers) recordPush(ctx context.Context, repo string) error {
	ns, _, _ := strings.Cut(repo, "/")
	owner, err := h.Accounts.Namespace(ctx, ns)
	if errors.Is(err, account.ErrNotFound) {
		return nil // a publisher's or Berth's own repository
	} else if err != nil {
		return err
	}
	private := false
	if owner.Kind == account.NamespaceUser {
		u, err := h.Accounts.User(ctx, owner.OwnerID)
		if err != nil {
			return err
		}
		private = u.DefaultPrivate
	}
	return h.Repositories.Pushed(ctx, repo, private)
}
