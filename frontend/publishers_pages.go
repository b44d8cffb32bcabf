package frontend

import (
	"github.com/berth/berth/access"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/webhooks"
)

func (h *handlers) publisherPages(app routes) {
	app.Get("/publishers/apply", access.Self(access.Read), h.applyPage)
	app.Post("/publishers/apply", access.OnOrg(access.Manage, "organization"), h.applyForm)
	h.publicPublisherPages(app)
	app.Post("/publishers/:slug/keys", access.OnPublisher(access.Write, "slug"), h.addKeyForm)
	app.Post("/publishers/:slug/keys/:id/revoke", access.OnPublisher(access.Write, "slug"), h.revokeKeyForm)
	app.Post("/publishers/:slug/push-tokens", access.OnPublisher(access.Write, "slug").Personally().OnlyMembers(), h.pushTokenForm)
	app.Get("/admin/publishers", access.AdminPage, h.adminPublishersPage)
	app.Post("/admin/publishers/:slug/review", access.AdminPage, h.reviewForm)
}

// applyView is the application form.
type applyView struct {
	Orgs []account.Org
	Form form
	// Checks say, before the application is sent, whether each namespace
	// may be claimed.
	Checks []namespaceCheck
}

// namespaceCheck is whether one namespace may be claimed, and if not why.
type namespaceCheck struct {
	Namespace string `json:"namespace"`
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
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
	in := publisher.Application{Slug: c.FormValue("slug"), Name: c.FormValue("name"), Organization: c.FormValue("organization"),
		Namespaces: strings.FieldsFunc(c.FormValue("namespaces"), func(r rune) bool { return r == ',' || r == ' ' })}
	values := map[string]string{"slug": in.Slug, "name": in.Name, "namespaces": c.FormValue("namespaces"), "organization": in.Organization}
	orgs, err := h.Accounts.OrgsOf(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	if c.FormValue("check") != "" {
		checks, err := h.checkNamespaces(c, u, in)
		if err != nil {
			return err
		}
		return h.render(c, http.StatusOK, "publisher_apply", "Apply to publish", applyView{Orgs: orgs, Form: form{Values: values}, Checks: checks})
	}
	p, err := h.Publishers.Apply(c.UserContext(), u.ID, in)
	if err != nil {
		f, ferr := formError(err, values)
		if ferr != nil {
			return ferr
		}
		return h.render(c, classify(err).Status, "publisher_apply", "Apply to publish", applyView{Orgs: orgs, Form: f})
	}
	return h.done(c, "/publishers/"+p.Slug, "Application sent")
}

// checkNamespaces says of each namespace in the application whether the
// organisation may claim it.
func (h *handlers) checkNamespaces(c *fiber.Ctx, u account.User, in publisher.Application) ([]namespaceCheck, error) {
	out := make([]namespaceCheck, 0, len(in.Namespaces))
	for _, ns := range in.Namespaces {
		check, err := h.checkNamespace(c, u, in.Organization, in.Slug, ns)
		if err != nil {
			return nil, err
		}
		out = append(out, check)
	}
	return out, nil
}

// checkNamespace says whether the organisation org may claim ns for the
// publisher slug; an error is one that is not the applicant's to fix.
func (h *handlers) checkNamespace(c *fiber.Ctx, u account.User, org, slug, ns string) (namespaceCheck, error) {
	out := namespaceCheck{Namespace: strings.ToLower(strings.TrimSpace(ns)), Available: true}
	err := h.Publishers.CheckNamespace(c.UserContext(), u.ID, org, slug, ns)
	if err == nil {
		return out, nil
	}
	ae, ok := clientError(err)
	if !ok {
		return out, err
	}
	out.Available, out.Reason = false, strings.TrimPrefix(ae.Message, ae.Field+": ")
	return out, nil
}

// portalView is a publisher's portal page.
type portalView struct {
	Publisher publisher.Publisher
	Role      publisher.Role
	Keys      []publisher.Key
	Uploads   []publisher.Upload
	Webhooks  []portalWebhook
	Events    []string
	// Releases are the promoted tags buyers pull now, Withdrawn those
	// taken back; Withdraw offers the form (owners and editors).
	Releases  []catalog.Tag
	Withdrawn []withdrawalJSON
	Withdraw  bool
	Token     string // a push token just made, shown once
	Secret    string // a webhook secret just made, shown once
	Error     string
	// Public is what anyone sees of the publisher; members see the rest
	// below it.
	Public publicPublisherView
}

// portalWebhook is an endpoint with its latest deliveries.
type portalWebhook struct {
	webhooks.Endpoint
	Deliveries []webhooks.Delivery
}

func (h *handlers) renderPortal(c *fiber.Ctx, u account.User, status int, token, errMsg string, secret ...string) error {
	v := portalView{Token: token, Error: errMsg}
	if len(secret) > 0 {
		v.Secret = secret[0]
	}
	return h.renderPortalView(c, u, status, v)
}

// renderPortalForm shows the portal with a refused profile edit.
func (h *handlers) renderPortalForm(c *fiber.Ctx, u account.User, status int, f form) error {
	return h.renderPortalView(c, u, status, portalView{Public: publicPublisherView{Form: f}})
}

// renderPortalView fills v in for the publisher the route names and shows
// it: its public part, then what its members see.
func (h *handlers) renderPortalView(c *fiber.Ctx, u account.User, status int, v portalView) error {
	ctx := c.UserContext()
	p, role, err := h.publisherRole(ctx, u, c.Params("slug"))
	if err != nil {
		return err
	}
	v.Publisher, v.Role, v.Events = p, role, webhooks.Events
	f := v.Public.Form
	if v.Public, err = h.publicView(c, p, true); err != nil {
		return err
	}
	v.Public.Form = f
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
	if v.Keys, err = h.Publishers.Keys(ctx, p.Slug); err != nil {
		return err
	}
	if v.Uploads, err = h.Publishers.Uploads(ctx, p.Slug, 50); err != nil {
		return err
	}
	if err := h.portalReleases(ctx, p, &v); err != nil {
		return err
	}
	return h.render(c, status, "publisher", p.Name, v)
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
	slug := c.Params("slug")
	in := publisher.NewKey{Name: c.FormValue("name"), PEM: c.FormValue("public_key")}
	if _, err := h.Publishers.AddKey(c.UserContext(), u.ID, slug, in); err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.done(c, "/publishers/"+slug, "Key registered")
}

func (h *handlers) revokeKeyForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	slug := c.Params("slug")
	if err := h.Publishers.RevokeKey(c.UserContext(), slug, c.Params("id")); err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.done(c, "/publishers/"+slug, "Key revoked")
}

func (h *handlers) pushTokenForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	t, err := h.Publishers.PushToken(c.UserContext(), u.ID, c.Params("slug"), c.FormValue("name"))
	if err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.renderPortal(c, u, http.StatusCreated, t.Secret, "")
}

// adminPublishersView lists applications for review.
type adminPublishersView struct {
	Pending []publisher.Publisher
}

func (h *handlers) adminPublishersPage(c *fiber.Ctx) error {
	if _, err := adminViewer(c); err != nil {
		return err
	}
	ps, err := h.Publishers.Applications(c.UserContext(), publisher.StatusPending)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "admin_publishers", "Publisher applications", adminPublishersView{Pending: ps})
}

func (h *handlers) reviewForm(c *fiber.Ctx) error {
	if _, err := adminViewer(c); err != nil {
		return err
	}
	r := publisher.Review{Decision: c.FormValue("decision"), Verified: c.FormValue("verified") == "yes", Note: c.FormValue("note")}
	if _, err := h.Publishers.Review(c.UserContext(), c.Params("slug"), r); err != nil {
		return err
	}
	return h.done(c, "/admin/publishers", "Reviewed "+c.Params("slug"))
}
