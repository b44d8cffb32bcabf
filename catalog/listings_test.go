package catalog_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/berth/berth/catalog"
	catalogsqlite "github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
	publishersqlite "github.com/berth/berth/publisher/sqlitestore"
)

// sellersOf finds listings' publishers in a real publisher store.
type sellersOf struct{ store publisher.Store }

func (s sellersOf) Seller(ctx context.Context, slug string) (catalog.Seller, bool, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if errors.Is(err, publisher.ErrNotFound) {
		return catalog.Seller{}, false, nil
	} else if err != nil {
		return catalog.Seller{}, false, err
	}
	return catalog.Seller{Slug: p.Slug, Namespaces: p.Namespaces, Approved: p.Status == publisher.StatusApproved}, true, nil
}

// licensingRules checks tiers by licensing's own rules.
type licensingRules struct{}

func (licensingRules) CheckQuota(pulls int, period string) error {
	return licensing.Quota{Pulls: pulls, Period: licensing.Period(period)}.Validate()
}

func (licensingRules) CheckEntitlement(versions, pattern string) error {
	return licensing.Entitlement{Versions: versions, TagPattern: pattern}.Validate()
}

// newListings returns Listings over real SQLite stores holding an approved
// publisher "acme" (namespace acme) and a pending one "newco" (newco).
func newListings(t *testing.T) (*catalog.Listings, catalog.Store) {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t)
	cat, err := catalogsqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := publishersqlite.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []publisher.Publisher{
		{Slug: "acme", Namespaces: []string{"acme"}, Status: publisher.StatusApproved},
		{Slug: "newco", Namespaces: []string{"newco"}, Status: publisher.StatusPending},
	} {
		if _, err := pubs.PutPublisher(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return catalog.NewListings(cat, sellersOf{pubs}, licensingRules{}), cat
}

func dbListing() catalog.ListingInput {
	return catalog.ListingInput{Slug: "acme-db", Name: "Acme DB", Kind: catalog.KindImage, Summary: "A database.",
		Description: "# Acme DB\n\nFast.\n", Repositories: []string{"acme/db"},
		Tiers: []catalog.Tier{{ID: "free", Name: "Free"}, {ID: "pro", Name: "Pro", Price: 2500, Interval: "month", Terms: "One."}}}
}

// TestListingRefusesControlCharacters: a NUL, another control character or
// an invisible format character in a name, summary or tier name is refused
// with the field named, and nothing is stored.
func TestListingRefusesControlCharacters(t *testing.T) {
	ctx := context.Background()
	l, store := newListings(t)
	for _, tc := range []struct {
		name, field string
		change      func(*catalog.ListingInput)
	}{
		{"NUL in the name", "name", func(in *catalog.ListingInput) { in.Name = "Acme\x00DB" }},
		{"escape in the summary", "summary", func(in *catalog.ListingInput) { in.Summary = "A \x1b[31mred\x1b[0m database" }},
		{"bidi override in a tier name", "tiers.0.name", func(in *catalog.ListingInput) { in.Tiers[0].Name = "Free\u202E" }},
		{"zero-width space in the name", "name", func(in *catalog.ListingInput) { in.Name = "Acme\u200bDB" }},
		{"NUL in the description", "description", func(in *catalog.ListingInput) { in.Description = "x\x00" }},
		{"NUL in a category", "categories", func(in *catalog.ListingInput) { in.Categories = []string{"Data\x00bases"} }},
		{"invalid UTF-8 in the name", "name", func(in *catalog.ListingInput) { in.Name = "Acme \xff" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := dbListing()
			tc.change(&in)
			_, err := l.Create(ctx, "acme", in)
			var invalid *catalog.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != tc.field {
				t.Fatalf("Create: %v; want an InvalidError on %s", err, tc.field)
			}
			if _, err := store.ProductBySlug(ctx, "acme-db"); !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("the refused listing was stored (%v)", err)
			}
		})
	}
}

// TestListingLifecycle: create as a draft, the terms version rising only
// when the terms text changes, publishing only for approved publishers,
// and listings kept to their publisher.
func TestListingLifecycle(t *testing.T) {
	ctx := context.Background()
	l, _ := newListings(t)
	created, err := l.Create(ctx, "acme", dbListing())
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != catalog.StatusDraft || created.Publisher != "acme" || terms(created) != "0,1" {
		t.Errorf("created = %s by %s, terms versions %s; want a draft by acme, 0,1", created.Status, created.Publisher, terms(created))
	}
	if _, err := l.Create(ctx, "acme", dbListing()); !errors.Is(err, catalog.ErrSlugTaken) {
		t.Errorf("creating it again: %v; want ErrSlugTaken", err)
	}
	same := dbListing()
	same.Name = "Acme Database"
	if p, err := l.Update(ctx, "acme", "acme-db", same); err != nil || terms(p) != "0,1" || p.Name != "Acme Database" {
		t.Errorf("an edit keeping the terms: %s, %v; want versions 0,1", terms(p), err)
	}
	changed := dbListing()
	changed.Tiers[0].Terms, changed.Tiers[1].Terms = "Now with terms.", "Two."
	if p, err := l.Update(ctx, "acme", "acme-db", changed); err != nil || terms(p) != "1,2" {
		t.Errorf("new terms text: %s, %v; want versions 1,2", terms(p), err)
	}
	if p, err := l.Publish(ctx, "acme", "acme-db"); err != nil || !p.Published() {
		t.Errorf("Publish: %+v, %v", p.Status, err)
	}
	draft := dbListing()
	draft.Status = catalog.StatusDraft
	if _, err := l.Update(ctx, "acme", "acme-db", draft); !isInvalid(err, "status") {
		t.Errorf("a published listing made a draft: %v; want invalid status", err)
	}
	if p, err := l.Unpublish(ctx, "acme", "acme-db"); err != nil || p.Status != catalog.StatusUnpublished {
		t.Errorf("Unpublish: %s, %v", p.Status, err)
	}
	if _, err := l.Update(ctx, "newco", "acme-db", dbListing()); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("another publisher editing it: %v; want ErrNotFound", err)
	}

	theirs := dbListing()
	theirs.Slug, theirs.Repositories, theirs.Tiers = "newco-db", []string{"newco/db"}, theirs.Tiers[:1]
	if _, err := l.Create(ctx, "newco", theirs); err != nil {
		t.Errorf("a pending publisher's draft: %v", err)
	}
	if _, err := l.Publish(ctx, "newco", "newco-db"); !errors.Is(err, catalog.ErrSellerNotApproved) {
		t.Errorf("a pending publisher publishing: %v; want ErrSellerNotApproved", err)
	}
	theirs.Slug, theirs.Repositories = "newco-two", []string{"acme/two"}
	if _, err := l.Create(ctx, "newco", theirs); !isInvalid(err, "repositories") {
		t.Errorf("a repository in another publisher's namespace: %v; want invalid repositories", err)
	}
}

// TestListingLogoAndBadge: logos are checked by their content; badges are
// official, certified or none.
func TestListingLogoAndBadge(t *testing.T) {
	ctx := context.Background()
	l, _ := newListings(t)
	if _, err := l.Create(ctx, "acme", dbListing()); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	if p, err := l.SetLogo(ctx, "acme", "acme-db", png); err != nil || !strings.HasPrefix(p.Logo, "data:image/png;base64,") {
		t.Errorf("a PNG logo: %q, %v", p.Logo, err)
	}
	for _, bad := range []string{"<svg onload=alert(1)>", "", "RIFF0000AVI "} {
		if _, err := l.SetLogo(ctx, "acme", "acme-db", []byte(bad)); !isInvalid(err, "logo") {
			t.Errorf("logo %q: %v; want invalid logo", bad, err)
		}
	}
	if _, err := l.SetBadge(ctx, "acme-db", "gold"); !isInvalid(err, "badge") {
		t.Errorf("badge gold: %v; want invalid badge", err)
	}
	if p, err := l.SetBadge(ctx, "acme-db", catalog.BadgeCertified); err != nil || p.Badge != catalog.BadgeCertified || p.Logo == "" {
		t.Errorf("certified: %+v, %v; want the badge and the logo kept", p.Badge, err)
	}
}

// terms lists the tiers' terms versions.
func terms(p catalog.Product) string {
	var out []string
	for _, t := range p.Tiers {
		out = append(out, strconv.Itoa(t.TermsVersion))
	}
	return strings.Join(out, ",")
}

func isInvalid(err error, field string) bool {
	var invalid *catalog.InvalidError
	return errors.As(err, &invalid) && (invalid.Field == field || strings.HasPrefix(invalid.Field, field+"."))
}
