package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/berth/berth/account"
)

// TestBrowserPublisherApplication walks the publisher's pages in a
// browser: an organisation's owner applies, an administrator approves
// with the Verified badge, and the owner registers a key, makes a push
// token and sees the uploads section.
func TestBrowserPublisherApplication(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	ctx := context.Background()
	owner := register(t, in, "pam")
	_, err := in.srv.Backend.Accounts.Register(ctx, account.SignUp{Username: "root2", Email: "root2@example.com", Password: "root2-password", Admin: true})
	must(t, err)
	_, err = in.srv.Backend.Accounts.CreateOrg(ctx, owner, "pamco", "Pam Co")
	must(t, err)

	bctx := browser(t)
	signIn(t, bctx, in, "pam", "pam-password", "/publishers/apply")
	fill(t, bctx, `form[action="/publishers/apply"]`, "name", "Pam Images", "slug", "pamimages", "namespaces", "pamimg")
	screenshot(t, bctx, "publisher-apply.png")
	if got := submit(t, bctx, `form[action="/publishers/apply"] button[type=submit]`); got.Path != "/publishers/pamimages" {
		t.Fatalf("applying landed on %s (%q)", got, text(t, bctx, ".error"))
	}
	if status := text(t, bctx, "#publisher-status"); status != "pending" {
		t.Errorf("status after applying = %q", status)
	}

	admin := browser(t)
	signIn(t, admin, in, "root2", "root2-password", "/admin/publishers")
	if rows := text(t, admin, "#applications"); !strings.Contains(rows, "Pam Images") {
		t.Fatalf("the admin's applications list = %q", rows)
	}
	screenshot(t, admin, "admin-publishers.png")
	if err := chromedp.Do(admin, chromedp.Click(chromedp.CSS(`#applications input[name="verified"]`))); err != nil {
		t.Fatal(err)
	}
	if got := submit(t, admin, `#applications button[value="approve"]`); got.Path != "/admin/publishers" {
		t.Fatalf("approving landed on %s", got)
	}

	open(t, bctx, in.URL+"/publishers/pamimages")
	if status := text(t, bctx, "#publisher-status"); status != "approved" || !strings.Contains(text(t, bctx, "h1"), "Verified Publisher") {
		t.Errorf("after approval: status %q, heading %q", status, text(t, bctx, "h1"))
	}
	fill(t, bctx, `form[action="/publishers/pamimages/keys"]`, "name", "release key",
		"public_key", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n")
	if got := submit(t, bctx, `form[action="/publishers/pamimages/keys"] button[type=submit]`); got.Path != "/publishers/pamimages" {
		t.Fatalf("registering a key landed on %s (%q)", got, text(t, bctx, ".error"))
	}
	if keys := text(t, bctx, "#keys table"); !strings.Contains(keys, "release key") || !strings.Contains(keys, "active") {
		t.Errorf("keys section = %q", keys)
	}
	submit(t, bctx, `form[action="/publishers/pamimages/push-tokens"] button[type=submit]`)
	if token := text(t, bctx, "#push-token"); !strings.HasPrefix(token, "berth_pat_") {
		t.Errorf("push token shown = %q", token)
	}
	if uploads := text(t, bctx, "#uploads"); !strings.Contains(uploads, "Nothing pushed yet") {
		t.Errorf("uploads section = %q", uploads)
	}
	screenshot(t, bctx, "publisher-portal.png")

	// The listing editor: a draft, a description preview, publishing.
	open(t, bctx, in.URL+"/publishers/pamimages/products")
	fill(t, bctx, `form[action="/publishers/pamimages/products"]`, "name", "Pam App", "slug", "pam-app", "repository", "pamimg/app")
	if got := submit(t, bctx, `form[action="/publishers/pamimages/products"] button[type=submit]`); got.Path != "/publishers/pamimages/products/pam-app/edit" {
		t.Fatalf("creating a listing landed on %s (%q)", got, text(t, bctx, ".error"))
	}
	if status := text(t, bctx, "#listing-status"); status != "draft" {
		t.Errorf("a new listing is %q; want draft", status)
	}
	fill(t, bctx, `form.stack`, "description", "## Pam App\n\nRuns everywhere.")
	submit(t, bctx, `button[name="preview"]`)
	if preview := text(t, bctx, "#preview h2 + .markdown h2"); preview != "Pam App" {
		t.Errorf("description preview heading = %q", preview)
	}
	screenshot(t, bctx, "listing-editor.png")
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS(`select[name="status"]`), "published")); err != nil {
		t.Fatal(err)
	}
	if got := submit(t, bctx, `form.stack button:not([name])`); got.Path != "/publishers/pamimages/products/pam-app/edit" {
		t.Fatalf("saving landed on %s (%q)", got, text(t, bctx, ".error"))
	}
	if status := text(t, bctx, "#listing-status"); status != "published" {
		t.Errorf("after publishing the listing is %q", status)
	}
}
