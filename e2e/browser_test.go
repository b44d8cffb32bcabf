package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is the Debian package's browser, which the test command installs.
const chromium = "/usr/bin/chromium"

// artifactsDir is where screenshots are kept: $BERTH_ARTIFACTS or ./artifacts.
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("BERTH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless Chromium for the test, for at most a minute.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 60*time.Second)
}

// browserFor starts headless Chromium for the test, for at most limit.
func browserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: run the README's test command, which installs Debian's chromium package", chromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifactsDir(t), name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserCatalogPages loads the home page and a product page in
// headless Chromium and checks what a buyer sees.
func TestBrowserCatalogPages(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	ctx := browser(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".card"))); err != nil {
		t.Fatalf("loading the home page: %v", err)
	}
	shelves := evaluate[[]string](t, ctx, `[...document.querySelectorAll('.shelf h2')].map(e => e.firstChild.textContent.trim())`)
	cards := evaluate[int](t, ctx, `document.querySelectorAll('.card').length`)
	firstHref := evaluate[string](t, ctx, `document.querySelector('#official .card a').getAttribute('href')`)
	if strings.Join(shelves, "|") != "Official images|Certified images|Plugins" {
		t.Errorf("home page shelves = %q", shelves)
	}
	if cards < 8 {
		t.Errorf("home page shows %d products, want the demo catalog's 8 or more", cards)
	}
	screenshot(t, ctx, "home.png")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#official .card a`)), chromedp.WaitVisible(chromedp.CSS(".tier"))); err != nil {
		t.Fatalf("opening %s: %v", firstHref, err)
	}
	title := evaluate[string](t, ctx, `document.querySelector('h1').textContent`)
	tiers := evaluate[string](t, ctx, `document.querySelector('.tiers').textContent`)
	pull := evaluate[string](t, ctx, `document.querySelector('.pull pre').textContent`)
	stylesheetApplied := evaluate[bool](t, ctx, `getComputedStyle(document.querySelector('.top')).display === 'flex'`)
	if !strings.HasPrefix(firstHref, "/products/") || strings.TrimSpace(title) == "" {
		t.Errorf("product link %q led to a page titled %q", firstHref, title)
	}
	if !strings.Contains(tiers, "$") && !strings.Contains(tiers, "Free") {
		t.Errorf("tiers section shows no price: %q", tiers)
	}
	if !strings.Contains(pull, "docker login "+in.Registry) || !strings.Contains(pull, "docker pull "+in.Registry+"/") {
		t.Errorf("pull section = %q; want docker login and pull lines for %s", pull, in.Registry)
	}
	if !stylesheetApplied {
		t.Error("the shared stylesheet is not applied")
	}
	screenshot(t, ctx, "product.png")
}

// evaluate runs a JavaScript expression in the page and returns its value.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}
