package frontend

import (
	"context"
	"errors"
	"github.com/berth/berth/access"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/signing"
	"github.com/berth/berth/webhooks"
)

// Publishing is the pipeline that takes pushes to staging repositories.
type Publishing interface {
	Pushed(ctx context.Context, repo, tag, digest, pusher string) error
}

// PublisherStore is what the publisher portal needs of the publisher store.
type PublisherStore interface {
	Publishers
	PutPublisher(ctx context.Context, p publisher.Publisher) (publisher.Publisher, error)
	PublisherByNamespace(ctx context.Context, namespace string) (publisher.Publisher, error)
	PublishersByUser(ctx context.Context, userID string) ([]publisher.Publisher, error)
	PublishersByStatus(ctx context.Context, status publisher.Status) ([]publisher.Publisher, error)
	AddKey(ctx context.Context, k publisher.Key) error
	Keys(ctx context.Context, publisherID string) ([]publisher.Key, error)
	RevokeKey(ctx context.Context, publisherID, keyID string, at time.Time) error
	Uploads(ctx context.Context, publisherID string, limit int) ([]publisher.Upload, error)
}

// publisherRoutes registers the publisher portal: applying, keys, push
// tokens and uploads, and the admin's review; pages and API.
func (h *handlers) publisherRoutes(app, api routes) {
	app.Get("/.well-known/cosign.pub", access.Anyone, h.cosignPub)
	api.Post("/publishers", access.OnOrg(access.Manage, "organization"), h.applyAPI)
	api.Get("/publishers/:slug", access.OnPublisher(access.Read, "slug"), h.publisherAPI)
	api.Get("/publishers/:slug/keys", access.OnPublisher(access.Read, "slug"), h.keysAPI)
	api.Post("/publishers/:slug/keys", access.OnPublisher(access.Write, "slug"), h.addKeyAPI)
	api.Delete("/publishers/:slug/keys/:id", access.OnPublisher(access.Write, "slug"), h.revokeKeyAPI)
	api.Post("/publishers/:slug/push-tokens", access.OnPublisher(access.Write, "slug").Personally().OnlyMembers(), h.pushTokenAPI)
	api.Get("/publishers/:slug/uploads", access.OnPublisher(access.Read, "slug"), h.uploadsAPI)
	api.Get("/admin/publishers", access.Administer, h.adminPublishersAPI)
	api.Post("/admin/publishers/:slug/review", access.Administer, h.reviewAPI)
}

func (h *handlers) publisherPages(app routes) {
	app.Get("/publishers/apply", access.Self(access.Read), h.applyPage)
	app.Post("/publishers/apply", access.OnOrg(access.Manage, "organization"), h.applyForm)
	app.Get("/publishers/:slug", access.OnPublisher(access.Read, "slug"), h.portalPage)
	app.Post("/publishers/:slug/keys", access.OnPublisher(access.Write, "slug"), h.addKeyForm)
	app.Post("/publishers/:slug/keys/:id/revoke", access.OnPublisher(access.Write, "slug"), h.revokeKeyForm)
	app.Post("/publishers/:slug/push-tokens", access.OnPublisher(access.Write, "slug").Personally().OnlyMembers(), h.pushTokenForm)
	app.Get("/admin/publishers", access.AdminPage, h.adminPublishersPage)
	app.Post("/admin/publishers/:slug/review", access.AdminPage, h.reviewForm)
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

var publisherSlug = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// application is an organisation's request to publish.
type application struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Organization string   `json:"organization"`
	Namespaces   []string `json:"namespaces"`
}

// apply records an application: the applicant must own the organisation;
// its members get publisher roles from their organisation roles; the
// namespaces must belong to no account and no other publisher.
func (h *handlers) apply(ctx context.Context, u account.User, in application) (publisher.Publisher, error) {
	invalid := func(field, msg string) error {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: field, Message: field + ": " + msg}
	}
	in.Slug, in.Name = strings.ToLower(strings.TrimSpace(in.Slug)), strings.TrimSpace(in.Name)
	if !publisherSlug.MatchString(in.Slug) {
		return publisher.Publisher{}, invalid("slug", "1 to 40 lower-case letters, digits and hyphens")
	}
	if in.Name == "" || len(in.Name) > 80 {
		return publisher.Publisher{}, invalid("name", "1 to 80 characters")
	}
	org, err := h.Accounts.Org(ctx, in.Organization)
	if errors.Is(err, account.ErrNotFound) || (err == nil && org.Role(u.ID) != account.RoleOwner) {
		return publisher.Publisher{}, invalid("organization", "name an organisation you own")
	} else if err != nil {
		return publisher.Publisher{}, err
	}
	if len(in.Namespaces) == 0 || len(in.Namespaces) > 5 {
		return publisher.Publisher{}, invalid("namespaces", "claim 1 to 5 registry namespaces")
	}
	for i, ns := range in.Namespaces {
		ns = strings.ToLower(strings.TrimSpace(ns))
		if !publisherSlug.MatchString(ns) || ns == "staging" {
			return publisher.Publisher{}, invalid("namespaces", "\""+ns+"\" is not a namespace name")
		}
		if _, err := h.Accounts.Namespace(ctx, ns); err == nil {
			return publisher.Publisher{}, invalid("namespaces", "\""+ns+"\" is a user's or organisation's namespace; choose another")
		} else if !errors.Is(err, account.ErrNotFound) {
			return publisher.Publisher{}, err
		}
		in.Namespaces[i] = ns
	}
	if existing, err := h.Publishers.PublisherBySlug(ctx, in.Slug); err == nil && existing.Org != org.ID {
		return publisher.Publisher{}, &apiError{Status: http.StatusConflict, Code: "conflict", Field: "slug", Message: "slug: another publisher is called " + in.Slug}
	}
	roles := map[string]publisher.Role{}
	for _, m := range org.Members {
		switch m.Role {
		case account.RoleOwner:
			roles[m.UserID] = publisher.RoleOwner
		case account.RoleAdmin:
			roles[m.UserID] = publisher.RoleEditor
		default:
			roles[m.UserID] = publisher.RoleViewer
		}
	}
	now := time.Now().UTC()
	p, err := h.Publishers.PutPublisher(ctx, publisher.Publisher{Slug: in.Slug, Name: in.Name, Namespaces: in.Namespaces,
		Roles: roles, Org: org.ID, Status: publisher.StatusPending, AppliedAt: now})
	if errors.Is(err, publisher.ErrNamespaceTaken) {
		return p, &apiError{Status: http.StatusConflict, Code: "conflict", Field: "namespaces", Message: "namespaces: one of them belongs to another publisher"}
	}
	return p, err
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
		out.Staging = append(out.Staging, "staging/"+ns)
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
	p, err := h.apply(c.UserContext(), u, in)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(publisherOf(p))
}

// publisherRole returns the publisher and the viewer's role in it; admins
// act as owners; outsiders get a 404 for publishers not yet approved.
func (h *handlers) publisherRole(ctx context.Context, u account.User, slug string) (publisher.Publisher, publisher.Role, error) {
	p, err := h.Publishers.PublisherBySlug(ctx, slug)
	if errors.Is(err, publisher.ErrNotFound) {
		return p, "", &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no publisher " + slug}
	} else if err != nil {
		return p, "", err
	}
	role := p.Roles[u.ID]
	if role == "" && slices.Contains(p.Members, u.ID) {
		role = publisher.RoleEditor
	}
	if role == "" && u.Admin {
		role = publisher.RoleOwner
	}
	if role == "" {
		return p, "", &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no publisher " + slug + " that you belong to"}
	}
	return p, role, nil
}

// callerPublisher returns the publisher in the path for the API caller,
// who must have a role in it.
func (h *handlers) callerPublisher(c *fiber.Ctx) (publisher.Publisher, error) {
	u, err := h.requireUser(c)
	if err != nil {
		return publisher.Publisher{}, err
	}
	p, _, err := h.publisherRole(c.UserContext(), u, c.Params("slug"))
	return p, err
}

// canEdit reports whether a role may push, manage keys and tokens.
func canEdit(r publisher.Role) bool { return r == publisher.RoleOwner || r == publisher.RoleEditor }

var errViewerOnly = &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "viewers of a publisher may look, not change: ask an owner"}

func (h *handlers) publisherAPI(c *fiber.Ctx) error {
	p, err := h.callerPublisher(c)
	if err != nil {
		return err
	}
	return c.JSON(publisherOf(p))
}

type keyJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	PublicKey string     `json:"public_key"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func keysOf(ks []publisher.Key) []keyJSON {
	out := make([]keyJSON, 0, len(ks))
	for _, k := range ks {
		j := keyJSON{ID: k.ID, Name: k.Name, PublicKey: k.PEM, CreatedAt: k.CreatedAt}
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
	ks, err := h.Publishers.Keys(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"keys": keysOf(ks)})
}

// addKey registers a signing public key (cosign.pub: ECDSA P-256 or
// Ed25519 PEM) for a publisher.
func (h *handlers) addKey(ctx context.Context, u account.User, slug, name, pemText string) (publisher.Key, error) {
	p, role, err := h.publisherRole(ctx, u, slug)
	if err != nil {
		return publisher.Key{}, err
	}
	if !canEdit(role) {
		return publisher.Key{}, errViewerOnly
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return publisher.Key{}, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "name", Message: "name: 1 to 64 characters, such as \"release key 2026\""}
	}
	if len(pemText) > 16<<10 {
		return publisher.Key{}, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "public_key", Message: "public_key: too long for a public key"}
	}
	pub, err := signing.ParsePublicKey([]byte(pemText))
	if err != nil {
		return publisher.Key{}, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "public_key",
			Message: "public_key: " + err.Error() + " (paste cosign.pub: an ECDSA P-256 or Ed25519 PEM public key)"}
	}
	normalised, err := signing.MarshalPublicKey(pub)
	if err != nil {
		return publisher.Key{}, err
	}
	k := publisher.Key{ID: signing.Fingerprint(pub), Publisher: p.ID, Name: name, PEM: string(normalised), CreatedAt: time.Now().UTC()}
	if err := h.Publishers.AddKey(ctx, k); errors.Is(err, publisher.ErrConflict) {
		return k, &apiError{Status: http.StatusConflict, Code: "conflict", Field: "public_key", Message: "public_key: this key is registered already"}
	} else if err != nil {
		return k, err
	}
	return k, nil
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
	k, err := h.addKey(c.UserContext(), u, c.Params("slug"), in.Name, in.PublicKey)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(keysOf([]publisher.Key{k})[0])
}

func (h *handlers) revokeKey(ctx context.Context, u account.User, slug, id string) error {
	p, role, err := h.publisherRole(ctx, u, slug)
	if err != nil {
		return err
	}
	if !canEdit(role) {
		return errViewerOnly
	}
	if err := h.Publishers.RevokeKey(ctx, p.ID, id, time.Now().UTC()); errors.Is(err, publisher.ErrNotFound) {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no key " + id}
	} else if err != nil {
		return err
	}
	return nil
}

func (h *handlers) revokeKeyAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	if err := h.revokeKey(c.UserContext(), u, c.Params("slug"), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// pushToken makes the caller a personal access token that may push only to
// the publisher's staging namespaces.
func (h *handlers) pushToken(ctx context.Context, u account.User, slug, name string) (account.AccessToken, string, error) {
	p, role, err := h.publisherRole(ctx, u, slug)
	if err != nil {
		return account.AccessToken{}, "", err
	}
	if !canEdit(role) || (p.Roles[u.ID] == "" && !slices.Contains(p.Members, u.ID)) {
		return account.AccessToken{}, "", &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "only the publisher's owners and editors push"}
	}
	if p.Status != publisher.StatusApproved {
		return account.AccessToken{}, "", &apiError{Status: http.StatusConflict, Code: "not_approved", Message: "the publisher is not approved yet: pushes would be rejected"}
	}
	var resources []string
	for _, ns := range p.Namespaces {
		resources = append(resources, "staging/"+ns)
	}
	if strings.TrimSpace(name) == "" {
		name = "push to " + strings.Join(resources, ", ")
	}
	return h.Accounts.CreatePushToken(ctx, u.ID, name, resources)
}

func (h *handlers) pushTokenAPI(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	t, token, err := h.pushToken(c.UserContext(), u, c.Params("slug"), in.Name)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(http.StatusCreated).JSON(fiber.Map{"token": token, "name": t.Name, "resources": t.Resources})
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
	ups, err := h.Publishers.Uploads(c.UserContext(), p.ID, 100)
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
	status := publisher.Status(c.Query("status", string(publisher.StatusPending)))
	ps, err := h.Publishers.PublishersByStatus(c.UserContext(), status)
	if err != nil {
		return err
	}
	out := make([]publisherJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, publisherOf(p))
	}
	return c.JSON(fiber.Map{"publishers": out})
}

// review approves or rejects an application, and sets the Verified badge.
func (h *handlers) review(ctx context.Context, slug, decision string, verified bool, note string) (publisher.Publisher, error) {
	p, err := h.Publishers.PublisherBySlug(ctx, slug)
	if errors.Is(err, publisher.ErrNotFound) {
		return p, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no publisher " + slug}
	} else if err != nil {
		return p, err
	}
	switch decision {
	case "approve":
		p.Status = publisher.StatusApproved
	case "reject":
		p.Status = publisher.StatusRejected
	default:
		return p, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "decision", Message: "decision: approve or reject"}
	}
	p.Verified = verified && p.Status == publisher.StatusApproved
	p.ReviewNote, p.ReviewedAt = strings.TrimSpace(note), time.Now().UTC()
	return h.Publishers.PutPublisher(ctx, p)
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
	p, err := h.review(c.UserContext(), c.Params("slug"), in.Decision, in.Verified, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(publisherOf(p))
}

// Pages.

// applyView is the application form.
type applyView struct {
	Orgs []account.Org
	Form form
}

func (h *handlers) applyPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	orgs, err := h.Accounts.OrgsOf(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "publisher_apply", "Apply to publish", applyView{Orgs: orgs})
}

func (h *handlers) applyForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	in := application{Slug: c.FormValue("slug"), Name: c.FormValue("name"), Organization: c.FormValue("organization"),
		Namespaces: strings.FieldsFunc(c.FormValue("namespaces"), func(r rune) bool { return r == ',' || r == ' ' })}
	p, err := h.apply(c.UserContext(), u, in)
	if err != nil {
		f, ferr := formError(err, map[string]string{"slug": in.Slug, "name": in.Name, "namespaces": c.FormValue("namespaces")})
		if ferr != nil {
			return ferr
		}
		orgs, oerr := h.Accounts.OrgsOf(c.UserContext(), u.ID)
		if oerr != nil {
			return oerr
		}
		return h.render(c, classify(err).Status, "publisher_apply", "Apply to publish", applyView{Orgs: orgs, Form: f})
	}
	return c.Redirect("/publishers/"+p.Slug+"?done=Application+sent", http.StatusSeeOther)
}

// portalView is a publisher's portal page.
type portalView struct {
	Publisher publisher.Publisher
	Role      publisher.Role
	Keys      []publisher.Key
	Uploads   []publisher.Upload
	Webhooks  []portalWebhook
	Events    []string
	Token     string // a push token just made, shown once
	Secret    string // a webhook secret just made, shown once
	Error     string
}

// portalWebhook is an endpoint with its latest deliveries.
type portalWebhook struct {
	webhooks.Endpoint
	Deliveries []webhooks.Delivery
}

func (h *handlers) renderPortal(c *fiber.Ctx, u account.User, status int, token, errMsg string, secret ...string) error {
	ctx := c.UserContext()
	p, role, err := h.publisherRole(ctx, u, c.Params("slug"))
	if err != nil {
		return err
	}
	v := portalView{Publisher: p, Role: role, Token: token, Error: errMsg, Events: webhooks.Events}
	if len(secret) > 0 {
		v.Secret = secret[0]
	}
	if h.Webhooks != nil {
		eps, err := h.Webhooks.Endpoints(ctx, p.ID)
		if err != nil {
			return err
		}
		for _, e := range eps {
			ds, err := h.Webhooks.Deliveries(ctx, p.ID, e.ID, 10)
			if err != nil {
				return err
			}
			v.Webhooks = append(v.Webhooks, portalWebhook{Endpoint: e, Deliveries: ds})
		}
	}
	if v.Keys, err = h.Publishers.Keys(ctx, p.ID); err != nil {
		return err
	}
	if v.Uploads, err = h.Publishers.Uploads(ctx, p.ID, 50); err != nil {
		return err
	}
	return h.render(c, status, "publisher", p.Name, v)
}

func (h *handlers) portalPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	return h.renderPortal(c, u, http.StatusOK, "", "")
}

// portalFormError re-renders the portal with a form's error, or fails.
func (h *handlers) portalFormError(c *fiber.Ctx, u account.User, err error) error {
	f, ferr := formError(err, nil)
	if ferr != nil {
		return ferr
	}
	return h.renderPortal(c, u, classify(err).Status, "", f.Error)
}

func (h *handlers) addKeyForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	if _, err := h.addKey(c.UserContext(), u, c.Params("slug"), c.FormValue("name"), c.FormValue("public_key")); err != nil {
		return h.portalFormError(c, u, err)
	}
	return c.Redirect("/publishers/"+c.Params("slug")+"?done=Key+registered", http.StatusSeeOther)
}

func (h *handlers) revokeKeyForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	if err := h.revokeKey(c.UserContext(), u, c.Params("slug"), c.Params("id")); err != nil {
		return h.portalFormError(c, u, err)
	}
	return c.Redirect("/publishers/"+c.Params("slug")+"?done=Key+revoked", http.StatusSeeOther)
}

func (h *handlers) pushTokenForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	_, token, err := h.pushToken(c.UserContext(), u, c.Params("slug"), c.FormValue("name"))
	if err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.renderPortal(c, u, http.StatusCreated, token, "")
}

// adminPublishersView lists applications for review.
type adminPublishersView struct {
	Pending []publisher.Publisher
}

func (h *handlers) adminPublishersPage(c *fiber.Ctx) error {
	if _, err := adminViewer(c); err != nil {
		return err
	}
	ps, err := h.Publishers.PublishersByStatus(c.UserContext(), publisher.StatusPending)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "admin_publishers", "Publisher applications", adminPublishersView{Pending: ps})
}

func (h *handlers) reviewForm(c *fiber.Ctx) error {
	if _, err := adminViewer(c); err != nil {
		return err
	}
	if _, err := h.review(c.UserContext(), c.Params("slug"), c.FormValue("decision"), c.FormValue("verified") == "yes", c.FormValue("note")); err != nil {
		return err
	}
	return c.Redirect("/admin/publishers?done=Reviewed+"+c.Params("slug"), http.StatusSeeOther)
}
