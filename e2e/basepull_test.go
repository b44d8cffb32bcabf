package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// TestBuildBasePreflight checks a build's FROM images before it runs,
// through the real licensing, access and catalog services of a running
// Berth on SQLite: bases a license covers, the owner's own private
// repositories and public ones pass; a paid listing not bought, a tag
// outside a license's range, another account's private repository and
// registries other than Berth's are refused, in words that say why.
func TestBuildBasePreflight(t *testing.T) {
	w := newPublisherWorld(t)
	ctx := context.Background()
	b := w.in.srv.Backend
	accounts := b.Accounts
	bob, err := accounts.UserByUsername(ctx, "bob")
	must(t, err)
	ottmar, err := accounts.UserByUsername(ctx, "ottmar")
	must(t, err)

	for _, p := range []catalog.Product{
		{Slug: "otto-db", Name: "Otto DB", Publisher: "ottosoft", Kind: catalog.KindImage, Repositories: []string{"otto/db"},
			Tiers: []catalog.Tier{{ID: "pro", Name: "Pro", Price: 1999, Currency: "usd", Repositories: []string{"otto/db"}}}},
		{Slug: "otto-lts", Name: "Otto LTS", Publisher: "ottosoft", Kind: catalog.KindImage, Repositories: []string{"otto/lts"},
			Tiers: []catalog.Tier{{ID: "one", Name: "1.x", Currency: "usd", Versions: ">=1.0.0 <2.0.0", Repositories: []string{"otto/lts"}}}},
	} {
		_, err := b.Stores.Catalog.PutProduct(ctx, p)
		must(t, err)
	}
	_, err = b.Licenses.Grant(ctx, licensing.Grant{Owner: bob.ID, Product: "otto-lts", Tier: "one"})
	must(t, err)
	if status := w.in.call("POST", "/api/v1/repositories", "bob", "bob-password",
		map[string]any{"namespace": "bob", "name": "base", "private": true}, nil); status != http.StatusCreated {
		t.Fatalf("creating bob/base: %d", status)
	}

	pre := builds.NewPreflight(builds.BaseConfig{RegistryHost: w.in.Registry, AllowedHosts: []string{"mirror.example.com/library"}}, b.BasePulls)
	bobOwner := builds.Owner{ID: bob.ID, Name: bob.Username}
	for _, refs := range [][]string{
		{"otto/app:1.0"},                  // the free listing bob holds a license for
		{w.in.Registry + "/otto/app:1.0"}, // the same, naming Berth's registry
		{"bob/base:latest", "bob/base"},   // bob's own private repository
		{"otto/lts:1.4.2"},                // inside the license's version range
		{"otto/app@sha256:" + strings.Repeat("ab", 32)},
		{"mirror.example.com/library/alpine:3.20"}, // an allowed mirror
	} {
		if err := pre.CheckBases(ctx, bobOwner, refs); err != nil {
			t.Errorf("CheckBases(bob, %q) = %v; want allowed", refs, err)
		}
	}

	publicURL := w.in.URL
	for _, c := range []struct {
		owner   builds.Owner
		ref     string
		want    string
		outside bool
	}{
		{bobOwner, "otto/db:1.4", "FROM otto/db:1.4: bob holds no license covering otto/db:1.4 — get one at " + publicURL + "/products/otto-db", false},
		{bobOwner, "otto/lts:2.1.0", "FROM otto/lts:2.1.0: bob's license …", false},
		{bobOwner, "otto/lts:2.1.0", "for otto-lts does not cover otto/lts:2.1.0: it covers versions >=1.0.0 <2.0.0 and 2.1.0 is outside that range", false},
		{builds.Owner{ID: ottmar.ID, Name: ottmar.Username}, "bob/base:latest", "FROM bob/base:latest: ottmar may not pull bob/base: it does not exist or is private to another account", false},
		{bobOwner, "docker.io/library/alpine:3.20", "FROM docker.io/library/alpine:3.20: docker.io is not Berth's registry: builds pull bases only from " + w.in.Registry, true},
		{bobOwner, "mirror.example.com/other/alpine:3.20", "mirror.example.com is not Berth's registry", true},
	} {
		err := pre.CheckBases(ctx, c.owner, []string{"otto/app:1.0", c.ref})
		var refused *builds.BaseError
		if !errors.As(err, &refused) || !errors.Is(err, builds.ErrBaseRefused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckBases(%s, %s) = %v; want a refusal containing %q", c.owner.Name, c.ref, err, c.want)
			continue
		}
		if refused.Ref != c.ref || refused.Outside != c.outside {
			t.Errorf("refusal of %s: %+v; want Ref %s, Outside %v", c.ref, refused, c.ref, c.outside)
		}
	}
}
