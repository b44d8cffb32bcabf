package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// editorForm is the listing editor's form for otto-db as typed: the
// listing's fields and the given tier rows (id, name, price, seats).
func editorForm(tiers ...[4]string) url.Values {
	v := url.Values{"name": {"Otto DB typed"}, "kind": {"image"}, "summary": {"A summary typed but not saved"},
		"categories": {"Typed Category"}, "repositories": {"otto/db"}, "description": {"# Typed heading\n\nTyped body."}, "status": {""}}
	for i, t := range tiers {
		k := "tiers." + string(rune('0'+i)) + "."
		v.Set(k+"id", t[0])
		v.Set(k+"name", t[1])
		v.Set(k+"price", t[2])
		v.Set(k+"seats", t[3])
		v.Set(k+"currency", "usd")
		v.Set(k+"interval", "")
	}
	return v
}

// TestListingEditorWithoutScript: the editor's tiers are fields, one row
// per tier; "Add tier" and "Remove tier" post the form and it comes back
// with a row more or less and everything typed kept; "Preview" keeps
// every field too; a save with several bad fields says each beside its
// field; a good save stores the tiers as typed.
func TestListingEditorWithoutScript(t *testing.T) {
	w := newStoreFront(t)
	c, csrf := pageSession(t, w.in, "ottmar")
	path := "/publishers/ottosoft/products/otto-db/edit"
	_, page := send(t, "GET", w.in.URL+path, "", nil, c)
	if !strings.Contains(page, `name="tiers.0.name" value="Free"`) || strings.Contains(page, `name="tiers"`) {
		t.Fatalf("the editor shows no tier fields (or still the JSON textarea)")
	}

	add := editorForm([4]string{"free", "Free typed", "0", ""})
	add.Set("add_tier", "1")
	resp, page := postForm(t, w.in, path, c, csrf, add)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="tiers.1.id"`) || strings.Contains(page, `name="tiers.2.id"`) {
		t.Errorf("Add tier: %d; want the form again with exactly one more row", resp.StatusCode)
	}
	for _, kept := range []string{`value="Otto DB typed"`, `value="A summary typed but not saved"`, `value="Typed Category"`, `value="Free typed"`, "Typed body."} {
		if !strings.Contains(page, kept) {
			t.Errorf("Add tier lost %s", kept)
		}
	}

	remove := editorForm([4]string{"free", "Free", "0", ""}, [4]string{"pro", "Pro kept", "25.00", "5"})
	remove.Set("remove_tier", "0")
	_, page = postForm(t, w.in, path, c, csrf, remove)
	if !strings.Contains(page, `name="tiers.0.name" value="Pro kept"`) || strings.Contains(page, `name="tiers.1.id"`) {
		t.Errorf("Remove tier 1 did not leave Pro alone as the first row")
	}

	preview := editorForm([4]string{"free", "Free typed", "0", ""})
	preview.Set("preview", "1")
	_, page = postForm(t, w.in, path, c, csrf, preview)
	for _, kept := range []string{`id="preview"`, "<h1>Typed heading</h1>", `value="Otto DB typed"`, `value="A summary typed but not saved"`, `value="Typed Category"`, `value="Free typed"`} {
		if !strings.Contains(page, kept) {
			t.Errorf("Preview lost or lacks %s", kept)
		}
	}

	// Several bad fields at once: each is said beside its field.
	bad := editorForm([4]string{"free", "Free", "abc", ""}, [4]string{"Bad ID!", "", "10", "x"})
	bad.Set("name", "")
	resp, page = postForm(t, w.in, path, c, csrf, bad)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("saving bad numbers: %d, want 422", resp.StatusCode)
	}
	for _, id := range []string{"error-tiers-0-price", "error-tiers-1-seats"} {
		if !strings.Contains(page, `aria-describedby="`+id+`"`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("the refused save does not tie %s to its field", id)
		}
	}
	bad.Set("tiers.0.price", "0")
	bad.Set("tiers.1.seats", "")
	resp, page = postForm(t, w.in, path, c, csrf, bad)
	for _, id := range []string{"error-name", "error-tiers-1-id", "error-tiers-1-name"} {
		if !strings.Contains(page, `aria-describedby="`+id+`"`) {
			t.Errorf("a save with an empty name and a bad second tier (%d) does not mark %s", resp.StatusCode, id)
		}
	}
	if strings.Contains(page, "tiers.1.id:") || strings.Contains(page, "name: 1 to") {
		t.Errorf("the page shows field keys instead of labels")
	}
	if !strings.Contains(page, "Tier 2: ID") {
		t.Errorf("the summary does not name the field by its label (Tier 2: ID)")
	}

	good := editorForm([4]string{"free", "Free", "0", ""}, [4]string{"pro", "Pro", "25.50", "5"})
	good.Set("tiers.1.interval", "month")
	if resp, _ := postForm(t, w.in, path, c, csrf, good); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving two good tiers: %d, want 303", resp.StatusCode)
	}
	var listed struct {
		Products []struct {
			Slug  string
			Tiers []struct {
				ID       string
				Price    int64
				Seats    int
				Interval string
			}
		}
	}
	w.in.call("GET", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", nil, &listed)
	for _, p := range listed.Products {
		if p.Slug == "otto-db" && (len(p.Tiers) != 2 || p.Tiers[1].Price != 2550 || p.Tiers[1].Seats != 5 || p.Tiers[1].Interval != "month") {
			t.Errorf("stored tiers %+v; want free and pro at 2550 cents, 5 seats, monthly", p.Tiers)
		}
	}
}

// TestListingAPIAllFieldErrors: the JSON API names every field at fault
// in "fields", beside the first in "field".
func TestListingAPIAllFieldErrors(t *testing.T) {
	w := newStoreFront(t)
	var e struct {
		Error struct {
			Field  string
			Fields map[string]string
		}
	}
	in := map[string]any{"name": "", "kind": "image", "summary": strings.Repeat("s", 201), "repositories": []string{"otto/db"},
		"tiers": []map[string]any{{"id": "free", "name": "Free", "price": -1}}}
	status := w.in.call("PUT", "/api/v1/publishers/ottosoft/products/otto-db", "ottmar", "ottmar-password", in, &e)
	if status != http.StatusUnprocessableEntity || e.Error.Fields["name"] == "" || e.Error.Fields["summary"] == "" || e.Error.Fields["tiers.0.price"] == "" {
		t.Errorf("PUT with three bad fields: %d %+v; want all three in fields", status, e.Error)
	}
}
