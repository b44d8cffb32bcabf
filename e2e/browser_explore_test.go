package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/demo"
)

// TestBrowserSearchAndExplore opens /search and Explore over the demo in
// Chromium, on a desktop and on a phone: each passes axe-core's WCAG 2.1
// AA rules (the filter counts' contrast among them) and fits the screen's
// width; /search shows its results as a list below the form, the box and
// button on one row of their own, and search as you type fills that list
// and says how many it found.
func TestBrowserSearchAndExplore(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	_, err := in.srv.Backend.Repositories.Create(context.Background(), catalog.NewRepository{Namespace: "demo-user",
		Name: "widgetizer", Summary: "Turns gadgets into widgets."})
	if err != nil {
		t.Fatal(err)
	}
	var officialNames []string
	for _, p := range demo.Products() {
		if p.Badge == catalog.BadgeOfficial {
			officialNames = append(officialNames, p.Name)
		}
	}
	slices.Sort(officialNames)
	// Three pages at two widths, each checked by axe: more than the usual
	// minute of browser on a loaded CI machine (78 s once).
	ctx := browserFor(t, 3*time.Minute)
	axe := axeScript(t)
	for _, screen := range []struct {
		name  string
		width int
		setup chromedp.Action[chromedp.Void]
	}{
		{"desktop", 1366, chromedp.EmulateViewport(1366, 900)},
		{"phone", 390, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)},
	} {
		if err := chromedp.Do(ctx, screen.setup); err != nil {
			t.Fatal(err)
		}
		for _, page := range []struct{ name, path string }{
			{"search", "/search?q=netscaler"},
			{"search-empty", "/search"},
			{"search-nothing", "/search?q=zzzzqqqq"},
			{"explore", "/explore"},
			{"explore-certified", "/explore?tab=certified&limit=2"},
			{"explore-community", "/explore?tab=community"},
			{"search-community", "/search?q=widgetizer"},
		} {
			open(t, ctx, in.URL+page.path)
			where := page.path + " on a " + screen.name
			if v := axeViolations(t, ctx, axe); len(v) > 0 {
				t.Errorf("%s: axe-core found:\n%s", where, strings.Join(v, "\n"))
			}
			if low := shortTextContrast(t, ctx); len(low) > 0 {
				t.Errorf("%s: short text below 4.5:1 contrast:\n%s", where, strings.Join(low, "\n"))
			}
			if wide := evaluate[int](t, ctx, `document.documentElement.scrollWidth`); wide > screen.width {
				t.Errorf("%s is %d px wide on a %d px screen", where, wide, screen.width)
			}
			screenshot(t, ctx, "explore-"+page.name+"-"+screen.name+".png")
		}

		// The Official tab shows exactly the demo's official products, each
		// marked Official; the Community tab and section show the user's
		// repository marked Community.
		open(t, ctx, in.URL+"/explore?tab=official")
		shown := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#explore-results .card .name')].map(e => e.textContent)`)
		marks := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#explore-results .card .mark')].map(e => e.textContent)`)
		slices.Sort(shown)
		if len(officialNames) == 0 || !slices.Equal(shown, officialNames) {
			t.Errorf("the Official tab on a %s shows %q; the demo defines %q", screen.name, shown, officialNames)
		}
		if len(marks) != len(officialNames) || slices.ContainsFunc(marks, func(m string) bool { return m != "Official" }) {
			t.Errorf("the Official tab on a %s marks its cards %q; want Official on each", screen.name, marks)
		}
		for _, path := range []string{"/explore?tab=community", "/search?q=widgetizer"} {
			open(t, ctx, in.URL+path)
			if got := text(t, ctx, "#community-results"); !strings.Contains(got, "demo-user/widgetizer") || !strings.Contains(got, "Community") ||
				!strings.Contains(got, "0 pulls") || !strings.Contains(got, "never pushed") {
				t.Errorf("%s on a %s shows %q; want demo-user/widgetizer marked Community, with its pulls and last push", path, screen.name, got)
			}
		}

		open(t, ctx, in.URL+"/search?q=netscaler")
		where := "/search?q=netscaler on a " + screen.name
		checkSearchLayout(t, ctx, where, screen.width)
		if n := evaluate[int](t, ctx, `document.querySelectorAll('#search-results li a').length`); n < 2 {
			t.Errorf("%s lists %d results; want the NetScaler products", where, n)
		}
		if s := text(t, ctx, "#search-status"); !strings.Contains(s, "results for") {
			t.Errorf("%s: the status says %q; want how many results", where, s)
		}

		// Typing replaces the results below the form, and the status says so.
		open(t, ctx, in.URL+"/search")
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#search-q"), "kafak")); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(text(t, ctx, "#search-results"), "Acme Stream") {
			if time.Now().After(deadline) {
				t.Fatalf("%s: typing showed %q; want Acme Stream", screen.name, text(t, ctx, "#search-results"))
			}
			time.Sleep(100 * time.Millisecond)
		}
		checkSearchLayout(t, ctx, "/search after typing on a "+screen.name, screen.width)
		if s := text(t, ctx, "#search-status"); !strings.Contains(s, "for “kafak”") {
			t.Errorf("%s: after typing the status says %q", screen.name, s)
		}
		screenshot(t, ctx, "explore-search-typed-"+screen.name+".png")
	}
}

// shortTextContrast returns the text on the open page whose contrast
// axe-core measured below 4.5:1 but left for a person to judge, because
// the text is short, such as a count of one or two digits. axe must
// already be loaded (axeViolations loads it).
func shortTextContrast(t *testing.T, ctx context.Context) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})
		.then(r => r.incomplete.flatMap(v => v.nodes)
			.filter(n => n.any.some(a => a.data && a.data.contrastRatio && a.data.contrastRatio < 4.5))
			.map(n => n.target.join(' ') + ' ' + JSON.stringify(n.any.map(a => a.data))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core's contrast rule: %v", err)
	}
	return out
}

// checkSearchLayout checks /search's layout: the results list is outside
// the form and starts below it, the box and button share one row, the
// button is no taller than a line of text, and nothing passes the screen's
// right edge.
func checkSearchLayout(t *testing.T, ctx context.Context, where string, width int) {
	t.Helper()
	type box struct{ Top, Bottom, Left, Right, Height float64 }
	rect := func(sel string) box {
		return evaluate[box](t, ctx, `(r => ({Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right, Height: r.height}))(document.querySelector('`+sel+`').getBoundingClientRect())`)
	}
	if evaluate[bool](t, ctx, `!!document.querySelector('form.search-box #search-results')`) {
		t.Errorf("%s: the results are inside the form", where)
	}
	form, input, button, results := rect("form.search-box"), rect("#search-q"), rect("form.search-box button"), rect("#search-results")
	if results.Top < form.Bottom {
		t.Errorf("%s: the results start at %.0f px, above the form's bottom at %.0f px", where, results.Top, form.Bottom)
	}
	if button.Top >= input.Bottom || input.Top >= button.Bottom {
		t.Errorf("%s: the box (%+v) and the button (%+v) are not on one row", where, input, button)
	}
	if button.Height > 60 || input.Height > 60 {
		t.Errorf("%s: the box is %.0f px and the button %.0f px tall; want a line each", where, input.Height, button.Height)
	}
	if input.Right-input.Left < 150 {
		t.Errorf("%s: the box is %.0f px wide", where, input.Right-input.Left)
	}
	for name, r := range map[string]box{"form": form, "results": results} {
		if r.Right > float64(width) {
			t.Errorf("%s: the %s ends at %.0f px on a %d px screen", where, name, r.Right, width)
		}
	}
}
