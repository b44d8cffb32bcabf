package frontend

import (
	"context"
	"github.com/berth/berth/access"
	"net/http"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/analytics"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// PublisherStore is what Deps.Publishers carries: the supply side's
// services. (The name is the store's it replaced; frontend.Deps gains a
// field per service when the composition is next reworked.)
type PublisherStore = *Supply

// Supply is the supply side's domain services: the publisher service
// (applications, review, keys, push tokens, and the publisher reads other
// pages make), publishers' listings, their analytics, and withdrawals of
// promoted tags.
type Supply struct {
	*publisher.Service
	Listings    *catalog.Listings
	Analytics   *analytics.Service
	Withdrawals *publisher.Withdrawals
	// BuildKeys holds the keys Berth signs publishers' builds with.
	BuildKeys *publisher.BuildKeys
}

// publisherRoutes registers the publisher portal: applying, keys, push
// tokens and uploads, and the admin's review; pages and API.
func (h *handlers) publisherRoutes(app, api routes) {
	app.Get("/.well-known/cosign.pub", access.Anyone, h.cosignPub)
	api.Post("/publishers", access.OnOrg(access.Manage, "organization"), h.applyAPI)
	h.publicPublisherAPI(api)
	api.Get("/publishers/:slug/keys", access.OnPublisher(access.Read, "slug"), h.keysAPI)
	api.Post("/publishers/:slug/keys", access.OnPublisher(access.Write, "slug"), h.addKeyAPI)
	api.Delete("/publishers/:slug/keys/:id", access.OnPublisher(access.Write, "slug"), h.revokeKeyAPI)
	api.Post("/publishers/:slug/push-tokens", access.OnPublisher(access.Write, "slug").Personally().OnlyMembers(), h.pushTokenAPI)
	api.Get("/publishers/:slug/uploads", access.OnPublisher(access.Read, "slug"), h.uploadsAPI)
	api.Get("/admin/publishers", access.Administer, h.adminPublishersAPI)
	api.Post("/admin/publishers/:slug/review", access.Administer, h.reviewAPI)
}

// cosignPub publishes the key Berth signs promoted images with:
// `cosign verify --key http://<store>/.well-known/cosign.pub <image>`.
func (h *handlers) cosignPub(c *fiber.Ctx) error {
	pem := h.Keys.CosignPublicPEM()
	if pem == nil {
		return fiber.ErrServiceUnavailable
	}
	c.Set(fiber.HeaderContentType, "application/x-pem-file")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(pem)
}

// application is an organisation's request to publish.
type application struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Organization string   `json:"organization"`
	Namespaces   []string `json:"namespaces"`
}

// publisherJSON is a publisher as its members and admins see it.
type publisherJSON struct {
	Slug       string            `json:"slug"`
	Name       string            `json:"name"`
	Verified   bool              `json:"verified"`
	Status     string            `json:"status"`
	Namespaces []string          `json:"namespaces"`
	Staging    []string          `json:"staging_namespaces"`
	ReviewNote string            `json:"review_note,omitempty"`
	Roles      map[string]string `json:"roles,omitempty"` // user ID → role
}

func publisherOf(p publisher.Publisher) publisherJSON {
	out := publisherJSON{Slug: p.Slug, Name: p.Name, Verified: p.Verified, Status: string(p.Status), Namespaces: nonNil(p.Namespaces),
		ReviewNote: p.ReviewNote, Roles: map[string]string{}}
	for _, ns := range p.Namespaces {
		out.Staging = append(out.Staging, publisher.StagingPrefix+ns)
	}
	for id, r := range p.Roles {
		out.Roles[id] = string(r)
	}
	return out
}

func (h *handlers) applyAPI(c *fiber.Ctx) error {
	var in application
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	p, err := h.Publishers.Apply(c.UserContext(), u.ID, publisher.Application(in))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(publisherOf(p))
}

// publisherRole returns the publisher the route names and the caller's
// role in it, for what its pages offer (administrators see it as its
// owners). It decides nothing: the route's declared permission did.
func (h *handlers) publisherRole(ctx context.Context, u account.User, slug string) (publisher.Publisher, publisher.Role, error) {
	p, err := h.Publishers.PublisherBySlug(ctx, slug)
	if err != nil {
		return p, "", err
	}
	role := p.Roles[u.ID]
	if role == "" && slices.Contains(p.Members, u.ID) {
		role = publisher.RoleEditor
	}
	if role == "" && u.Admin {
		role = publisher.RoleOwner
	}
	return p, role, nil
}

// editor returns the publisher the route names, whose editing its
// declared permission allowed.
func (h *handlers) editor(ctx context.Context, _ account.User, slug string) (publisher.Publisher, error) {
	return h.Publishers.PublisherBySlug(ctx, slug)
}

// callerPublisher returns the publisher in the path.
func (h *handlers) callerPublisher(c *fiber.Ctx) (publisher.Publisher, error) {
	return h.Publishers.PublisherBySlug(c.UserContext(), c.Params("slug"))
}

type keyJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	PublicKey string     `json:"public_key"`
	BerthHeld bool       `json:"berth_held,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func keysOf(ks []publisher.Key) []keyJSON {
	out := make([]keyJSON, 0, len(ks))
	for _, k := range ks {
		j := keyJSON{ID: k.ID, Name: k.Name, PublicKey: k.PEM, BerthHeld: k.BerthHeld, CreatedAt: k.CreatedAt}
		if !k.RevokedAt.IsZero() {
			r := k.RevokedAt
			j.RevokedAt = &r
		}
		out = append(out, j)
	}
	return out
}

func (h *handlers) keysAPI(c *fiber.Ctx) error {
	p, err := h.callerPublisher(c)
	if err != nil {
		return err
	}
	ks, err := h.Publishers.Keys(c.UserContext(), p.Slug)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"keys": keysOf(ks)})
}

func (h *handlers) addKeyAPI(c *fiber.Ctx) error {
	var in struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	k, err := h.Publishers.AddKey(c.UserContext(), u.ID, c.Params("slug"), publisher.NewKey{Name: in.Name, PEM: in.PublicKey})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(keysOf([]publisher.Key{k})[0])
}

func (h *handlers) revokeKeyAPI(c *fiber.Ctx) error {
	if err := h.Publishers.RevokeKey(c.UserContext(), c.Params("slug"), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) pushTokenAPI(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	t, err := h.Publishers.PushToken(c.UserContext(), u.ID, c.Params("slug"), in.Name)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(http.StatusCreated).JSON(fiber.Map{"token": t.Secret, "name": t.Name, "resources": t.Resources})
}

type uploadJSON struct {
	ID        string    `json:"id"`
	Staging   string    `json:"staging"`
	Target    string    `json:"target"`
	Tag       string    `json:"tag"`
	Digest    string    `json:"digest"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason"`
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (h *handlers) uploadsAPI(c *fiber.Ctx) error {
	p, err := h.callerPublisher(c)
	if err != nil {
		return err
	}
	ups, err := h.Publishers.Uploads(c.UserContext(), p.Slug, 100)
	if err != nil {
		return err
	}
	out := make([]uploadJSON, 0, len(ups))
	for _, up := range ups {
		out = append(out, uploadJSON{ID: up.ID, Staging: up.Staging, Target: up.Target, Tag: up.Tag, Digest: up.Digest,
			Status: string(up.Status), Reason: up.Reason, Attempts: up.Attempts, CreatedAt: up.CreatedAt, UpdatedAt: up.UpdatedAt})
	}
	return c.JSON(fiber.Map{"uploads": out})
}

func (h *handlers) adminPublishersAPI(c *fiber.Ctx) error {
	if _, err := h.requireAdmin(c); err != nil {
		return err
	}
	ps, err := h.Publishers.Applications(c.UserContext(), publisher.Status(c.Query("status", string(publisher.StatusPending))))
	if err != nil {
		return err
	}
	out := make([]publisherJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, publisherOf(p))
	}
	return c.JSON(fiber.Map{"publishers": out})
}

func (h *handlers) reviewAPI(c *fiber.Ctx) error {
	var in struct {
		Decision string `json:"decision"`
		Verified bool   `json:"verified"`
		Note     string `json:"note"`
	}
	if _, err := h.requireAdmin(c); err != nil {
		return err
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := h.Publishers.Review(c.UserContext(), c.Params("slug"), publisher.Review(in))
	if err != nil {
		return err
	}
	return c.JSON(publisherOf(p))
}
