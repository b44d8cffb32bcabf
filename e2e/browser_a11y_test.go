package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeRelPath is where axe-core is vendored, relative to a directory above
// the repository (../shared/vendor from /work/main).
const axeRelPath = "shared/vendor/axe-core-4.14.1/axe.min.js"

// vendoredAxe finds axe-core by walking up from the test's working
// directory; a missing copy fails the test, because an accessibility
// check that silently skips proves nothing.
func vendoredAxe(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	must(t, err)
	for {
		candidate := filepath.Join(dir, axeRelPath)
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("axe-core 4.14.1 is missing: no %s in any directory above the tests; put it there or set BERTH_AXE to axe.min.js", axeRelPath)
		}
		dir = parent
	}
}

// finding is one axe-core violation on a page.
type finding struct {
	ID, Impact, Help string
	Targets          []string
}

func (f finding) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", f.ID, f.Impact, f.Help, strings.Join(f.Targets, ", "))
}

// axeFindings runs every axe-core rule on the open page (loading axe
// first when the page has not got it) and returns the violations.
func axeFindings(t *testing.T, ctx context.Context, axe string) []finding {
	t.Helper()
	if !evaluate[bool](t, ctx, `typeof axe !== 'undefined'`) {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+"\n;true")); err != nil {
			t.Fatalf("loading axe-core: %v", err)
		}
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document).then(r => JSON.stringify(r.violations.map(v =>
		({ID: v.id, Impact: v.impact || '', Help: v.help, Targets: v.nodes.map(n => n.target.join(' '))}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core: %v", err)
	}
	var out []finding
	must(t, json.Unmarshal([]byte(raw), &out))
	return out
}

// ids lists the rules of findings, with how many elements each found.
func ids(found []finding) string {
	var out []string
	for _, f := range found {
		out = append(out, fmt.Sprintf("%s[%s]×%d", f.ID, f.Impact, len(f.Targets)))
	}
	return strings.Join(out, " ")
}

// overflowing names the elements that pass the right edge of a screen
// width px wide: the outermost ones (whose parent fits) and the
// innermost ones, so that a failing width says what to fix.
func overflowing(t *testing.T, ctx context.Context, width int) []string {
	t.Helper()
	return evaluate[[]string](t, ctx, fmt.Sprintf(`(() => {
		const w = %d, outer = [], inner = [];
		const over = e => e.checkVisibility() && e.getBoundingClientRect().right > w + 1;
		const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.classList.length ? '.' + [...e.classList].join('.') : '') +
			' (' + Math.round(e.getBoundingClientRect().width) + ' px wide, right edge ' + Math.round(e.getBoundingClientRect().right) + ' px)';
		for (const e of document.body.querySelectorAll('*')) {
			if (!over(e)) { continue; }
			if (!over(e.parentElement)) { outer.push('outermost ' + name(e)); }
			if (![...e.children].some(over)) { inner.push('innermost ' + name(e)); }
		}
		return [...outer.slice(0, 5), ...inner.slice(0, 5)];
	})()`, width))
}

// screenshotTo saves the whole page as a PNG at file.
func screenshotTo(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	must(t, os.WriteFile(file, png, 0o644))
}

// checkHeader checks the header on the open page at each width: it keeps
// to one row (a compact menu on a phone), and once the disclosures it
// shows are opened (the menu, the account menu), every one of labels is a
// link or button on screen, not clipped or pushed off its edge.
func (wk *walker) checkHeader(labels []string) {
	t := wk.t
	t.Helper()
	if got := evaluate[string](t, wk.ctx, `(a => a.textContent.trim() + ' ' + a.getAttribute('href') + ' ' + !!document.getElementById(a.hash.slice(1)))(
		document.querySelector('body a[href], body button, body input, body select, body summary'))`); got != "Skip to main content #main true" {
		t.Errorf("%s: the first thing Tab reaches is %q; want the skip link to #main", wk.journey, got)
	}
	for _, sc := range screens {
		must(t, chromedp.Do(wk.ctx, sc.setup))
		at := wk.journey + "'s header at " + sc.name + " px"
		if h := evaluate[float64](t, wk.ctx, `document.querySelector('header').getBoundingClientRect().height`); h > 80 {
			t.Errorf("%s is %.0f px tall: it wraps", at, h)
		}
		missing := evaluate[[]string](t, wk.ctx, `((labels) => {
			const header = document.querySelector('header');
			const shown = e => { const r = e.getBoundingClientRect(); return e.checkVisibility({visibilityProperty: true, opacityProperty: true}) &&
				r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth + 0.5; };
			const item = l => [...header.querySelectorAll('a, button')].find(e => e.textContent.trim() === l);
			const out = [];
			for (const l of labels) {
				const e = item(l);
				if (!e) { out.push(l + ' (absent)'); continue; }
				if (shown(e)) { continue; }
				// Open the disclosures around it, outermost first, by their buttons, if those are on screen.
				const chain = [];
				for (let d = e.closest('details'); d; d = d.parentElement.closest('details')) { chain.unshift(d); }
				for (const d of chain) { const s = d.querySelector(':scope > summary'); if (!d.open && s && shown(s)) { s.click(); } }
				if (!shown(e)) { out.push(l); }
				for (const d of chain) { d.open = false; }
			}
			return out;
		})(`+jsonString(t, labels)+`)`)
		if len(missing) > 0 {
			t.Errorf("%s: %q are not on screen, even with its menus open", at, missing)
		}
		screenshotTo(t, wk.ctx, filepath.Join(wk.dir, wk.journey+"-header-"+sc.name+".png"))
		if sc.width < 960 {
			wk.checkMenuKeys(at)
		}
	}
}

// checkMenuKeys opens the phone's Menu from the keyboard (Enter on its
// button), and closes it with Escape, which gives the button the focus
// back.
func (wk *walker) checkMenuKeys(at string) {
	t := wk.t
	t.Helper()
	must(t, chromedp.Do(wk.ctx, chromedp.Focus(chromedp.CSS(`header .menu > summary`))))
	must(t, chromedp.Do(wk.ctx, chromedp.KeyEvent(kb.Enter)))
	if !evaluate[bool](t, wk.ctx, `document.querySelector('header .menu').open && document.querySelector('header .site-nav a').checkVisibility()`) {
		t.Errorf("%s: Enter on the Menu button does not show the store's links", at)
	}
	screenshotTo(t, wk.ctx, filepath.Join(wk.dir, wk.journey+"-menu-open-390.png"))
	must(t, chromedp.Do(wk.ctx, chromedp.KeyEvent(kb.Escape)))
	if !evaluate[bool](t, wk.ctx, `!document.querySelector('header .menu').open && document.activeElement === document.querySelector('header .menu > summary')`) {
		t.Errorf("%s: Escape does not close the menu and give its button the focus", at)
	}
}

// checkCombobox types into the home page's search box and checks that it
// is a combobox: the list opens and a live region counts the
// suggestions; ArrowDown makes the first one active (aria-activedescendant,
// aria-selected); Escape closes the list; Enter opens the active one.
func (wk *walker) checkCombobox() {
	t := wk.t
	t.Helper()
	open(t, wk.ctx, wk.in.URL+"/")
	must(t, chromedp.Do(wk.ctx, chromedp.SendKeys(chromedp.CSS(`#search-q`), "acme")))
	waitUntil(t, "suggestions for acme", func() bool {
		return evaluate[int](t, wk.ctx, `document.querySelectorAll('#search-results [role=option]').length`) > 0
	})
	state := func() string {
		return evaluate[string](t, wk.ctx, `(i => [i.getAttribute('role'), i.getAttribute('aria-expanded'), i.getAttribute('aria-controls'),
			i.getAttribute('aria-activedescendant') || '-', document.querySelector('#search-results').getAttribute('role'),
			document.querySelector('[aria-selected=true]')?.id || '-'].join(' '))(document.querySelector('#search-q'))`)
	}
	if got := state(); got != "combobox true search-results - listbox -" {
		t.Errorf("the search box with suggestions shown: %q; want a combobox, expanded, controlling the listbox", got)
	}
	if s := evaluate[string](t, wk.ctx, `document.querySelector('#search-q').form.querySelector('[role=status]')?.textContent ?? ''`); !strings.Contains(s, "results for “acme”") {
		t.Errorf("the live region says %q; want how many results there are for acme", s)
	}
	must(t, chromedp.Do(wk.ctx, chromedp.KeyEvent(kb.ArrowDown)))
	if got := state(); got != "combobox true search-results search-results-0 listbox search-results-0" {
		t.Errorf("after ArrowDown: %q; want the first suggestion active and selected", got)
	}
	must(t, chromedp.Do(wk.ctx, chromedp.KeyEvent(kb.Escape)))
	if got := state(); got != "combobox false search-results - listbox -" || !evaluate[bool](t, wk.ctx, `document.querySelector('#search-results').hidden`) {
		t.Errorf("after Escape: %q; want the list closed", got)
	}
	must(t, chromedp.Do(wk.ctx, chromedp.KeyEvent(kb.ArrowDown)))
	want := evaluate[string](t, wk.ctx, `document.querySelector('#search-results-0').dataset.href`)
	if got := navigation(t, wk.ctx, chromedp.KeyEvent(kb.Enter)); got.Path != want || !strings.HasPrefix(want, "/products/acme") {
		t.Errorf("Enter on the first suggestion (%s) opened %s", want, got)
	}
}

// checkFieldErrors signs up with a password the server refuses (it starts
// like Berth's own keys): the page says why, and the password field, only
// it, is invalid and described by that message.
func (wk *walker) checkFieldErrors() {
	t := wk.t
	t.Helper()
	open(t, wk.ctx, wk.in.URL+"/signup")
	fill(t, wk.ctx, `form[action="/signup"]`, "username", "newcomer", "email", "newcomer@example.com", "password", "berth_not-a-key")
	submit(t, wk.ctx, `form[action="/signup"] button[type=submit]`)
	got := evaluate[string](t, wk.ctx, `(f => [f.getAttribute('aria-invalid'), f.getAttribute('aria-describedby'),
		document.getElementById(f.getAttribute('aria-describedby'))?.textContent.trim() ?? ''].join(' | '))(document.querySelector('form[action="/signup"] [name=password]'))`)
	if !strings.HasPrefix(got, "true | error-password | ") || len(got) <= len("true | error-password | ") {
		t.Errorf("the password field after a refused sign-up: %q; want aria-invalid, described by the message", got)
	}
	if n := evaluate[int](t, wk.ctx, `document.querySelectorAll('form[action="/signup"] [aria-invalid]').length`); n != 1 {
		t.Errorf("%d fields are marked invalid; want the password only", n)
	}
}

// checkFirstPaint measures what the page at path needs before its first
// paint: the HTML, CSS and JavaScript it loads from Berth, images left
// out, as the server sends them; they must weigh under limit bytes.
func (wk *walker) checkFirstPaint(path string, limit int) {
	t := wk.t
	t.Helper()
	open(t, wk.ctx, wk.in.URL+path)
	addresses := evaluate[[]string](t, wk.ctx, `[location.href, ...performance.getEntriesByType('resource').map(e => e.name)]`)
	total := 0
	var parts []string
	for _, a := range addresses {
		u, err := url.Parse(a)
		if err != nil || u.Host != strings.TrimPrefix(wk.in.URL, "http://") {
			continue
		}
		resp, err := http.Get(a)
		must(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		must(t, err)
		kind, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if kind == "text/html" || kind == "text/css" || strings.HasSuffix(kind, "javascript") {
			total += len(body)
			parts = append(parts, fmt.Sprintf("%s %d B", u.Path, len(body)))
		}
	}
	t.Logf("first paint of %s: %d bytes of HTML, CSS and JavaScript (%s)", path, total, strings.Join(parts, ", "))
	if total >= limit || len(parts) < 3 {
		t.Errorf("first paint of %s: %d bytes in %q; want the page, its stylesheet and its script, under %d bytes", path, total, parts, limit)
	}
}

// openAccountMenu opens the header's account menu, where Sign out is, as
// a person would: with a click on its button.
func openAccountMenu(t *testing.T, ctx context.Context) {
	t.Helper()
	if evaluate[bool](t, ctx, `document.querySelector('header .account-menu').open`) {
		return
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header .account-menu > summary`))); err != nil {
		t.Fatalf("opening the account menu: %v", err)
	}
}

// jsonString is v as a JavaScript literal.
func jsonString(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	must(t, err)
	return string(b)
}
