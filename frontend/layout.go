package frontend

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/publisher"
)

// header is what the layout's header shows: the store's links, the
// signed-in viewer's, and which of them is the page being shown.
type header struct {
	Store   []navLink
	Account []navLink
	// Publish is where "Publish" leads: the viewer's publisher portal once
	// they have applied, else the application form.
	Publish navLink
	Admin   navLink
	// SignIn and SignUp are the signed-out viewer's links.
	SignIn, SignUp navLink
}

// navLink is one header link; Current is its aria-current value: "page"
// on the page itself, "true" on a page within its section, "" elsewhere.
type navLink struct {
	Label, Href, Current string
}

// applyPath is the publisher application form's address.
const applyPath = "/publishers/apply"

// storeLinks are the header's links for everyone; an Explore tab is
// current on Explore with that tab.
var storeLinks = []struct{ label, path, tab string }{
	{"Explore", "/explore", ""},
	{"Official", "/explore", "official"},
	{"Certified", "/explore", "certified"},
	{"Plugins", "/explore", "plugins"},
	{"Search", "/search", ""},
	{"API", "/api/v1/openapi.json", ""},
}

// accountLinks are the signed-in viewer's links, in the account menu.
var accountLinks = []struct{ label, path string }{
	{"Licenses", "/licenses"},
	{"Orders", "/orders"},
	{"Starred", "/starred"},
	{"New repository", "/repositories/new"},
	{"New organisation", "/orgs/new"},
	{"Settings", "/settings"},
}

// buildHeader makes the header for the page at c's path; publishers are
// the viewer's publishers (none when signed out).
func buildHeader(c *fiber.Ctx, signedIn, admin bool, publishers []publisher.Publisher) header {
	path, tab := c.Path(), c.Query("tab")
	var h header
	for _, l := range storeLinks {
		href, current := l.path, ""
		if l.tab != "" {
			href += "?tab=" + l.tab
		}
		if path == l.path && tab == l.tab {
			current = "page"
		}
		h.Store = append(h.Store, navLink{Label: l.label, Href: href, Current: current})
	}
	if !signedIn {
		h.SignIn = navLink{Label: "Sign in", Href: "/signin", Current: currentFor(path, "/signin")}
		h.SignUp = navLink{Label: "Sign up", Href: "/signup", Current: currentFor(path, "/signup")}
		return h
	}
	for _, l := range accountLinks {
		h.Account = append(h.Account, navLink{Label: l.label, Href: l.path, Current: currentFor(path, l.path)})
	}
	h.Publish = navLink{Label: "Publish", Href: publishHref(publishers)}
	h.Publish.Current = currentFor(path, h.Publish.Href)
	if h.Publish.Href != applyPath && path == applyPath {
		h.Publish.Current = "page"
	}
	if admin {
		h.Admin = navLink{Label: "Admin", Href: "/admin", Current: currentFor(path, "/admin")}
	}
	return h
}

// currentFor is the aria-current of a link to href on the page at path.
func currentFor(path, href string) string {
	switch {
	case path == href:
		return "page"
	case strings.HasPrefix(path, href+"/"):
		return "true"
	}
	return ""
}

// publishHref is the portal of the viewer's first publisher whose
// application is pending or approved, or the application form when they
// have none (or only refused and lapsed ones).
func publishHref(publishers []publisher.Publisher) string {
	i := slices.IndexFunc(publishers, func(p publisher.Publisher) bool {
		return p.Status == publisher.StatusApproved || p.Status == publisher.StatusPending
	})
	if i < 0 {
		return applyPath
	}
	return "/publishers/" + publishers[i].Slug
}

// frame fills in what the layout needs beyond the page's own data: the
// accounts the viewer may act for and the header.
func (h *handlers) frame(c *fiber.Ctx, p *page) error {
	if !p.Viewer.SignedIn() {
		p.Header = buildHeader(c, false, false, nil)
		return nil
	}
	ctx := c.UserContext()
	p.Contexts = append(p.Contexts, p.Viewer.User.Username)
	orgs, err := h.Accounts.OrgsOf(ctx, p.Viewer.User.ID)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		p.Contexts = append(p.Contexts, o.Name)
	}
	// A session may still act for an organisation the user has left.
	if !slices.Contains(p.Contexts, p.Viewer.Session.Context) {
		p.Viewer.Session.Context = p.Viewer.User.Username
	}
	var pubs []publisher.Publisher
	if h.Publishers != nil {
		if pubs, err = h.Publishers.PublishersByMember(ctx, p.Viewer.User.ID); err != nil {
			return err
		}
	}
	p.Header = buildHeader(c, true, p.Viewer.User.Admin, pubs)
	return nil
}
