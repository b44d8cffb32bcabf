package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// grantClipboard lets the pages of origin read and write the clipboard in
// headless Chromium, whose page never has the focus the clipboard asks for.
func grantClipboard(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			return err
		}
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			_, err := cdp.Call(ctx, tg, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: origin})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatalf("granting the clipboard: %v", err)
	}
}

// copyAndRead presses the copy button of element id and returns what the
// clipboard then holds and what the button's live region says.
func copyAndRead(t *testing.T, ctx context.Context, id string) (string, string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.clipboard.writeText('nothing yet').then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("clearing the clipboard: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-copy="`+id+`"]`))); err != nil {
		t.Fatalf("clicking copy of #%s: %v", id, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		for (let i = 0; i < 100; i++) {
			const s = await navigator.clipboard.readText();
			if (s !== 'nothing yet') { return s; }
			await new Promise(r => setTimeout(r, 50));
		}
		return 'nothing yet';
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("reading the clipboard: %v", err)
	}
	status := evaluate[string](t, ctx, `document.querySelector('button[data-copy="`+id+`"] + [role=status]')?.textContent ?? ''`)
	return got, status
}

// checkAxe reports axe-core's WCAG 2.1 AA violations in the open page's
// main element: these pages' own content (the shared header is the shell's
// and checked by its own tests).
func checkAxe(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeScript(t)+"\n;true")); err != nil {
		t.Fatalf("loading axe-core: %v", err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document.querySelector('main'), {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core: %v", err)
	}
	if len(v) > 0 {
		t.Errorf("%s: axe-core found:\n%s", where, strings.Join(v, "\n"))
	}
}

// newestTagOf reads repo's tags through the API and returns the one pushed
// last.
func newestTagOf(t *testing.T, in *instance, repo string) string {
	t.Helper()
	var out struct {
		Tags []struct {
			Name     string    `json:"name"`
			PushedAt time.Time `json:"pushed_at"`
		} `json:"tags"`
	}
	if status := in.call("GET", "/api/v1/images/"+repo+"/tags", "", "", nil, &out); status != http.StatusOK || len(out.Tags) == 0 {
		t.Fatalf("tags of %s: %d %+v", repo, status, out)
	}
	newest := out.Tags[0]
	for _, tg := range out.Tags[1:] {
		if tg.PushedAt.After(newest.PushedAt) {
			newest = tg
		}
	}
	return newest.Name
}

// TestBrowserProductPage walks acme-db as a visitor and then as a buyer:
// the pull command sits on top, above the tiers, naming the newest tag and
// saying a license is needed; its copy button copies it and says Copied;
// prices read in one form; paid tiers say "Not on sale here yet" (this
// Berth takes no payments); taking the free tier redirects to a page that
// shows the key once, and a reload neither shows it again nor issues a
// second license; the tier then says "You hold this", and the pull
// commands of the product, tag and license pages name a covered tag.
func TestBrowserProductPage(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := browser(t)
	grantClipboard(t, ctx, in.URL)
	register(t, in, "bruno")
	newest := newestTagOf(t, in, "acme/db")

	open(t, ctx, in.URL+"/products/acme-db")
	want := "docker pull " + in.Registry + "/acme/db:" + newest
	if got := text(t, ctx, "#pull-command"); got != want {
		t.Errorf("visitor's pull command = %q, want %q", got, want)
	}
	if above := evaluate[bool](t, ctx, `!!(document.querySelector('.pull-top').compareDocumentPosition(document.querySelector('#tiers')) & Node.DOCUMENT_POSITION_FOLLOWING)`); !above {
		t.Errorf("the pull command is not above the tiers")
	}
	if note := text(t, ctx, ".pull-top .pull-note.needed"); !strings.Contains(note, "A license is needed") {
		t.Errorf("visitor's pull note = %q; want that a license is needed", note)
	}
	clip, status := copyAndRead(t, ctx, "pull-command")
	if clip != want || status != "Copied" {
		t.Errorf("copying the pull command: clipboard %q, live region %q; want %q and Copied", clip, status, want)
	}
	prices := evaluate[[]string](t, ctx, `[...document.querySelectorAll('.tier .price')].map(e => e.textContent.trim())`)
	if strings.Join(prices, "|") != "Free|$49.00 a month|$299.00 a month for 25 seats" {
		t.Errorf("tier prices = %q", prices)
	}
	onSale := evaluate[[]string](t, ctx, `[...document.querySelectorAll('.tier .not-on-sale')].map(e => e.textContent.trim())`)
	if len(onSale) != 2 || onSale[0] != "Not on sale here yet." {
		t.Errorf("paid tiers say %q; want Not on sale here yet. twice", onSale)
	}
	if page := text(t, ctx, "article.product"); strings.Contains(page, "berth license grant") || strings.Contains(page, "operator") {
		t.Errorf("the product page speaks to operators: %q", page)
	}
	tabs := evaluate[[]string](t, ctx, `[...document.querySelectorAll('nav.product-tabs a')].map(a => a.textContent.trim() + (a.getAttribute('aria-current') ? '*' : ''))`)
	if strings.Join(tabs, "|") != "Overview*|Tags|Resources" {
		t.Errorf("tabs = %q; want Overview (current), Tags, Resources", tabs)
	}
	if by := evaluate[string](t, ctx, `document.querySelector('.product-head .publisher a')?.getAttribute('href') ?? ''`); by != "/publishers/acme" {
		t.Errorf("the publisher links to %q, want /publishers/acme", by)
	}
	if updated := text(t, ctx, ".product-head .updated"); !strings.HasPrefix(updated, "Last updated ") {
		t.Errorf("last updated = %q", updated)
	}
	checkAxe(t, ctx, "visitor's product page")
	screenshot(t, ctx, "product-visitor.png")

	open(t, ctx, in.URL+"/")
	if card := text(t, ctx, `.card a[href="/products/acme-db"] .stats .price`); card != "from $49.00 a month" {
		t.Errorf("the acme-db card shows %q, want from $49.00 a month", card)
	}

	signIn(t, ctx, in, "bruno", "bruno-password", "/products/acme-db")
	form := `#tier-developer form[action="/products/acme-db/checkout"]`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(form+` input[name="accept"]`))); err != nil {
		t.Fatal(err)
	}
	issued := submit(t, ctx, form+` button[type=submit]`)
	if !strings.HasSuffix(issued.Path, "/issued") {
		t.Fatalf("taking Developer landed on %s; want /licenses/<id>/issued", issued)
	}
	licenseID := strings.TrimSuffix(strings.TrimPrefix(issued.Path, "/licenses/"), "/issued")
	key := text(t, ctx, "#license-key")
	if !strings.HasPrefix(key, "berth_lk_") {
		t.Fatalf("the issued page shows %q; want the key", key)
	}
	if clip, status := copyAndRead(t, ctx, "license-key"); clip != key || status != "Copied" {
		t.Errorf("copying the key: clipboard %q, live region %q", clip, status)
	}
	if h1 := text(t, ctx, ".license-issued h1"); h1 != "Your Acme DB license" {
		t.Errorf("issued page title = %q; want the product's name", h1)
	}
	checkAxe(t, ctx, "issued page")
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	if again := text(t, ctx, "#license-key"); again != "" || text(t, ctx, ".key-gone") == "" {
		t.Errorf("a reload shows the key %q again (or does not say it is gone)", again)
	}
	var list struct{ Licenses []licenseJSON }
	in.call("GET", "/api/v1/licenses", "bruno", "bruno-password", nil, &list)
	if len(list.Licenses) != 1 || list.Licenses[0].ID != licenseID {
		t.Fatalf("after a reload of the result page the buyer holds %+v; want the one license %s", list.Licenses, licenseID)
	}

	open(t, ctx, in.URL+"/products/acme-db")
	if held := text(t, ctx, "#tier-developer .held"); !strings.HasPrefix(held, "You hold this") {
		t.Errorf("the Developer tier says %q; want You hold this", held)
	}
	if link := evaluate[string](t, ctx, `document.querySelector('#tier-developer .held a')?.getAttribute('href') ?? ''`); link != "/licenses/"+licenseID {
		t.Errorf("You hold this links to %q", link)
	}
	if forms := evaluate[int](t, ctx, `document.querySelectorAll('#tier-developer form').length`); forms != 0 {
		t.Errorf("the held tier still offers %d forms", forms)
	}
	if got := text(t, ctx, "#pull-command"); got != want || text(t, ctx, ".pull-top .pull-note.covered") == "" {
		t.Errorf("buyer's pull command = %q (note %q); want %q, covered", got, text(t, ctx, ".pull-top .pull-note"), want)
	}
	if resources := text(t, ctx, "#resources"); !strings.Contains(resources, "You hold a Developer license") {
		t.Errorf("resources say %q; want the tier's name with its article", resources)
	}

	open(t, ctx, in.URL+"/images/acme/db/tags/"+newest)
	if got := text(t, ctx, "#pull-command"); got != want || text(t, ctx, ".pull-top .pull-note.covered") == "" {
		t.Errorf("tag page pull command = %q; want %q, covered", got, want)
	}
	if font := evaluate[string](t, ctx, `getComputedStyle(document.querySelector('section.platform dl')).fontSize`); font == "12px" {
		t.Errorf("the platform section renders at %s: it takes the chip's size", font)
	}
	if size := evaluate[string](t, ctx, `document.querySelector('section.platform .size').textContent`); !strings.Contains(size, "\u00a0") {
		t.Errorf("size %q: want a non-breaking space between number and unit", size)
	}
	if snippets := evaluate[int](t, ctx, `[...document.querySelectorAll('.badge-row input[readonly]')].filter(i => document.querySelector('button[data-copy="' + i.id + '"]:not([hidden])')).length`); snippets != 10 {
		t.Errorf("%d badge snippets have a copy button; want 10", snippets)
	}
	if clip, status := copyAndRead(t, ctx, "badge-size-md"); !strings.HasPrefix(clip, "[![size](") || status != "Copied" {
		t.Errorf("copying the size badge's Markdown: %q, %q", clip, status)
	}
	screenshot(t, ctx, "tag-licensed.png")

	open(t, ctx, in.URL+"/licenses/"+licenseID)
	if got := text(t, ctx, "#pull-command"); got != want {
		t.Errorf("license page pull command = %q; want %q", got, want)
	}
	if h1 := text(t, ctx, "article.license h1"); !strings.HasPrefix(h1, "Acme DB · Developer license") {
		t.Errorf("license page title = %q; want names, not slugs", h1)
	}
	checkAxe(t, ctx, "license page")
	if page := text(t, ctx, "article.license"); strings.Contains(page, "5m0s") || !strings.Contains(page, "at most 5 minutes") {
		t.Errorf("license page names the token lifetime as %q", between(page, "at most", ":"))
	}
}

// TestProductRefusals: forced submits get clear 4xx answers in the
// buyer's words and issue nothing: a paid tier where Berth takes no
// payments (409, "not on sale here yet"), and a free tier already held
// (409, "You already hold this tier").
func TestProductRefusals(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	register(t, in, "rita")
	c := signInAPI(t, in, "rita", "rita-password")
	_, body := whoami(t, in, c)
	token := between(body, `"csrf_token":"`, `"`)
	post := func(tier string) (int, string) {
		form := url.Values{"tier": {tier}, "accept": {"yes"}, "_csrf": {token}}
		resp, page := send(t, "POST", in.URL+"/products/acme-db/checkout", form.Encode(),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c)
		return resp.StatusCode, page
	}
	status, page := post("standard")
	if status != http.StatusConflict || !strings.Contains(page, "This tier is not on sale here yet.") ||
		strings.Contains(page, "`") || strings.Contains(page, "berth license grant") {
		t.Errorf("forced paid checkout: %d, page says %q; want 409 not on sale here yet, no operator words", status, between(page, `class="error"`, "</p>"))
	}
	if status, _ := post("developer"); status != http.StatusSeeOther {
		t.Fatalf("free checkout: %d; want 303", status)
	}
	status, page = post("developer")
	if status != http.StatusConflict || !strings.Contains(page, "You already hold this tier") || strings.Contains(page, "already holds license") {
		t.Errorf("taking a held tier again: %d, page says %q; want 409 You already hold this tier", status, between(page, `class="error"`, "</p>"))
	}
	var list struct{ Licenses []licenseJSON }
	in.call("GET", "/api/v1/licenses", "rita", "rita-password", nil, &list)
	if len(list.Licenses) != 1 {
		t.Errorf("rita holds %d licenses; want 1", len(list.Licenses))
	}
	var p struct {
		OnSale      bool   `json:"paid_tiers_on_sale"`
		PullCommand string `json:"pull_command"`
		LowestPrice struct {
			Display string `json:"display"`
		} `json:"lowest_price"`
		Tiers []struct {
			ID           string `json:"id"`
			DisplayPrice string `json:"display_price"`
			HeldLicense  string `json:"held_license"`
		} `json:"tiers"`
	}
	in.call("GET", "/api/v1/products/acme-db", "rita", "rita-password", nil, &p)
	if p.OnSale || p.LowestPrice.Display != "$49.00 a month" || len(p.Tiers) != 3 ||
		p.Tiers[2].DisplayPrice != "$299.00 a month for 25 seats" || p.Tiers[0].HeldLicense != list.Licenses[0].ID || p.Tiers[1].HeldLicense != "" {
		t.Errorf("API product = %+v; want not on sale, lowest $49.00 a month, Enterprise's display price, Developer held", p)
	}
	if want := "docker pull " + in.Registry + "/acme/db:"; !strings.HasPrefix(p.PullCommand, want) {
		t.Errorf("API pull command = %q", p.PullCommand)
	}
}

// TestDraftProductPage: a draft listing's page, seen by its publisher,
// carries a draft banner and no active buy button, and its checkout is
// refused.
func TestDraftProductPage(t *testing.T) {
	w := newPublisherWorld(t)
	listing := map[string]any{"slug": "otto-draft", "name": "Otto Draft", "kind": "image", "summary": "Not yet.",
		"categories": []string{"Databases"}, "repositories": []string{"otto/draft"},
		"tiers": []map[string]any{{"id": "free", "name": "Free"}}}
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", listing, nil); status != http.StatusCreated {
		t.Fatalf("creating the draft: %d", status)
	}
	c := signInAPI(t, w.in, "ottmar", "ottmar-password")
	resp, page := send(t, "GET", w.in.URL+"/products/otto-draft", "", nil, c)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `class="draft-banner"`) {
		t.Fatalf("the publisher's draft page: %d; want 200 with a draft banner", resp.StatusCode)
	}
	if strings.Contains(page, `action="/products/otto-draft/checkout"`) || !strings.Contains(page, `<button type="button" disabled>Get Free</button>`) {
		t.Errorf("the draft page offers a checkout form, or no disabled button")
	}
	_, body := whoami(t, w.in, c)
	form := url.Values{"tier": {"free"}, "accept": {"yes"}, "_csrf": {between(body, `"csrf_token":"`, `"`)}}
	if resp, _ := send(t, "POST", w.in.URL+"/products/otto-draft/checkout", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, c); resp.StatusCode != http.StatusNotFound {
		t.Errorf("checkout of a draft: %d; want 404", resp.StatusCode)
	}
}

// TestProductPageWeight: the product page's first paint (its HTML and the
// stylesheet and scripts it links) stays under 100 KB without images.
func TestProductPageWeight(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	_, page := send(t, "GET", in.URL+"/products/acme-db", "", nil)
	total, parts := len(page), []string{"html " + strconv.Itoa(len(page))}
	for _, asset := range []string{"/static/style.css", "/static/berth.js", "/static/copy.js"} {
		if !strings.Contains(page, asset) {
			t.Fatalf("the product page does not link %s", asset)
		}
		resp, body := send(t, "GET", in.URL+asset, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", asset, resp.StatusCode)
		}
		total += len(body)
		parts = append(parts, asset+" "+strconv.Itoa(len(body)))
	}
	t.Logf("product page first paint: %d bytes (%s)", total, strings.Join(parts, ", "))
	if total >= 100_000 {
		t.Errorf("product page first paint is %d bytes; the budget is 100 KB", total)
	}
}

// TestPullCommandNamesCoveredTag: with a license for versions 2.x of an
// image whose newest tag is 3.1.0, the pull command on the product page,
// the license page and the API names the newest 2.x tag, the newest the
// license covers; 3.1.0's tag page says a license is needed.
func TestPullCommandNamesCoveredTag(t *testing.T) {
	w := newEntitlementWorld(t)
	w.user(t, "lou")
	// A 3.x tag pushed last: the newest tag is then one the license does
	// not cover. Berth records it when the registry's notification lands.
	img, err := random.Image(512, 2)
	must(t, err)
	w.push(t, "3.1.0", img)
	for deadline := time.Now().Add(20 * time.Second); newestTagOf(t, w.in, entRepo) != "3.1.0"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("3.1.0 was not recorded; newest is %s", newestTagOf(t, w.in, entRepo))
		}
	}
	var out struct{ License licenseJSON }
	if got := w.in.call("POST", "/api/v1/products/vendor-app/checkout", "lou", "lou-password", map[string]any{"tier": "lts2", "accept_terms": true}, &out); got != http.StatusCreated {
		t.Fatalf("taking LTS 2: %d", got)
	}
	// The newest 2.x tag, read from the API's tag list.
	var tags struct {
		Tags []struct {
			Name     string    `json:"name"`
			PushedAt time.Time `json:"pushed_at"`
		} `json:"tags"`
	}
	w.in.call("GET", "/api/v1/images/"+entRepo+"/tags", "lou", "lou-password", nil, &tags)
	covered, at := "", time.Time{}
	for _, tg := range tags.Tags {
		if strings.HasPrefix(tg.Name, "2.") && tg.PushedAt.After(at) {
			covered, at = tg.Name, tg.PushedAt
		}
	}
	if newest := newestTagOf(t, w.in, entRepo); covered == "" || newest == covered {
		t.Fatalf("the world's tags do not make the point: newest %q, newest 2.x %q", newest, covered)
	}
	want := "docker pull " + w.in.Registry + "/" + entRepo + ":" + covered
	var p struct {
		PullCommand string `json:"pull_command"`
	}
	w.in.call("GET", "/api/v1/products/vendor-app", "lou", "lou-password", nil, &p)
	if p.PullCommand != want {
		t.Errorf("API pull command = %q, want %q", p.PullCommand, want)
	}
	c := signInAPI(t, w.in, "lou", "lou-password")
	for _, path := range []string{"/products/vendor-app", "/licenses/" + out.License.ID, "/images/" + entRepo + "/tags/" + covered} {
		_, page := send(t, "GET", w.in.URL+path, "", nil, c)
		if got := between(page, `<code id="pull-command">`, "</code>"); got != want {
			t.Errorf("%s: pull command %q, want %q", path, got, want)
		}
	}
	_, page := send(t, "GET", w.in.URL+"/images/"+entRepo+"/tags/3.1.0", "", nil, c)
	if !strings.Contains(page, `class="pull-note needed"`) || strings.Contains(page, `class="pull-note covered"`) {
		t.Errorf("3.1.0's tag page does not say a license is needed")
	}
}
