package e2e

import (
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/demo"
)

// explorePage fetches the Explore page at path and returns its HTML.
func explorePage(t *testing.T, in *instance, path string) string {
	t.Helper()
	resp, err := http.Get(in.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return string(body)
}

var (
	pagerLink = regexp.MustCompile(`<a href="([^"]*)" rel="(prev|next)">`)
	cardName  = regexp.MustCompile(`<span class="name">([^<]*)</span>`)
	catCount  = regexp.MustCompile(`>([^<>]+) <span class="count">(\d+)</span>`)
)

// pagerLinks returns the page's Previous and Next links by rel.
func pagerLinks(t *testing.T, page string) map[string]*url.URL {
	t.Helper()
	out := map[string]*url.URL{}
	for _, m := range pagerLink.FindAllStringSubmatch(page, -1) {
		u, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatalf("pager link %q: %v", m[1], err)
		}
		out[m[2]] = u
	}
	return out
}

// cardNames returns the names on the page's product cards, in order.
func cardNames(page string) []string {
	var out []string
	for _, m := range cardName.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestExplorePagerKeepsFilters pages through a filtered Explore of the
// demo with a page size of 2 by its Previous and Next links: each link
// keeps the page size and every filter, and the pages, read one after the
// other, list every product the filters select once, in order.
func TestExplorePagerKeepsFilters(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	var all struct{ Products []struct{ Name string } }
	if status := in.call("GET", "/api/v1/products?kind=image&sort=name&limit=100", "", "", nil, &all); status != http.StatusOK || len(all.Products) < 5 {
		t.Fatalf("the demo's images: %d %+v; want five or more", status, all)
	}
	var want []string
	for _, p := range all.Products {
		want = append(want, p.Name)
	}

	filters := url.Values{"kind": {"image"}, "sort": {"name"}, "limit": {"2"}}
	path := "/explore?" + filters.Encode()
	var seen []string
	for n := 1; ; n++ {
		page := explorePage(t, in, path)
		names := cardNames(page)
		if len(names) == 0 || len(names) > 2 {
			t.Fatalf("page %d (%s) shows %q; want one or two products", n, path, names)
		}
		seen = append(seen, names...)
		links := pagerLinks(t, page)
		for rel, u := range links {
			q := u.Query()
			for k := range filters {
				if q.Get(k) != filters.Get(k) {
					t.Errorf("page %d: the %s link %s has %s=%q; want %q", n, rel, u, k, q.Get(k), filters.Get(k))
				}
			}
		}
		if n > 1 {
			prev := links["prev"]
			if prev == nil || prev.Query().Get("page") != strconv.Itoa(n-1) {
				t.Errorf("page %d: Previous is %v; want page %d", n, prev, n-1)
			}
		}
		next := links["next"]
		if next == nil {
			break
		}
		if next.Query().Get("page") != strconv.Itoa(n+1) {
			t.Fatalf("page %d: Next is %s; want page %d", n, next, n+1)
		}
		if n > 20 {
			t.Fatal("the pager never ends")
		}
		path = next.String()
	}
	if !slices.Equal(seen, want) {
		t.Errorf("paging with limit=2 showed %q; want every image once, by name: %q", seen, want)
	}
}

// TestExploreTabCounts checks, for each tab, that the category counts on
// Explore and from GET /api/v1/categories count the products the tab
// lists, and that "Certified images" lists images.
func TestExploreTabCounts(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	type product struct {
		Slug, Kind, Badge string
		Categories        []string
	}
	for _, tab := range []string{"", "official", "certified", "plugins"} {
		var listed struct{ Products []product }
		if status := in.call("GET", "/api/v1/products?limit=100&tab="+tab, "", "", nil, &listed); status != http.StatusOK {
			t.Fatalf("tab %q: %d", tab, status)
		}
		want := map[string]int{}
		for _, p := range listed.Products {
			for _, c := range p.Categories {
				want[c]++
			}
			if tab == "certified" && (p.Kind != "image" || p.Badge != "certified") {
				t.Errorf("Certified images lists %s, a %s %s", p.Slug, p.Badge, p.Kind)
			}
		}
		if tab == "certified" && len(listed.Products) == 0 {
			t.Error("Certified images lists nothing; the demo has certified images")
		}

		var api struct {
			Categories []struct {
				Name     string
				Products int
			}
		}
		if status := in.call("GET", "/api/v1/categories?tab="+tab, "", "", nil, &api); status != http.StatusOK {
			t.Fatalf("categories of tab %q: %d", tab, status)
		}
		got := map[string]int{}
		for _, c := range api.Categories {
			got[c.Name] = c.Products
		}
		if !maps.Equal(got, want) {
			t.Errorf("GET /api/v1/categories?tab=%s = %v; the tab lists %v", tab, got, want)
		}

		page := explorePage(t, in, "/explore?tab="+tab)
		shown := map[string]int{}
		for _, m := range catCount.FindAllStringSubmatch(page, -1) {
			n, _ := strconv.Atoi(m[2])
			shown[html.UnescapeString(m[1])] = n
		}
		if !maps.Equal(shown, want) {
			t.Errorf("Explore's tab %q shows category counts %v; the tab lists %v", tab, shown, want)
		}
	}
	if status := in.call("GET", "/api/v1/categories?tab=free", "", "", nil, nil); status != http.StatusBadRequest {
		t.Errorf("categories of an unknown tab: %d, want 400", status)
	}
}

// filterLink finds Explore's links that set one filter; it is read on
// pages without other filters, whose links hold that one alone.
var filterLink = regexp.MustCompile(`<a href="/explore\?(os|arch)=([^"&]+)"`)

// TestExplorePlatformFilters checks Explore's operating system and
// architecture filters over the demo: each offers only values whose
// products exist, every value it offers finds products on that platform,
// and 32-bit arm (Edge's linux/arm/v7) is one of them, apart from arm64.
func TestExplorePlatformFilters(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	type page struct {
		Products []struct {
			Slug      string
			Platforms []string
		}
	}
	explore := func(q string) page {
		var p page
		if status := in.call("GET", "/api/v1/products?limit=100&"+q, "", "", nil, &p); status != http.StatusOK {
			t.Fatalf("explore %s: %d", q, status)
		}
		return p
	}
	// Platforms reach the catalog from the registry's notifications.
	deadline := time.Now().Add(30 * time.Second)
	for len(explore("arch=arm").Products) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no product with an arm platform ever appeared (the demo's Edge has linux/arm/v7)")
		}
		time.Sleep(200 * time.Millisecond)
	}
	offered := map[string][]string{}
	for _, m := range filterLink.FindAllStringSubmatch(explorePage(t, in, "/explore"), -1) {
		offered[m[1]] = append(offered[m[1]], m[2])
	}
	if !slices.Contains(offered["arch"], "arm") || !slices.Contains(offered["arch"], "arm64") || !slices.Contains(offered["os"], "linux") {
		t.Errorf("Explore offers %v; want linux, arm and arm64 among them", offered)
	}
	if slices.Contains(offered["os"], "windows") {
		t.Errorf("Explore offers Windows; no demo product has a Windows platform")
	}
	for key, values := range offered {
		for _, v := range values {
			found := explore(key + "=" + v).Products
			if len(found) == 0 {
				t.Errorf("Explore offers %s=%s, which finds nothing", key, v)
			}
			for _, p := range found {
				ok := slices.ContainsFunc(p.Platforms, func(pl string) bool {
					parts := strings.Split(pl, "/")
					return key == "os" && parts[0] == v || key == "arch" && len(parts) > 1 && parts[1] == v
				})
				if !ok {
					t.Errorf("%s=%s lists %s, whose platforms are %v", key, v, p.Slug, p.Platforms)
				}
			}
		}
	}
	arm := explore("arch=arm").Products
	if len(arm) != 1 || arm[0].Slug != "edge" {
		t.Errorf("arch=arm lists %+v; want Edge alone", arm)
	}
	// A value the catalog lacks, asked for in the URL, stays shown as the
	// filter in force, and the page says nothing matches.
	windows := explorePage(t, in, "/explore?os=windows")
	if !strings.Contains(windows, `<a href="/explore?os=windows" aria-current="true">Windows</a>`) || !strings.Contains(windows, "Nothing matches these filters") {
		t.Errorf("/explore?os=windows does not show the Windows filter in force with nothing found")
	}
}

// TestExploreFiltersExact checks each of Explore's tabs and filters over
// the demo against the products the demo data defines (demo.Products,
// read by their fields here, not through the catalog): the API and the
// page list exactly those, and never none.
func TestExploreFiltersExact(t *testing.T) {
	in := start(t, config(t, backend{name: "sqlite"}))
	for _, tc := range []struct {
		query string
		keep  func(p catalog.Product) bool
	}{
		{"tab=official", func(p catalog.Product) bool { return p.Badge == catalog.BadgeOfficial }},
		{"tab=certified", func(p catalog.Product) bool { return p.Badge == catalog.BadgeCertified && p.Kind == catalog.KindImage }},
		{"tab=plugins", func(p catalog.Product) bool { return p.Kind == catalog.KindPlugin }},
		{"kind=image", func(p catalog.Product) bool { return p.Kind == catalog.KindImage }},
		{"price=free", catalog.Product.HasFree},
		{"price=paid", catalog.Product.HasPaid},
		{"tab=plugins&price=free", func(p catalog.Product) bool { return p.Kind == catalog.KindPlugin && p.HasFree() }},
		{"tab=official&kind=plugin", func(p catalog.Product) bool { return p.Badge == catalog.BadgeOfficial && p.Kind == catalog.KindPlugin }},
	} {
		var wantSlugs, wantNames []string
		for _, p := range demo.Products() {
			if tc.keep(p) {
				wantSlugs, wantNames = append(wantSlugs, p.Slug), append(wantNames, p.Name)
			}
		}
		if len(wantSlugs) == 0 {
			t.Fatalf("%s: the demo defines no product for it; the test would prove nothing", tc.query)
		}
		var listed struct{ Products []struct{ Slug string } }
		if status := in.call("GET", "/api/v1/products?limit=100&"+tc.query, "", "", nil, &listed); status != http.StatusOK {
			t.Fatalf("%s: %d", tc.query, status)
		}
		var got []string
		for _, p := range listed.Products {
			got = append(got, p.Slug)
		}
		slices.Sort(got)
		slices.Sort(wantSlugs)
		if !slices.Equal(got, wantSlugs) {
			t.Errorf("GET /api/v1/products?%s lists %q; the demo defines %q", tc.query, got, wantSlugs)
		}
		shown := cardNames(explorePage(t, in, "/explore?limit=100&"+tc.query))
		slices.Sort(shown)
		slices.Sort(wantNames)
		if !slices.Equal(shown, wantNames) {
			t.Errorf("/explore?%s shows %q; the demo defines %q", tc.query, shown, wantNames)
		}
	}
}
