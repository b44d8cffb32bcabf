package frontend

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/publisher"
)

// withdrawalRoutes registers withdrawing a promoted tag (the portal's form
// and its API twin) and the publisher's list of withdrawals. Only the
// publisher's owners and editors withdraw.
func (h *handlers) withdrawalRoutes(app, api routes) {
	api.Post("/publishers/:slug/images/:ns/:name/tags/:tag/withdraw", access.OnPublisher(access.Write, "slug"), h.withdrawAPI)
	api.Get("/publishers/:slug/withdrawals", access.OnPublisher(access.Read, "slug"), h.withdrawalsAPI)
	app.Post("/publishers/:slug/images/:ns/:name/tags/:tag/withdraw", access.OnPublisher(access.Write, "slug"), h.withdrawForm)
}

// withdrawalJSON is a withdrawal as its publisher sees it.
type withdrawalJSON struct {
	noticeJSON
	ID          string `json:"id"`
	WithdrawnBy string `json:"withdrawn_by"` // the username
	Done        bool   `json:"done"`
}

// noticeJSON is a withdrawal as a buyer holding a license is told of it.
type noticeJSON struct {
	Kind        string    `json:"kind"` // "tag_withdrawn"
	Repository  string    `json:"repository"`
	Tag         string    `json:"tag"`
	Digest      string    `json:"digest"`
	Reason      string    `json:"reason"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
	Message     string    `json:"message"`
}

func noticeOf(w publisher.Withdrawal) noticeJSON {
	return noticeJSON{Kind: "tag_withdrawn", Repository: w.Repository, Tag: w.Tag, Digest: w.Digest, Reason: w.Reason,
		WithdrawnAt: w.At, Message: w.Describe()}
}

// withdrawalsOf encodes withdrawals with the usernames of who withdrew them.
func (h *handlers) withdrawalsOf(ctx context.Context, ws []publisher.Withdrawal) []withdrawalJSON {
	names := h.usernames(ctx, ws)
	out := make([]withdrawalJSON, 0, len(ws))
	for _, w := range ws {
		out = append(out, withdrawalJSON{noticeJSON: noticeOf(w), ID: w.ID, WithdrawnBy: names[w.By], Done: w.Done})
	}
	return out
}

// usernames names the users who withdrew ws; a deleted user has none.
func (h *handlers) usernames(ctx context.Context, ws []publisher.Withdrawal) map[string]string {
	names := map[string]string{}
	for _, w := range ws {
		if _, seen := names[w.By]; seen {
			continue
		}
		if u, err := h.Accounts.User(ctx, w.By); err == nil {
			names[w.By] = u.Username
		} else {
			names[w.By] = ""
		}
	}
	return names
}

func withdrawing(c *fiber.Ctx, reason string) publisher.Withdrawing {
	return publisher.Withdrawing{Repository: c.Params("ns") + "/" + c.Params("name"), Tag: c.Params("tag"), Reason: reason}
}

// withdrawAPI withdraws a promoted tag: 201 with the withdrawal, or 200
// with the first one when the tag was withdrawn already.
func (h *handlers) withdrawAPI(c *fiber.Ctx) error {
	var in struct {
		Reason string `json:"reason"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	w, created, err := h.Publishers.Withdrawals.Withdraw(c.UserContext(), u.ID, c.Params("slug"), withdrawing(c, in.Reason))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.Status(status).JSON(h.withdrawalsOf(c.UserContext(), []publisher.Withdrawal{w})[0])
}

func (h *handlers) withdrawalsAPI(c *fiber.Ctx) error {
	ws, err := h.Publishers.Withdrawals.Withdrawals(c.UserContext(), c.Params("slug"), 100)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"withdrawals": h.withdrawalsOf(c.UserContext(), ws)})
}

// withdrawForm is the portal's withdraw button: back to the portal, which
// lists the withdrawal, or the portal again with what is wrong.
func (h *handlers) withdrawForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	slug := c.Params("slug")
	in := withdrawing(c, c.FormValue("reason"))
	if _, _, err := h.Publishers.Withdrawals.Withdraw(c.UserContext(), u.ID, slug, in); err != nil {
		return h.portalFormError(c, u, err)
	}
	return h.done(c, "/publishers/"+slug+"#withdrawals", "Withdrew "+in.Repository+":"+in.Tag+"; buyers holding a license are told why")
}

// portalReleases fills in the portal's promoted tags, from the catalog
// repositories of the publisher's products in its namespaces, and its
// withdrawals.
func (h *handlers) portalReleases(ctx context.Context, p publisher.Publisher, v *portalView) error {
	v.Withdraw = v.Role == publisher.RoleOwner || v.Role == publisher.RoleEditor
	products, err := h.Products.ProductsByPublisher(ctx, p.Slug)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, prod := range products {
		for _, repo := range prod.Repositories {
			ns, _, _ := strings.Cut(repo, "/")
			if seen[repo] || !slices.Contains(p.Namespaces, ns) {
				continue
			}
			seen[repo] = true
			tags, err := h.Tags.Tags(ctx, repo)
			if err != nil {
				return err
			}
			v.Releases = append(v.Releases, tags...)
		}
	}
	ws, err := h.Publishers.Withdrawals.Withdrawals(ctx, p.Slug, 50)
	if err != nil {
		return err
	}
	v.Withdrawn = h.withdrawalsOf(ctx, ws)
	return nil
}

// licenseNotices are what a license for repositories is told: the
// withdrawals of its repositories' tags, newest first.
func (h *handlers) licenseNotices(ctx context.Context, repositories []string) ([]noticeJSON, error) {
	out := []noticeJSON{}
	if h.Publishers == nil || h.Publishers.Withdrawals == nil {
		return out, nil
	}
	ws, err := h.Publishers.Withdrawals.Notices(ctx, repositories, 50)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		out = append(out, noticeOf(w))
	}
	return out, nil
}

// missingTag says why repo has no tag by that name: withdrawn by its
// publisher, and why, or simply none.
func (h *handlers) missingTag(ctx context.Context, repo, tag string) string {
	if h.Publishers != nil && h.Publishers.Withdrawals != nil {
		if w, ok, err := h.Publishers.Withdrawals.Withdrawn(ctx, repo, tag); err == nil && ok {
			return w.Describe()
		}
	}
	return "no tag " + tag + " of " + repo
}
