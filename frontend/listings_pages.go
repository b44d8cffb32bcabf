package frontend

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// listingsView is a publisher's listings page.
type listingsView struct {
	Publisher publisher.Publisher
	Products  []catalog.Product
	Form      form
}

func (h *handlers) listingsPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	return h.renderListings(c, u, http.StatusOK, form{})
}

func (h *handlers) renderListings(c *fiber.Ctx, u account.User, status int, f form) error {
	p, _, err := h.publisherRole(c.UserContext(), u, c.Params("slug"))
	if err != nil {
		return err
	}
	ps, err := h.Publishers.Listings.Listings(c.UserContext(), p.Slug)
	if err != nil {
		return err
	}
	return h.render(c, status, "listings", p.Name+" listings", listingsView{Publisher: p, Products: ps, Form: f})
}

// createListingForm starts a draft with one free tier; the editor fills in
// the rest.
func (h *handlers) createListingForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	repo := strings.TrimSpace(c.FormValue("repository"))
	in := listingInput{Slug: c.FormValue("slug"), Name: c.FormValue("name"), Kind: c.FormValue("kind"), Repositories: []string{repo},
		Tiers: []tierInput{{ID: "express", Name: "Express"}}, Status: catalog.StatusDraft}
	p, err := h.saveListing(c.UserContext(), u, c.Params("slug"), "", in)
	if err != nil {
		f, ferr := formError(err, map[string]string{"slug": in.Slug, "name": in.Name, "repository": repo})
		if ferr != nil {
			return ferr
		}
		return h.renderListings(c, u, classify(err).Status, f)
	}
	return h.done(c, "/publishers/"+c.Params("slug")+"/products/"+p.Slug+"/edit", "Draft created")
}

// editView is the listing editor: the listing as typed (not as stored,
// after a refused save or a preview), its tiers as rows.
type editView struct {
	Publisher publisher.Publisher
	Product   catalog.Product
	Tiers     []tierRow
	Status    string        // the status chosen, "" to keep
	Preview   template.HTML // the description's rendering (sanitised), when asked for
	Form      form
}

// withListing is the prelude of every listing-editor page handler: the
// signed-in user (an anonymous visitor is sent to sign in), the publisher
// and the listing the route names; then it calls then.
func (h *handlers) withListing(c *fiber.Ctx, then func(u account.User, pub publisher.Publisher, prod catalog.Product) error) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	pub, prod, err := h.editableListing(c.UserContext(), u, c.Params("slug"), c.Params("product"))
	if err != nil {
		return err
	}
	return then(u, pub, prod)
}

// renderEditor shows the listing editor with status.
func (h *handlers) renderEditor(c *fiber.Ctx, status int, v editView) error {
	return h.render(c, status, "listing_edit", "Edit "+v.Product.Name, v)
}

func (h *handlers) editListingPage(c *fiber.Ctx) error {
	return h.withListing(c, func(_ account.User, pub publisher.Publisher, prod catalog.Product) error {
		return h.renderEditor(c, http.StatusOK, editView{Publisher: pub, Product: prod, Tiers: rowsOf(prod.Tiers)})
	})
}

// editListingForm saves the editor's form; or, with "add tier" or
// "remove tier" pressed, or "preview" asked for, shows it again as typed
// (with one more empty tier, one fewer, or the description rendered)
// without saving.
func (h *handlers) editListingForm(c *fiber.Ctx) error {
	return h.withListing(c, func(u account.User, pub publisher.Publisher, prod catalog.Product) error {
		in, view := typedListing(c, pub, prod)
		rows, edited := editTiers(c, view.Tiers)
		view.Tiers = rows
		if edited || c.FormValue("preview") != "" {
			if !edited {
				view.Preview = newMarkdown().render(in.Description)
			}
			return h.renderEditor(c, http.StatusOK, view)
		}
		tiers, problems := tierInputs(rows)
		if len(problems) > 0 {
			view.Form = form{Errors: problems, Error: summary(problems)}
			return h.renderEditor(c, http.StatusUnprocessableEntity, view)
		}
		in.Tiers = tiers
		saved, err := h.saveListing(c.UserContext(), u, pub.Slug, prod.Slug, in)
		if err != nil {
			f, ferr := formError(err, nil)
			if ferr != nil {
				return ferr
			}
			view.Form = f
			return h.renderEditor(c, classify(err).Status, view)
		}
		return h.done(c, "/publishers/"+pub.Slug+"/products/"+saved.Slug+"/edit", "Saved")
	})
}

// typedListing reads the editor's form: the listing to save, and the view
// showing every field as typed.
func typedListing(c *fiber.Ctx, pub publisher.Publisher, prod catalog.Product) (listingInput, editView) {
	in := listingInput{Slug: prod.Slug, Name: c.FormValue("name"), Kind: c.FormValue("kind"), Summary: c.FormValue("summary"),
		Description: c.FormValue("description"), Status: c.FormValue("status"),
		Categories:   strings.Split(c.FormValue("categories"), ","),
		Repositories: strings.FieldsFunc(c.FormValue("repositories"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })}
	view := editView{Publisher: pub, Product: prod, Tiers: formTierRows(c), Status: in.Status}
	p := &view.Product
	p.Name, p.Kind, p.Summary, p.Description = in.Name, catalog.Kind(in.Kind), in.Summary, in.Description
	p.Categories, p.Repositories = nil, in.Repositories
	for _, cat := range in.Categories {
		if cat = strings.TrimSpace(cat); cat != "" {
			p.Categories = append(p.Categories, cat)
		}
	}
	return in, view
}
