package frontend

import (
	"github.com/berth/berth/access"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
)

// adminPageSize is how many users, and how many organisations, one admin
// page lists.
const adminPageSize = 50

// adminRoutes registers the admin pages on app and their JSON API on api.
// Pages answer anyone but an admin as if they did not exist; the API
// answers 401 or 403 like every other endpoint.
func (h *handlers) adminRoutes(app, api routes) {
	app.Get("/admin", access.AdminPage, h.adminPage)
	app.Post("/admin/users/:username/disable", access.AdminPage, h.setDisabledForm(true))
	app.Post("/admin/users/:username/enable", access.AdminPage, h.setDisabledForm(false))

	api.Get("/admin/users", access.Administer, h.adminUsersAPI)
	api.Patch("/admin/users/:username", access.Administer, h.adminUpdateUserAPI)
	api.Get("/admin/orgs", access.Administer, h.adminOrgsAPI)
	h.adminJobRoutes(app, api)
}

// adminView is the admin page: one page of users and one of organisations.
type adminView struct {
	Users     []account.User
	Orgs      []account.Org
	Page      int // of users, from 1
	OrgsPage  int // of organisations, from 1
	MoreUsers bool
	MoreOrgs  bool
	Form      form
}

// adminPager links the pages of one list on the admin page.
type adminPager struct {
	Noun             string // what the list holds, in the links' words
	Page             int    // from 1
	More             bool   // there is a next page
	PrevURL, NextURL string
}

// UsersPager links the pages of users, keeping organisations at theirs.
func (v adminView) UsersPager() adminPager {
	return adminPager{Noun: "users", Page: v.Page, More: v.MoreUsers,
		PrevURL: adminURL(v.Page-1, v.OrgsPage), NextURL: adminURL(v.Page+1, v.OrgsPage)}
}

// OrgsPager links the pages of organisations, keeping users at theirs.
func (v adminView) OrgsPager() adminPager {
	return adminPager{Noun: "organisations", Page: v.OrgsPage, More: v.MoreOrgs,
		PrevURL: adminURL(v.Page, v.OrgsPage-1), NextURL: adminURL(v.Page, v.OrgsPage+1)}
}

// adminURL is the admin page at the given pages.
func adminURL(page, orgsPage int) string {
	q := url.Values{}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if orgsPage > 1 {
		q.Set("orgs_page", strconv.Itoa(orgsPage))
	}
	if len(q) == 0 {
		return "/admin"
	}
	return "/admin?" + q.Encode()
}

// adminViewer returns the signed-in admin. The admin pages declare
// access.AdminPage, which decided that the viewer is one (and answers
// anyone else as if the page did not exist).
func adminViewer(c *fiber.Ctx) (account.User, error) {
	v := viewerOf(c)
	if !v.SignedIn() {
		return account.User{}, fiber.ErrNotFound
	}
	return v.User, nil
}

// adminPageNumber reads a 1-based page number; anything else is page 1.
func adminPageNumber(c *fiber.Ctx, key string) int {
	n, err := strconv.Atoi(c.Query(key, c.FormValue(key)))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// adminPageView loads the pages of users and organisations asked for. One
// more than a page is read to know whether there is a next one.
func (h *handlers) adminPageView(c *fiber.Ctx, admin account.User) (adminView, error) {
	v := adminView{Page: adminPageNumber(c, "page"), OrgsPage: adminPageNumber(c, "orgs_page")}
	users, err := h.Accounts.Users(c.UserContext(), admin, account.Page{Limit: adminPageSize + 1, Offset: (v.Page - 1) * adminPageSize})
	if err != nil {
		return adminView{}, err
	}
	orgs, err := h.Accounts.Orgs(c.UserContext(), admin, account.Page{Limit: adminPageSize + 1, Offset: (v.OrgsPage - 1) * adminPageSize})
	if err != nil {
		return adminView{}, err
	}
	v.Users, v.MoreUsers = users[:min(len(users), adminPageSize)], len(users) > adminPageSize
	v.Orgs, v.MoreOrgs = orgs[:min(len(orgs), adminPageSize)], len(orgs) > adminPageSize
	return v, nil
}

func (h *handlers) adminPage(c *fiber.Ctx) error {
	admin, err := adminViewer(c)
	if err != nil {
		return err
	}
	v, err := h.adminPageView(c, admin)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "admin", "Admin", v)
}

// setDisabledForm disables or re-enables the user named in the path and
// goes back to the page of the list the form was on.
func (h *handlers) setDisabledForm(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		admin, err := adminViewer(c)
		if err != nil {
			return err
		}
		u, err := h.Accounts.UserByUsername(c.UserContext(), c.Params("username"))
		if err == nil {
			u, err = h.Accounts.SetDisabled(c.UserContext(), admin, u.ID, disabled)
		}
		if err != nil {
			return h.adminRefused(c, admin, err)
		}
		done := u.Username + " enabled"
		if disabled {
			done = u.Username + " disabled: signed out everywhere"
		}
		return h.done(c, adminURL(adminPageNumber(c, "page"), adminPageNumber(c, "orgs_page")), done)
	}
}

// adminRefused shows the admin page again with what was wrong.
func (h *handlers) adminRefused(c *fiber.Ctx, admin account.User, err error) error {
	f, ferr := formError(err, nil)
	if ferr != nil {
		return ferr
	}
	v, verr := h.adminPageView(c, admin)
	if verr != nil {
		return verr
	}
	v.Form = f
	return h.render(c, classify(err).Status, "admin", "Admin", v)
}
