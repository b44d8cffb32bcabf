package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
)

// TestTermsRefusals: the license-terms rules answer with their own codes
// and fields wherever they are broken: taking a tier without accepting its
// terms, accepting an old version, and accepting terms of a tier that is
// no longer sold; freeing a seat nobody holds names the holder.
func TestTermsRefusals(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	_, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "tess", Email: "tess@example.com", Password: "tess-password"})
	must(t, err)
	product := catalog.Product{Slug: "termed", Name: "Termed", Publisher: "vendor", Kind: catalog.KindImage, Repositories: []string{"vendor/termed"},
		Tiers: []catalog.Tier{{ID: "free", Name: "Free", Currency: "usd", Repositories: []string{"vendor/termed"}, Terms: "One.", TermsVersion: 1}}}
	_, err = in.srv.Backend.Stores.Catalog.PutProduct(ctx, product)
	must(t, err)
	type refusal struct {
		status             int
		code, field, words string
	}
	check := func(what, method, path string, body any, want refusal) {
		t.Helper()
		var e apiErr
		status := in.call(method, path, "tess", "tess-password", body, &e)
		if status != want.status || e.Error.Code != want.code || e.Error.Field != want.field || !strings.Contains(e.Error.Message, want.words) {
			t.Errorf("%s: %d %+v; want %d %s field %q saying %q", what, status, e.Error, want.status, want.code, want.field, want.words)
		}
	}

	check("taking the tier without accepting its terms", "POST", "/api/v1/products/termed/checkout", map[string]any{"tier": "free"},
		refusal{http.StatusUnprocessableEntity, "invalid", "accept_terms", "version 1"})
	var out struct{ License struct{ ID string } }
	if status := in.call("POST", "/api/v1/products/termed/checkout", "tess", "tess-password", map[string]any{"tier": "free", "accept_terms": true}, &out); status != http.StatusCreated {
		t.Fatalf("taking the tier: %d", status)
	}
	terms := "/api/v1/licenses/" + out.License.ID + "/terms"

	product.Tiers[0].Terms, product.Tiers[0].TermsVersion = "Two.", 2
	_, err = in.srv.Backend.Stores.Catalog.PutProduct(ctx, product)
	must(t, err)
	check("accepting the old version", "POST", terms, map[string]any{"version": 1},
		refusal{http.StatusConflict, "stale_terms", "version", "version 2"})
	if status := in.call("POST", terms, "tess", "tess-password", map[string]any{"version": 2}, nil); status != http.StatusOK {
		t.Fatalf("accepting the current version: %d", status)
	}

	check("freeing a seat nobody holds", "DELETE", "/api/v1/licenses/"+out.License.ID+"/seats/user:nobody", nil,
		refusal{http.StatusNotFound, "not_found", "holder", "user:nobody"})

	product.Tiers = []catalog.Tier{{ID: "other", Name: "Other", Currency: "usd", Repositories: []string{"vendor/termed"}}}
	_, err = in.srv.Backend.Stores.Catalog.PutProduct(ctx, product)
	must(t, err)
	check("accepting terms of a withdrawn tier", "POST", terms, map[string]any{"version": 2},
		refusal{http.StatusConflict, "conflict", "", "no longer sold"})
	check("taking a tier the product does not have", "POST", "/api/v1/products/termed/checkout", map[string]any{"tier": "free", "accept_terms": true},
		refusal{http.StatusNotFound, "not_found", "", "no tier free of termed"})
}

// TestWebhookRefusals: a webhook the dispatcher cannot take names the
// input at fault; one that is not there is not found.
func TestWebhookRefusals(t *testing.T) {
	w := newPublisherWorld(t)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"an ftp URL", map[string]any{"url": "ftp://example.com/x"}, "url"},
		{"an unknown event", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"purchase", "weather"}}, "events"},
	} {
		var e apiErr
		if status := w.in.call("POST", "/api/v1/publishers/ottosoft/webhooks", "ottmar", "ottmar-password", tc.body, &e); status != http.StatusUnprocessableEntity ||
			e.Error.Code != "invalid" || e.Error.Field != tc.field {
			t.Errorf("%s: %d %+v; want 422 invalid on %s", tc.name, status, e.Error, tc.field)
		}
	}
	var e apiErr
	if status := w.in.call("DELETE", "/api/v1/publishers/ottosoft/webhooks/nosuch", "ottmar", "ottmar-password", nil, &e); status != http.StatusNotFound ||
		e.Error.Code != "not_found" || e.Error.Message != "no webhook nosuch" {
		t.Errorf("deleting a missing webhook: %d %+v; want 404 naming it", status, e.Error)
	}
}
