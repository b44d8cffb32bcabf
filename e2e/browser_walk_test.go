package e2e

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/berth/berth/account"
)

// stop is one page of a journey: opened by its path, or, without one, the
// page the journey's previous step left the browser on.
type stop struct {
	name string
	path string
	// status is the answer the page must have (0: 200).
	status int
}

// TestBrowserWalk walks every page of the visitor's, the buyer's, the
// publisher's and the administrator's journeys over the demo in Chromium,
// at 1366 px and at 390 px. On each page, at each width: the document is
// no wider than the screen, axe-core finds no serious or critical
// violation, and a screenshot is saved under artifacts/walk/. The header
// offers every link of the viewer at both widths (behind the menu on a
// phone, without wrapping on a desktop; the phone's menu opens with Enter
// and closes with Escape), "Publish" opens the publisher's portal once
// they have applied, Tab reaches the skip link first, the header marks
// the current page with aria-current, the live search is a combobox, a refused form ties
// its error to the field, and the product page's HTML, CSS and JavaScript
// weigh under 100 KB.
func TestBrowserWalk(t *testing.T) {
	w := newWalkWorld(t)
	ctx := browserFor(t, 20*time.Minute)
	wk := &walker{t: t, ctx: ctx, in: w.in, axe: axeScript(t), dir: filepath.Join(artifactsDir(t), "walk")}
	must(t, os.MkdirAll(wk.dir, 0o755))
	defer wk.writeSummary()

	// The visitor.
	wk.journey = "visitor"
	wk.walk(stop{name: "home", path: "/"})
	wk.checkHeader([]string{"Explore", "Search", "Sign in", "Sign up"})
	wk.checkCombobox()
	wk.walk(stop{name: "explore", path: "/explore"})
	for _, tab := range wk.links(`.tabs a`) {
		u, err := url.Parse(tab)
		must(t, err)
		wk.walk(stop{name: "explore-tab-" + cmp.Or(u.Query().Get("tab"), "all"), path: tab})
	}
	wk.walk(stop{name: "search", path: "/search?q=acme"})
	wk.walk(stop{name: "search-empty", path: "/search"})
	wk.walk(stop{name: "product", path: "/products/acme-db"})
	wk.checkFirstPaint("/products/acme-db", 100<<10)
	wk.walk(stop{name: "product-plugin", path: "/products/northwind-nfs"})
	wk.walk(stop{name: "tag", path: "/images/acme/db/tags/24.1.0"})
	wk.walk(stop{name: "tag-diff", path: "/images/acme/db/diff?from=23.2.4&to=24.1.0"})
	wk.walk(stop{name: "publisher-page", path: "/publishers/acme"})
	wk.walk(stop{name: "profile", path: "/u/wanda"})
	wk.walk(stop{name: "signin", path: "/signin"})
	wk.walk(stop{name: "signup", path: "/signup"})
	wk.checkFieldErrors()
	wk.walk(stop{name: "signup-refused"})
	wk.walk(stop{name: "not-found", path: "/no-such-page", status: http.StatusNotFound})
	if n := evaluate[int](t, ctx, `document.querySelectorAll('main form[action="/search"] input[name="q"]').length`); n != 1 {
		t.Errorf("the 404 page offers %d search forms; want 1", n)
	}

	// The buyer: takes a free tier in the browser, and has a repository, an
	// organisation and a star.
	wk.journey = "buyer"
	signIn(t, ctx, w.in, "wanda", "wanda-password", "/")
	wk.checkHeader([]string{"Explore", "Licenses", "Settings", "Sign out"})
	if href := wk.publishLink(); href != "/publishers/apply" {
		t.Errorf("a buyer's Publish link opens %q; want the application form", href)
	}
	wk.walk(stop{name: "product-signed-in", path: "/products/acme-cache"})
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/products/acme-cache/checkout"] input[name="accept"]`))))
	submit(t, ctx, `form[action="/products/acme-cache/checkout"] button[type=submit]`)
	wk.walk(stop{name: "key-issued"})
	var licenses struct{ Licenses []licenseJSON }
	if s := w.in.call("GET", "/api/v1/licenses", "wanda", "wanda-password", nil, &licenses); s != http.StatusOK || len(licenses.Licenses) != 1 {
		t.Fatalf("wanda's licenses: %d %+v; want the one just taken", s, licenses)
	}
	wk.walk(stop{name: "licenses", path: "/licenses"})
	if got := evaluate[[]string](t, ctx, `[...document.querySelectorAll('header [aria-current]')].map(a => a.textContent.trim() + '=' + a.getAttribute('aria-current'))`); strings.Join(got, " ") != "Licenses=page" {
		t.Errorf("on /licenses the header marks %q as current; want Licenses=page", got)
	}
	for _, s := range []stop{
		{name: "license", path: "/licenses/" + licenses.Licenses[0].ID},
		{name: "settings", path: "/settings"},
		{name: "tokens", path: "/settings#tokens"},
		{name: "orders", path: "/orders"},
		{name: "starred", path: "/starred"},
		{name: "repository-new", path: "/repositories/new"},
		{name: "repositories", path: "/r/wanda"},
		{name: "repository", path: "/r/wanda/tools"},
		{name: "repository-builds", path: "/r/wanda/tools/builds"},
		{name: "org-new", path: "/orgs/new"},
		{name: "org", path: "/orgs/wandaco"},
		{name: "publisher-apply", path: "/publishers/apply"},
	} {
		wk.walk(s)
	}
	wk.signOut()

	// The publisher: applied (the header's Publish opens the portal while
	// the application waits), approved, with a listing.
	wk.journey = "publisher"
	signIn(t, ctx, w.in, "pia", "pia-password", "/")
	if href := wk.publishLink(); href != "/publishers/piasoft" {
		t.Errorf("after applying, Publish opens %q; want the portal /publishers/piasoft", href)
	}
	w.approve(t)
	for _, s := range []stop{
		{name: "portal", path: "/publishers/piasoft"},
		{name: "listings", path: "/publishers/piasoft/products"},
		{name: "listing-editor", path: "/publishers/piasoft/products/pia-app/edit"},
		{name: "uploads", path: "/publishers/piasoft#uploads"},
		{name: "webhooks", path: "/publishers/piasoft#webhooks"},
		{name: "analytics", path: "/publishers/piasoft/analytics"},
		{name: "earnings", path: "/publishers/piasoft/earnings"},
		{name: "draft-product", path: "/products/pia-app"},
	} {
		wk.walk(s)
	}
	wk.signOut()

	// The administrator.
	wk.journey = "admin"
	signIn(t, ctx, w.in, "ravi", "ravi-password", "/admin")
	wk.checkHeader([]string{"Explore", "Licenses", "Admin", "Settings", "Sign out"})
	for _, s := range []stop{
		{name: "admin", path: "/admin"},
		{name: "jobs", path: "/admin/jobs"},
		{name: "publishers-review", path: "/admin/publishers"},
		{name: "usage", path: "/admin/usage"},
		{name: "security-log", path: "/admin/security"},
		{name: "home-admin", path: "/"},
	} {
		wk.walk(s)
	}
	if len(wk.rows) < 40 {
		t.Errorf("the walk saw %d pages; want every page of the four journeys", len(wk.rows))
	}
}

// walkWorld is the demo with a buyer (wanda), a publisher's owner (pia,
// whose application for piasoft waits) and an administrator (ravi).
type walkWorld struct {
	in *instance
}

func newWalkWorld(t *testing.T) *walkWorld {
	t.Helper()
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := context.Background()
	accounts := in.srv.Backend.Accounts
	for _, u := range []account.SignUp{
		{Username: "wanda", Email: "wanda@example.com", Password: "wanda-password"},
		{Username: "pia", Email: "pia@example.com", Password: "pia-password"},
		{Username: "ravi", Email: "ravi@example.com", Password: "ravi-password", Admin: true},
	} {
		_, err := accounts.Register(ctx, u)
		must(t, err)
	}
	for _, c := range []struct {
		user, method, path string
		body               any
	}{
		{"wanda", "POST", "/api/v1/repositories", map[string]any{"namespace": "wanda", "name": "tools", "summary": "Wanda's tools"}},
		{"wanda", "POST", "/api/v1/orgs", map[string]any{"name": "wandaco", "display_name": "Wanda Co"}},
		{"wanda", "PUT", "/api/v1/products/acme-db/star", nil},
		{"wanda", "POST", "/api/v1/user/tokens", map[string]any{"name": "laptop", "access": "read"}},
		{"pia", "POST", "/api/v1/orgs", map[string]any{"name": "piaco", "display_name": "Pia Co"}},
		{"pia", "POST", "/api/v1/publishers", map[string]any{"slug": "piasoft", "name": "Pia Software", "organization": "piaco", "namespaces": []string{"piasoft"}}},
		{"pia", "POST", "/api/v1/publishers/piasoft/products", map[string]any{"slug": "pia-app", "name": "Pia App", "kind": "image",
			"summary": "An app by Pia.", "categories": []string{"Databases"}, "repositories": []string{"piasoft/app"},
			"tiers": []map[string]any{{"id": "free", "name": "Free"}}}},
	} {
		if got := in.call(c.method, c.path, c.user, c.user+"-password", c.body, nil); got/100 != 2 {
			t.Fatalf("%s %s as %s: %d; want success", c.method, c.path, c.user, got)
		}
	}
	return &walkWorld{in: in}
}

// approve approves piasoft's application, with a webhook.
func (w *walkWorld) approve(t *testing.T) {
	t.Helper()
	if s := w.in.call("POST", "/api/v1/admin/publishers/piasoft/review", "ravi", "ravi-password",
		map[string]any{"decision": "approve", "verified": true}, nil); s != http.StatusOK {
		t.Fatalf("approving piasoft: %d", s)
	}
}

// walker walks pages in one browser and keeps what it found.
type walker struct {
	t       *testing.T
	ctx     context.Context
	in      *instance
	axe     string
	dir     string
	journey string
	rows    []string
}

// screens are the widths every page is checked at.
var screens = []struct {
	name  string
	width int
	setup chromedp.Action[chromedp.Void]
}{
	{"1366", 1366, chromedp.EmulateViewport(1366, 900)},
	{"390", 390, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)},
}

// walk opens s (unless it names no path) and checks it at each width.
func (wk *walker) walk(s stop) {
	t := wk.t
	t.Helper()
	if s.path != "" {
		resp, err := chromedp.RunResponse(wk.ctx, chromedp.Navigate(wk.in.URL+s.path))
		if err != nil {
			t.Fatalf("%s/%s: loading %s: %v", wk.journey, s.name, s.path, err)
		}
		want := s.status
		if want == 0 {
			want = http.StatusOK
		}
		if resp != nil && resp.Status != int64(want) {
			t.Errorf("%s/%s: %s answered %d; want %d", wk.journey, s.name, s.path, resp.Status, want)
		}
	}
	where := wk.journey + "/" + s.name + " (" + location(t, wk.ctx).RequestURI() + ")"
	for _, sc := range screens {
		must(t, chromedp.Do(wk.ctx, sc.setup))
		// Two frames: the page has seen the resize (and its script has
		// answered it) before it is measured.
		_, err := chromedp.Run(wk.ctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise))
		must(t, err)
		at := where + " at " + sc.name + " px"
		wide := evaluate[int](t, wk.ctx, `document.documentElement.scrollWidth`)
		inner := evaluate[int](t, wk.ctx, `innerWidth`)
		found := axeFindings(t, wk.ctx, wk.axe)
		var grave []string
		for _, f := range found {
			if f.Impact == "serious" || f.Impact == "critical" {
				grave = append(grave, f.String())
			}
		}
		if len(grave) > 0 {
			t.Errorf("%s: axe-core found serious or critical violations:\n  %s", at, strings.Join(grave, "\n  "))
		}
		file := wk.journey + "-" + s.name + "-" + sc.name + ".png"
		screenshotTo(t, wk.ctx, filepath.Join(wk.dir, file))
		if wide > inner || wide > sc.width {
			// A phone widens its layout to fit the page; a desktop window
			// as narrow does not, which shows what sticks out.
			must(t, chromedp.Do(wk.ctx, chromedp.EmulateViewport(int64(sc.width), 844)))
			t.Errorf("%s: the document is %d px wide on a %d px screen (innerWidth %d); too wide: %s",
				at, wide, sc.width, inner, strings.Join(overflowing(t, wk.ctx, sc.width), "; "))
		}
		wk.rows = append(wk.rows, fmt.Sprintf("%-10s %-22s %5s px  scrollWidth %5d  axe %2d (serious/critical %d)  %s",
			wk.journey, s.name, sc.name, wide, len(found), len(grave), ids(found)))
	}
}

// links are the same-site hrefs of the elements sel matches on the page.
func (wk *walker) links(sel string) []string {
	return evaluate[[]string](wk.t, wk.ctx, `[...document.querySelectorAll('`+sel+`')].map(a => a.getAttribute('href'))`)
}

// publishLink is where the header's Publish link leads.
func (wk *walker) publishLink() string {
	return evaluate[string](wk.t, wk.ctx, `[...document.querySelectorAll('header a')].find(a => a.textContent.trim() === 'Publish')?.getAttribute('href') ?? ''`)
}

// signOut ends the browser's session.
func (wk *walker) signOut() {
	must(wk.t, chromedp.Do(wk.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})))
}

// writeSummary keeps one line per page and width in artifacts/walk/walk.txt.
func (wk *walker) writeSummary() {
	wk.t.Logf("walked:\n%s", strings.Join(wk.rows, "\n"))
	if err := os.WriteFile(filepath.Join(wk.dir, "walk.txt"), []byte(strings.Join(wk.rows, "\n")+"\n"), 0o644); err != nil {
		wk.t.Error(err)
	}
}
