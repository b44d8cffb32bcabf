package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestListingEditor: an approved publisher creates a listing as a draft
// (hidden from Explore and search), edits its tiers (new terms text raises
// the version), uploads a logo (checked by content), publishes it, and an
// admin marks it Certified; bad input is refused with the field named.
func TestListingEditor(t *testing.T) {
	w := newPublisherWorld(t)
	listing := map[string]any{"slug": "otto-db", "name": "Otto DB", "kind": "image", "summary": "A database by Otto.",
		"description": "# Otto DB\n\n<script>alert(1)</script>\n\nFast.", "categories": []string{"Databases"}, "repositories": []string{"otto/db"},
		"tiers": []map[string]any{{"id": "free", "name": "Free"}, {"id": "pro", "name": "Pro", "price": 2500, "interval": "month",
			"versions": ">=1.0.0 <2.0.0", "terms": "Terms one."}}}
	var created struct {
		Slug, Status string
		Tiers        []struct {
			ID           string
			TermsVersion int `json:"terms_version"`
		}
	}
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", listing, &created); status != http.StatusCreated ||
		created.Status != "draft" || len(created.Tiers) != 2 || created.Tiers[1].TermsVersion != 1 {
		t.Fatalf("creating: %d %+v", status, created)
	}
	for field, bad := range map[string]map[string]any{
		"repositories": {"repositories": []string{"acme/db"}},
		"tiers":        {"tiers": []map[string]any{{"id": "pro", "name": "Pro", "price": 100, "versions": "two-ish"}}},
		"kind":         {"kind": "vm"},
	} {
		in := map[string]any{}
		for k, v := range listing {
			in[k] = v
		}
		for k, v := range bad {
			in[k] = v
		}
		var e struct{ Error struct{ Field string } }
		if status := w.in.call("PUT", "/api/v1/publishers/ottosoft/products/otto-db", "ottmar", "ottmar-password", in, &e); status != http.StatusUnprocessableEntity || e.Error.Field != field {
			t.Errorf("bad %s: %d %+v", field, status, e)
		}
	}
	hidden := func() bool {
		var found struct{ Results []struct{ Slug string } }
		w.in.call("GET", "/api/v1/search?q=otto", "", "", nil, &found)
		var page struct{ Products []struct{ Slug string } }
		w.in.call("GET", "/api/v1/products?"+url.Values{"publisher": {"ottosoft"}}.Encode(), "", "", nil, &page)
		for _, r := range found.Results {
			if r.Slug == "otto-db" {
				return false
			}
		}
		for _, p := range page.Products {
			if p.Slug == "otto-db" {
				return false
			}
		}
		return true
	}
	if !hidden() {
		t.Error("a draft listing shows in search or Explore")
	}

	listing["tiers"] = []map[string]any{{"id": "free", "name": "Free"}, {"id": "pro", "name": "Pro", "price": 2500, "interval": "month",
		"versions": ">=1.0.0 <2.0.0", "terms": "Terms two."}}
	listing["status"] = "published"
	if status := w.in.call("PUT", "/api/v1/publishers/ottosoft/products/otto-db", "ottmar", "ottmar-password", listing, &created); status != http.StatusOK ||
		created.Status != "published" || created.Tiers[1].TermsVersion != 2 {
		t.Fatalf("publishing with new terms: %d %+v", status, created)
	}
	if hidden() {
		t.Error("the published listing is not in search and Explore")
	}

	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	for body, want := range map[string]int{string(png): http.StatusOK, "<svg onload=alert(1)>": http.StatusUnprocessableEntity} {
		req, _ := http.NewRequest("PUT", w.in.URL+"/api/v1/publishers/ottosoft/products/otto-db/logo", bytes.NewReader([]byte(body)))
		req.SetBasicAuth("ottmar", "ottmar-password")
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("logo upload (%q…): %d, want %d", body[:4], resp.StatusCode, want)
		}
	}
	if status := w.in.call("PUT", "/api/v1/admin/products/otto-db/badge", "ottmar", "ottmar-password", map[string]any{"badge": "certified"}, nil); status != http.StatusForbidden {
		t.Errorf("a publisher marking its own product: %d, want 403", status)
	}
	var marked struct{ Badge, Logo string }
	if status := w.in.call("PUT", "/api/v1/admin/products/otto-db/badge", "ada", "ada-password", map[string]any{"badge": "certified"}, &marked); status != http.StatusOK ||
		marked.Badge != "certified" || !strings.HasPrefix(marked.Logo, "/logos/products/otto-db?v=") {
		t.Errorf("the admin marking it certified: %d %+v", status, marked)
	}
	resp, page := send(t, "GET", w.in.URL+"/products/otto-db", "", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(page, "<script>alert(1)</script>") || !strings.Contains(page, "Fast.") {
		t.Errorf("product page: %d; want the sanitised description", resp.StatusCode)
	}
}

// TestListingControlCharacters: a NUL byte or another control or invisible
// formatting character in a listing's name or summary, a tier's name, or a
// publisher's name is refused with 422 and the field named, and nothing is
// stored.
func TestListingControlCharacters(t *testing.T) {
	w := newPublisherWorld(t)
	tiers := []map[string]any{{"id": "free", "name": "Free"}}
	for _, tc := range []struct {
		name, field string
		listing     map[string]any
	}{
		{"NUL in the name", "name", map[string]any{"name": "Otto\x00DB", "summary": "ok", "tiers": tiers}},
		{"bidi override in the summary", "summary", map[string]any{"name": "Otto DB", "summary": "A \u202Egnp.exe", "tiers": tiers}},
		{"NUL in a tier name", "tiers", map[string]any{"name": "Otto DB", "tiers": []map[string]any{{"id": "free", "name": "Fr\x00ee"}}}},
	} {
		in := map[string]any{"slug": "otto-nul", "kind": "image", "repositories": []string{"otto/nul"}}
		for k, v := range tc.listing {
			in[k] = v
		}
		var e apiErrorBody
		if status := w.in.call("POST", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", in, &e); status != http.StatusUnprocessableEntity ||
			e.Error.Field != tc.field || !strings.Contains(e.Error.Message, "control or invisible formatting character") {
			t.Errorf("%s: %d %+v; want 422 on %s", tc.name, status, e, tc.field)
		}
	}
	var list struct{ Products []struct{ Slug string } }
	if status := w.in.call("GET", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", nil, &list); status != http.StatusOK || len(list.Products) != 1 {
		t.Errorf("the publisher's listings: %d %+v; want only otto-app", status, list)
	}
	if _, err := w.in.srv.Backend.Stores.Catalog.ProductBySlug(context.Background(), "otto-nul"); err == nil {
		t.Error("a refused listing was stored")
	}

	var e apiErrorBody
	if status := w.in.call("POST", "/api/v1/publishers", "ottmar", "ottmar-password", map[string]any{"slug": "otto-two",
		"name": "Otto\x00Two", "organization": "ottoco", "namespaces": []string{"otto-two"}}, &e); status != http.StatusUnprocessableEntity || e.Error.Field != "name" {
		t.Errorf("a publisher name with NUL: %d %+v; want 422 on name", status, e)
	}
}
