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
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/registry"
)

// manifestTypes are the manifest media types, true for those of one image:
// a pull counts once, on its image manifest (a multi-platform pull fetches
// the index, then one image).
var manifestTypes = map[string]bool{
	"application/vnd.oci.image.manifest.v1+json":                true,
	"application/vnd.oci.image.index.v1+json":                   false,
	"application/vnd.docker.distribution.manifest.v2+json":      true,
	"application/vnd.docker.distribution.manifest.list.v2+json": false,
}

// registryEvents takes the registry's notifications. The registry retries
// anything but a 2xx, so an event Berth cannot record is answered 500.
func (h *handlers) registryEvents(c *fiber.Ctx) error {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || !secret.Equal(token, h.NotifyToken) {
		return unauthenticated("notifications need the registry's bearer secret")
	}
	events, err := registry.ParseEvents(c.Body())
	if err != nil {
		return badRequest("", "not a registry event envelope")
	}
	ctx := c.UserContext()
	for _, e := range events {
		h.metrics.events.WithLabelValues(e.Action).Inc()
		image, isManifest := manifestTypes[e.Target.MediaType]
		if !isManifest && e.Action != "delete" {
			continue
		}
		repo := e.Target.Repository
		var err error
		switch {
		case e.Action == "pull" && image && !strings.HasPrefix(e.Actor.Name, licensing.InternalSubject):
			err = h.recordPull(ctx, e)
		case e.Action == "push":
			if err = h.recordPush(ctx, repo); err == nil && e.Target.Tag != "" && h.TagRecorder != nil {
				err = h.TagRecorder.RecordTag(ctx, repo, e.Target.Tag)
			}
			if err == nil && e.Target.Tag != "" && h.Publishing != nil {
				err = h.Publishing.Pushed(ctx, repo, e.Target.Tag, e.Target.Digest, e.Actor.Name)
			}
		case e.Action == "delete" && e.Target.Digest != "" && h.TagRecorder != nil:
			err = h.TagRecorder.ForgetDigest(ctx, repo, e.Target.Digest)
		}
		if err != nil {
			return err
		}
	}
	return c.SendStatus(http.StatusOK)
}

// recordPull counts a pull once (by event id) for the product and for the
// tag the pulled image belongs to: the event names the tag when the client
// pulled by tag, else the catalog finds it by digest.
func (h *handlers) recordPull(ctx context.Context, e registry.Event) error {
	tag := e.Target.Tag
	if tag == "" && h.Tags != nil {
		t, err := h.Tags.TagByDigest(ctx, e.Target.Repository, e.Target.Digest)
		if err == nil {
			tag = t.Name
		} else if !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
	fresh, err := h.Products.RecordPull(ctx, catalog.PullEvent{ID: e.ID, Repository: e.Target.Repository,
		Reference: e.Target.Tag, Digest: e.Target.Digest, Tag: tag, At: e.Timestamp})
	if err != nil || !fresh || h.TagRecorder == nil {
		return err
	}
	return h.TagRecorder.Pulled(ctx, e.Target.Repository, tag, e.Target.Digest, e.Timestamp)
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
