package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeScript is axe-core, the accessibility checker, from the shared
// vendor directory found above the tests ($BERTH_AXE names another copy).
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("BERTH_AXE")
	if path == "" {
		path = vendoredAxe(t)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core is missing (%v): set BERTH_AXE to axe.min.js", err)
	}
	return string(b)
}

// axeViolations runs axe-core's WCAG 2.1 A and AA rules on the open page
// and returns each violation with the elements it found.
func axeViolations(t *testing.T, ctx context.Context, axe string) []string {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+"\n;true")); err != nil {
		t.Fatalf("loading axe-core: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core: %v", err)
	}
	return out
}

// TestBrowserPluginPages opens a plugin's product and tag pages and
// Explore's interface filter in Chromium, on a desktop and on a phone:
// each passes axe-core's WCAG 2.1 AA rules and fits the phone's width,
// and the install command's copy button puts the command on the
// clipboard.
func TestBrowserPluginPages(t *testing.T) {
	s := newPluginStore(t, backend{name: "sqlite"})
	ctx := browser(t)
	axe := axeScript(t)
	install := "docker plugin install " + s.in.Registry + "/acme/nfs-volume:1.0"
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// Headless Chromium's page never has the focus the clipboard asks for.
		if _, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			return err
		}
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			_, err := cdp.Call(ctx, tg, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: s.in.URL})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatalf("granting the clipboard: %v", err)
	}

	for _, screen := range []struct {
		name  string
		width int
		setup chromedp.Action[chromedp.Void]
	}{
		{"desktop", 1280, chromedp.EmulateViewport(1280, 900)},
		{"phone", 390, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)},
	} {
		if err := chromedp.Do(ctx, screen.setup); err != nil {
			t.Fatal(err)
		}
		for _, page := range []struct{ name, path string }{
			{"product", "/products/acme-nfs"},
			{"tag", "/images/acme/nfs-volume/tags/1.0"},
			{"explore", "/explore?tab=plugins&interface=volumedriver"},
		} {
			open(t, ctx, s.in.URL+page.path)
			where := page.name + " page on a " + screen.name
			if v := axeViolations(t, ctx, axe); len(v) > 0 {
				t.Errorf("%s: axe-core found:\n%s", where, strings.Join(v, "\n"))
			}
			// A phone's browser zooms out to fit a page wider than it.
			if wide := evaluate[int](t, ctx, `document.documentElement.scrollWidth`); wide > screen.width {
				t.Errorf("%s is %d px wide on a %d px screen", where, wide, screen.width)
			}
			screenshot(t, ctx, "plugin-"+page.name+"-"+screen.name+".png")
			if page.name == "explore" {
				cards := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#explore-results .card .name')].map(e => e.textContent.trim())`)
				if strings.Join(cards, "|") != "Acme NFS Volumes" {
					t.Errorf("%s lists %q; want the volume driver alone", where, cards)
				}
				continue
			}
			copyInstall(t, ctx, where, install)
		}
	}
}

// copyInstall clicks the install command's copy button and checks that
// the command is what the clipboard holds.
func copyInstall(t *testing.T, ctx context.Context, where, install string) {
	t.Helper()
	if got := text(t, ctx, "code.install-command"); got != install {
		t.Errorf("%s: install command %q, want %q", where, got, install)
	}
	button := `document.querySelector('button[data-copy="' + document.querySelector('code.install-command').id + '"]')`
	if shown := evaluate[bool](t, ctx, `(b => !b.hidden && b.getBoundingClientRect().right <= window.innerWidth && b.getBoundingClientRect().width > 0)(`+button+`)`); !shown {
		t.Fatalf("%s: the copy button is hidden or off screen", where)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.clipboard.writeText('nothing yet').then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("%s: clearing the clipboard: %v", where, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.command button[data-copy^="install-command"]`))); err != nil {
		t.Fatalf("%s: clicking copy: %v", where, err)
	}
	// The copy is a promise: wait until the clipboard changes.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		for (let i = 0; i < 100; i++) {
			const s = await navigator.clipboard.readText();
			if (s !== 'nothing yet') { return s; }
			await new Promise(r => setTimeout(r, 50));
		}
		return 'nothing yet';
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: reading the clipboard: %v", where, err)
	}
	if got != install {
		t.Errorf("%s: the clipboard holds %q after copying, want %q", where, got, install)
	}
	if status := evaluate[string](t, ctx, `document.querySelector('.command button[data-copy^="install-command"]').nextElementSibling.textContent`); status != "Copied" {
		t.Errorf("%s: the copy status says %q, want Copied", where, status)
	}
}
