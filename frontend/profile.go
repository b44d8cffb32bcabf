package frontend

import (
	"context"
	"github.com/berth/berth/access"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// profileRoutes registers the profile pages on app and their JSON API on api.
func (h *handlers) profileRoutes(app, api routes) {
	app.Get("/u/:name", access.Anyone, h.profilePage)
	api.Get("/users/:name", access.Anyone, h.profileAPI)
}

// profileView is a user's public face: their repositories the viewer may
// see and the organisations they belong to. Self is set when the viewer
// is that user.
type profileView struct {
	User         account.User
	Self         bool
	Repositories []repoAccess
	Orgs         []account.Org
	// Contributed are the products of the publishers the user works for.
	Contributed []catalog.Product
	// Starred are the products the user starred.
	Starred []catalog.Product
}

// profile loads the profile of username as v sees it. A disabled account
// is not found, except by an administrator.
func (h *handlers) profile(ctx context.Context, v viewer, username string) (profileView, error) {
	u, err := h.Accounts.UserByUsername(ctx, strings.ToLower(username))
	if err != nil {
		return profileView{}, err
	}
	if u.Disabled && !v.User.Admin {
		return profileView{}, account.ErrNotFound
	}
	repos, err := h.visibleRepositories(ctx, v, u.Username)
	if err != nil {
		return profileView{}, err
	}
	orgs, err := h.Accounts.OrgsOf(ctx, u.ID)
	if err != nil {
		return profileView{}, err
	}
	contributed, err := h.contributed(ctx, u.ID)
	if err != nil {
		return profileView{}, err
	}
	var starred []catalog.Product
	if h.Stars != nil {
		if starred, err = h.starredProducts(ctx, u.ID); err != nil {
			return profileView{}, err
		}
	}
	return profileView{User: u, Self: v.SignedIn() && v.User.ID == u.ID, Repositories: repos, Orgs: orgs,
		Contributed: contributed, Starred: starred}, nil
}

// contributed lists the products of the publishers userID is a member of.
func (h *handlers) contributed(ctx context.Context, userID string) ([]catalog.Product, error) {
	if h.Publishers == nil {
		return nil, nil
	}
	pubs, err := h.Publishers.PublishersByMember(ctx, userID)
	if err != nil || len(pubs) == 0 {
		return nil, err
	}
	mine := map[string]bool{}
	for _, p := range pubs {
		mine[p.Slug] = true
	}
	all, err := h.Products.ListProducts(ctx, catalog.ListQuery{})
	if err != nil {
		return nil, err
	}
	var out []catalog.Product
	for _, p := range all {
		if mine[p.Publisher] {
			out = append(out, p)
		}
	}
	return out, nil
}

func (h *handlers) profilePage(c *fiber.Ctx) error {
	p, err := h.profile(c.UserContext(), viewerOf(c), c.Params("name"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "profile", p.User.Username, p)
}

// profileJSON is a user as anyone sees them; Email is there only for the
// user themselves.
type profileJSON struct {
	Username     string           `json:"username"`
	Email        string           `json:"email,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	Repositories []repositoryJSON `json:"repositories"`
	Orgs         []profileOrgJSON `json:"orgs"`
	Contributed  []string         `json:"contributed"`
	Starred      []string         `json:"starred"`
}

// profileOrgJSON is an organisation a user belongs to.
type profileOrgJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

func profileOf(p profileView) profileJSON {
	out := profileJSON{Username: p.User.Username, CreatedAt: p.User.CreatedAt,
		Repositories: make([]repositoryJSON, 0, len(p.Repositories)), Orgs: make([]profileOrgJSON, 0, len(p.Orgs))}
	if p.Self {
		out.Email = p.User.Email
	}
	for _, r := range p.Repositories {
		out.Repositories = append(out.Repositories, repositoryOf(r, false))
	}
	for _, o := range p.Orgs {
		out.Orgs = append(out.Orgs, profileOrgJSON{Name: o.Name, DisplayName: o.DisplayName})
	}
	out.Contributed, out.Starred = []string{}, []string{}
	for _, pr := range p.Contributed {
		out.Contributed = append(out.Contributed, pr.Slug)
	}
	for _, pr := range p.Starred {
		out.Starred = append(out.Starred, pr.Slug)
	}
	return out
}

// profileAPI answers a user's profile. Anyone may ask; credentials, when
// sent, show the private repositories they may see.
func (h *handlers) profileAPI(c *fiber.Ctx) error {
	v, err := h.currentViewer(c)
	if err != nil {
		return err
	}
	p, err := h.profile(c.UserContext(), v, c.Params("name"))
	if err != nil {
		return err
	}
	if v.SignedIn() {
		// What a signed-in viewer sees may include private repositories.
		c.Set(fiber.HeaderCacheControl, "private, no-store")
	}
	return c.JSON(profileOf(p))
}
