package frontend

import (
	"encoding/json"
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

// editView is the listing editor.
type editView struct {
	Publisher publisher.Publisher
	Product   catalog.Product
	TiersJSON string
	Preview   template.HTML // the description's rendering (sanitised), when asked for
	Form      form
}

func tiersJSON(ts []catalog.Tier) string {
	in := make([]tierInput, 0, len(ts))
	for _, t := range ts {
		in = append(in, tierInput{ID: t.ID, Name: t.Name, Description: t.Description, Price: t.Price, Currency: t.Currency,
			Repositories: t.Repositories, Interval: t.Interval, TrialDays: t.TrialDays, Seats: t.Seats, PullQuota: t.PullQuota,
			QuotaPeriod: t.QuotaPeriod, Versions: t.Versions, TagPattern: t.TagPattern, Perpetual: t.Perpetual, Terms: t.Terms})
	}
	b, _ := json.MarshalIndent(in, "", "  ")
	return string(b)
}

func (h *handlers) editListingPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	pub, prod, err := h.editableListing(c.UserContext(), u, c.Params("slug"), c.Params("product"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "listing_edit", "Edit "+prod.Name, editView{Publisher: pub, Product: prod, TiersJSON: tiersJSON(prod.Tiers)})
}

// editListingForm saves the editor's form, or, with preview set, shows the
// description rendered without saving.
func (h *handlers) editListingForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	pub, prod, err := h.editableListing(c.UserContext(), u, c.Params("slug"), c.Params("product"))
	if err != nil {
		return err
	}
	in := listingInput{Slug: prod.Slug, Name: c.FormValue("name"), Kind: c.FormValue("kind"), Summary: c.FormValue("summary"),
		Description: c.FormValue("description"), Status: c.FormValue("status"),
		Categories:   strings.Split(c.FormValue("categories"), ","),
		Repositories: strings.FieldsFunc(c.FormValue("repositories"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })}
	view := editView{Publisher: pub, Product: prod, TiersJSON: c.FormValue("tiers")}
	view.Product.Name, view.Product.Summary, view.Product.Description = in.Name, in.Summary, in.Description
	if c.FormValue("preview") != "" {
		view.Preview = newMarkdown().render(in.Description)
		return h.render(c, http.StatusOK, "listing_edit", "Edit "+prod.Name, view)
	}
	if err := json.Unmarshal([]byte(view.TiersJSON), &in.Tiers); err != nil {
		bad := badInput("tiers", "tiers: not valid JSON: "+err.Error())
		view.Form = form{Error: bad.Error(), Field: "tiers"}
		return h.render(c, classify(bad).Status, "listing_edit", "Edit "+prod.Name, view)
	}
	saved, err := h.saveListing(c.UserContext(), u, c.Params("slug"), prod.Slug, in)
	if err != nil {
		f, ferr := formError(err, nil)
		if ferr != nil {
			return ferr
		}
		view.Form = f
		return h.render(c, classify(err).Status, "listing_edit", "Edit "+prod.Name, view)
	}
	return h.done(c, "/publishers/"+c.Params("slug")+"/products/"+saved.Slug+"/edit", "Saved")
}
